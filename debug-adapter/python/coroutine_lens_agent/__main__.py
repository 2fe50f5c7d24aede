"""Entry point for `python <dir>/coroutine_lens_agent ...` and `python -m coroutine_lens_agent ...`.

Run as a folder, Python puts this folder (not its parent) on sys.path and imports nothing of the
package; make the package importable, then hand over. The program runs from this module's level,
not from a function, so that no agent function's frame lies below the program's (a program that
prints its stack or recurses deeply sees what it sees under plain `python`, but for this module's
frame). program() replaces this module's namespace with the program's `__main__`: every name
the last statement uses is read before that, and nothing may follow it.
"""
import os
import sys

if not __package__:
    _parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, _parent)
    import coroutine_lens_agent.launcher as _launcher
    sys.path.remove(_parent)
else:
    from . import launcher as _launcher

_launcher.main()
with _launcher.ProgramRun():
    exec(*_launcher.program())

"""The recursion limit the program would have under plain `python`.

The frames below the program's module frame (runpy's, the agent's `__main__` module) use levels of
the recursion limit that plain Python does not use. The limit is raised by that many levels, and
`sys.getrecursionlimit` / `sys.setrecursionlimit` are replaced by functions that subtract / add them,
so the program recurses as deep and reads the same limit as under plain Python.
"""
import operator
import sys

# Up to 3.11 the limit counts C-level recursion too: a call of the builtin exec() costs one level
# (from 3.12 on the limit counts Python frames only).
_EXEC_COSTS_A_LEVEL = sys.version_info < (3, 12)
# What plain `python -m` / `python folder` has below the module: runpy's _run_module_as_main and
# _run_code, which calls exec().
RUNPY_LEVELS = 2 + _EXEC_COSTS_A_LEVEL


def levels_below(frame):
    """Levels of the limit used by `frame` and the frames below it, when `frame` calls exec() to run
    the program: each frame, and up to 3.11 each exec() call (runpy's _run_code's and the frame's)."""
    levels = 1 + _EXEC_COSTS_A_LEVEL
    frame = frame.f_back
    while frame is not None:
        levels += 1 + (_EXEC_COSTS_A_LEVEL and frame.f_code.co_name == '_run_code')
        frame = frame.f_back
    return levels


def _too_low(limit, error, levels):
    """The RecursionError plain Python raises when `limit` is below the depth: the real one's depth
    counts the levels and the wrapper's frame too. Built with builtins only: no Python frames, this
    close to the limit."""
    text = str(error)
    head, found, tail = text.rpartition(' depth ')
    depth, colon, rest = tail.partition(':')
    if not found or not colon or not depth.isdigit():
        return error
    return RecursionError('cannot set the recursion limit to %d at the recursion depth %d:%s'
                          % (limit, int(depth) - levels - 1, rest))


def compensate(levels):
    """Give the program `levels` more levels of recursion without changing the limit it reads."""
    if levels <= 0:
        return
    real_get, real_set = sys.getrecursionlimit, sys.setrecursionlimit
    real_set(real_get() + levels)

    def getrecursionlimit():
        return real_get() - levels

    def setrecursionlimit(limit):
        try:
            limit = operator.index(limit)
        except TypeError:
            real_set(limit)  # raises the TypeError plain Python raises
        if limit < 1:
            real_set(limit)  # raises the ValueError plain Python raises
        try:
            real_set(limit + levels)
        except RecursionError as error:
            raise _too_low(limit, error, levels) from None

    for wrapper, real in ((getrecursionlimit, real_get), (setrecursionlimit, real_set)):
        wrapper.__doc__, wrapper.__module__, wrapper.__qualname__ = real.__doc__, 'sys', real.__name__
    sys.getrecursionlimit, sys.setrecursionlimit = getrecursionlimit, setrecursionlimit

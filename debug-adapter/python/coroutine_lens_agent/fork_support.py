"""Keeps os.fork() as quiet as under plain Python.

On 3.12+ os.fork() warns (DeprecationWarning, "This process (pid=…) is multi-threaded …") when the
process has more than one OS thread. The agent's own threads would make a single-threaded program
warn where plain Python does not. The wrapper drops that one warning when the program itself runs
a single thread, and otherwise re-issues it for the program's own calling line, exactly where
Python would have put it."""
import functools
import os
import sys
import threading
import warnings

_MULTI_THREADED = 'is multi-threaded, use of '


def patch_fork():
    if sys.version_info < (3, 12):
        return
    for name in ('fork', 'forkpty'):
        original = getattr(os, name, None)
        if original is not None and not getattr(original, '_coroutine_lens', False):
            setattr(os, name, _quiet(original))


def _quiet(original):
    @functools.wraps(original)
    def fork(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            result = original(*args, **kwargs)
        single_threaded = threading.active_count() <= 1  # the agent's raw threads are not counted
        caller = sys._getframe(1)
        for warning in caught:
            if single_threaded and _MULTI_THREADED in str(warning.message):
                continue
            module_globals = caller.f_globals
            warnings.warn_explicit(warning.message, warning.category, caller.f_code.co_filename,
                                   caller.f_lineno, module=module_globals.get('__name__'),
                                   registry=module_globals.setdefault('__warningregistry__', {}),
                                   module_globals=module_globals)
        return result

    fork._coroutine_lens = True
    return fork

"""Tornado `@gen.coroutine` runners: every live tornado.gen.Runner is recorded by wrapping
Runner.__init__ once tornado.gen is imported (cheaper than searching the heap for them)."""
import functools
import sys
import weakref

from . import filters
from .loops import CREATION_STACK_DEPTH


class RunnerRegistry:
    def __init__(self, report_error):
        self._report_error = report_error
        self._runners = weakref.WeakSet()
        self.creation_stacks = weakref.WeakKeyDictionary()

    def patch_tornado(self, gen_module):
        runner_class = gen_module.Runner
        original = runner_class.__init__
        if getattr(original, '_coroutine_lens', False):
            return
        registry = self

        @functools.wraps(original)
        def __init__(runner, *args, **kwargs):
            # Recorded first: the constructor may run the generator to its end.
            registry._add(runner)
            original(runner, *args, **kwargs)

        __init__._coroutine_lens = True
        runner_class.__init__ = __init__

    def _add(self, runner):
        try:
            self._runners.add(runner)
            entries = []
            frame = sys._getframe(2)
            while frame is not None and len(entries) < CREATION_STACK_DEPTH:
                code = frame.f_code
                if not filters.is_library(code.co_filename):
                    entries.append((code, frame.f_lineno))
                frame = frame.f_back
            self.creation_stacks[runner] = tuple(entries)
        except Exception as error:
            self._report_error(error)

    def live(self):
        """Runners whose generator has not finished."""
        return [runner for runner in list(self._runners) if not getattr(runner, 'finished', True)]

    def creation_stack(self, runner):
        entries = self.creation_stacks.get(runner)
        if entries is None:
            return None
        return [{'name': code.co_name, 'path': code.co_filename, 'line': line} for code, line in entries]

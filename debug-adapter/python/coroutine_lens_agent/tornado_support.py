"""Tornado `@gen.coroutine` runners: every live tornado.gen.Runner is recorded by wrapping
Runner.__init__ once tornado.gen is imported (cheaper than searching the heap for them)."""
import functools
import sys
import weakref

from . import filters
from .loops import CREATION_STACK_DEPTH, CreationStacks


_PRIMITIVES = {'tornado.locks': ('Condition', 'Event', 'Semaphore', 'Lock'), 'tornado.queues': ('Queue',)}


class RunnerRegistry:
    """Live Runners and tornado.locks / tornado.queues objects (whose waiter futures name a wait)."""

    def __init__(self, report_error):
        self._report_error = report_error
        self._runners = weakref.WeakSet()
        self._primitives = weakref.WeakSet()
        self.creation_stacks = CreationStacks()

    def patch_primitives(self, module):
        for class_name in _PRIMITIVES.get(module.__name__, ()):
            cls = getattr(module, class_name, None)
            if cls is None or getattr(cls.__init__, '_coroutine_lens', False):
                continue
            self._wrap_init(cls)

    def _wrap_init(self, cls):
        original = cls.__init__
        primitives = self._primitives

        @functools.wraps(original)
        def __init__(obj, *args, **kwargs):
            original(obj, *args, **kwargs)
            primitives.add(obj)

        __init__._coroutine_lens = True
        cls.__init__ = __init__

    def waits(self):
        """id(future) -> (kind, description) for every future a Tornado lock, event or queue holds."""
        result = {}
        primitives = list(self._primitives)
        inside_lock = {id(getattr(p, '_block', None)): p for p in primitives if type(p).__name__ == 'Lock'}
        for primitive in primitives:
            owner = inside_lock.get(id(primitive), primitive)
            label = type(owner).__name__
            kind = {'Lock': 'lock', 'Condition': 'condition', 'Event': 'event'}.get(label, 'semaphore')
            if hasattr(primitive, '_getters'):
                kind = 'queue'
                waiting = list(primitive._getters) + [f for _, f in list(primitive._putters)]
                detail = '%d items' % primitive.qsize()
            else:
                waiting = list(getattr(primitive, '_waiters', ()))
                detail = '%d waiting' % len(waiting)
            for future in waiting:
                result[id(future)] = (kind, 'tornado %s (%s) at 0x%x' % (label, detail, id(owner)))
        return result

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
            self.creation_stacks.put(runner, tuple(entries))
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

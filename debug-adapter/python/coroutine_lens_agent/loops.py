"""Which asyncio event loops run, in which thread, and where each task was created.

The registry learns about a loop when it starts: asyncio's run_forever calls
`asyncio.events._set_running_loop(loop)` on the loop's own thread, and the agent wraps that module
function (after asyncio.events is imported, see hooks.py). Loops that started before the agent
(attach) are found once through the garbage collector. At the same moment a task factory is put on
the loop that records the creating stack and then calls the user's factory, if any, unchanged.
"""
import _thread
import gc
import sys
import threading
import weakref

from . import filters

CREATION_STACK_DEPTH = 8


class LoopRegistry:
    def __init__(self, report_error):
        self._report_error = report_error
        self._loops = {}  # id(loop) -> (weakref to loop, ident of its thread)
        self._lock = threading.Lock()
        self.creation_stacks = CreationStacks()
        self.needs_gc_scan = False  # set when asyncio was imported before the agent came
        self.record_creation = True

    # --- hooks -----------------------------------------------------------------------------------

    def patch_asyncio(self, events_module):
        original = events_module._set_running_loop
        registry = self

        def _set_running_loop(loop):
            original(loop)
            if loop is not None:
                registry._register(loop, _thread.get_ident())

        _set_running_loop.__wrapped__ = original
        events_module._set_running_loop = _set_running_loop

    def _register(self, loop, ident):
        try:
            with self._lock:
                self._loops[id(loop)] = (weakref.ref(loop), ident)
            if self.record_creation:
                self._install_task_factory(loop)
        except Exception as error:
            self._report_error(error)

    def _install_task_factory(self, loop):
        current = getattr(loop, '_task_factory', None)
        if not getattr(current, '_coroutine_lens', False):
            loop.set_task_factory(self._recording_factory(current))

    def patch_base_events(self, base_events_module):
        """Every task factory, set before or after the loop starts, is wrapped by one that records
        the creating stack and then calls it unchanged; get_task_factory still returns the user's."""
        loop_class = base_events_module.BaseEventLoop
        original_set, original_get = loop_class.set_task_factory, loop_class.get_task_factory
        wrap = self._recording_factory

        def set_task_factory(loop, factory):
            original_set(loop, wrap(factory) if self.record_creation else factory)

        def get_task_factory(loop):
            factory = original_get(loop)
            return getattr(factory, '_user_factory', factory)

        set_task_factory.__wrapped__, get_task_factory.__wrapped__ = original_set, original_get
        loop_class.set_task_factory, loop_class.get_task_factory = set_task_factory, get_task_factory

    def _recording_factory(self, user_factory):
        if getattr(user_factory, '_coroutine_lens', False):
            return user_factory
        stacks = self.creation_stacks
        library = filters.is_library

        def task_factory(loop, coro, **kwargs):
            if user_factory is None:
                task = sys.modules['asyncio'].Task(coro, loop=loop, **kwargs)
            else:
                task = user_factory(loop, coro, **kwargs)
            try:
                entries = []
                frame = sys._getframe(1)
                while frame is not None and len(entries) < CREATION_STACK_DEPTH:
                    code = frame.f_code
                    if not library(code.co_filename):
                        entries.append((code, frame.f_lineno))
                    frame = frame.f_back
                stacks.put(task, tuple(entries))
            except TypeError:  # a user factory returned something that takes no weak reference
                pass
            return task

        task_factory._coroutine_lens = True
        task_factory._user_factory = user_factory
        return task_factory

    # --- queries ---------------------------------------------------------------------------------

    def running(self):
        """[(loop, ident)] of loops that are running now, in registration order."""
        if self.needs_gc_scan:
            self.needs_gc_scan = False
            self._scan_gc()
        result = []
        with self._lock:
            entries = list(self._loops.items())
        for key, (ref, ident) in entries:
            loop = ref()
            if loop is None:
                with self._lock:
                    self._loops.pop(key, None)
                continue
            if loop.is_running():
                result.append((loop, getattr(loop, '_thread_id', None) or ident))
        return result

    def _scan_gc(self):
        """Loops that were running before the agent came (attach), found once the slow way."""
        asyncio = sys.modules.get('asyncio')
        if asyncio is None:
            return
        for obj in gc.get_objects():
            if isinstance(obj, asyncio.AbstractEventLoop) and obj.is_running() and id(obj) not in self._loops:
                ident = getattr(obj, '_thread_id', None)
                if ident is not None:
                    self._register(obj, ident)

    def wake_all(self):
        """Make every loop that idles in select() run a callback, so a pause can stop in it."""
        for loop, _ in self.running():
            try:
                loop.call_soon_threadsafe(_noop)
            except RuntimeError:  # closed meanwhile
                pass

    def creation_stack(self, task):
        entries = self.creation_stacks.get(task)
        if entries is None:
            return None
        return [{'name': code.co_name, 'path': code.co_filename, 'line': line} for code, line in entries]


def _noop():
    pass


class CreationStacks:
    """obj -> ((code, line), ...) for as long as obj lives. A plain dict keyed by id with a weak
    reference to drop the entry: the tree reads it for every task, and WeakKeyDictionary.get is a
    Python-level call several times slower than dict.get."""

    def __init__(self):
        self._entries = {}

    def put(self, obj, stack):
        key = id(obj)
        entries = self._entries
        self._entries[key] = (weakref.ref(obj, lambda _, key=key: entries.pop(key, None)), stack)

    def get(self, obj):
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        return None

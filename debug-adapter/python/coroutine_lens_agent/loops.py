"""Which asyncio event loops run, in which thread, and where each task was created.

The registry learns about a loop when it starts: asyncio's run_forever calls
`asyncio.events._set_running_loop(loop)` on the loop's own thread, and the agent wraps that module
function (after asyncio.events is imported, see hooks.py). Loops that started before the agent
(attach) are found once through the garbage collector. Where each task was created is recorded by
a thin wrapper around BaseEventLoop.create_task.
"""
import _thread
import gc
import sys
import threading
import weakref

from . import filters

CREATION_STACK_DEPTH = 4  # user frames kept per created task: each one costs every create_task


class LoopRegistry:
    def __init__(self, report_error):
        self._report_error = report_error
        self._loops = {}  # id(loop) -> (weakref to loop, ident of its thread)
        self._lock = threading.Lock()
        self.creation_stacks = TaskCreations(self._live_task_ids)
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
        except Exception as error:
            self._report_error(error)

    def patch_base_events(self, base_events_module):
        """Record where each task is created by wrapping BaseEventLoop.create_task (asyncio.create_task,
        ensure_future and loop.create_task all end there). Not a task factory: on 3.13.0 any
        factory makes create_task call task.set_name(None), renaming every unnamed task 'None'.
        The wrapper runs for every task, so it keeps only (code, line) pairs of the user's frames,
        skipping library frames with one dict lookup each."""
        loop_class = base_events_module.BaseEventLoop
        original = loop_class.create_task
        if getattr(original, '_coroutine_lens', False):
            return
        records = self.creation_stacks
        getframe = sys._getframe
        known = filters.library_by_filename
        is_library = filters.is_library
        registry = self

        def create_task(loop, coro, **kwargs):
            task = original(loop, coro, **kwargs)
            if registry.record_creation:
                frame = getframe(1)
                raw = []
                while frame is not None:
                    code = frame.f_code
                    library = known.get(code.co_filename)
                    if library is None:
                        library = is_library(code.co_filename)
                    if not library:
                        raw.append(code)
                        raw.append(frame.f_lineno)
                        if len(raw) == 2 * CREATION_STACK_DEPTH:
                            break
                    frame = frame.f_back
                records.put(task, coro, raw)
            return task

        create_task._coroutine_lens = True
        create_task.__wrapped__ = original
        create_task.__doc__ = original.__doc__
        loop_class.create_task = create_task

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

    def _live_task_ids(self):
        asyncio = sys.modules.get('asyncio')
        if asyncio is None:
            return set()
        return {id(task) for loop, _ in self.running() for task in asyncio.all_tasks(loop)}


def _noop():
    pass


class TaskCreations:
    """task -> its creating frames, for every task created through create_task. Kept by id with the
    id of its coroutine as a check, no weak reference (that would cost a callback per task): an entry
    for a task that is gone is dropped when the table outgrows the live tasks, and a new task at a
    reused address overwrites its entry when it is created."""

    def __init__(self, live_ids):
        self._entries = {}
        self._live_ids = live_ids
        self._limit = 20000

    def put(self, task, coro, raw):
        entries = self._entries
        entries[id(task)] = (id(coro), raw)
        if len(entries) > self._limit:
            live = self._live_ids()
            for key in [k for k in entries if k not in live]:
                del entries[key]
            self._limit = max(20000, 2 * len(entries))

    def get(self, task):
        entry = self._entries.get(id(task))
        if entry is None or entry[0] != id(task.get_coro()):
            return None
        raw = entry[1]
        return tuple((raw[i], raw[i + 1]) for i in range(0, len(raw), 2)) or None

    def first(self, task, coro):
        """(code, line) of the innermost user frame that created `task`, or None: the tree's createdAt."""
        entry = self._entries.get(id(task))
        if entry is None or entry[0] != id(coro):
            return None
        raw = entry[1]
        return (raw[0], raw[1]) if raw else None


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

"""Which asyncio event loops run, in which thread, and where each task was created.

The registry learns about a loop when it starts: asyncio's run_forever calls
`asyncio.events._set_running_loop(loop)` on the loop's own thread, and the agent wraps that module
function (after asyncio.events is imported, see hooks.py). Loops that started before the agent
(attach) are found once through the garbage collector. Where each task was created is recorded by
creations.py.
"""
import _thread
import gc
import sys
import threading
import weakref

from .creations import CREATION_STACK_DEPTH, TaskCreations  # the depth is tornado_support's too


class LoopRegistry:
    def __init__(self, report_error):
        self._report_error = report_error
        self._loops = {}  # id(loop) -> (weakref to loop, ident of its thread)
        self._lock = threading.Lock()
        self._switch_lock = threading.Lock()  # creation stacks turned on or off (patch_base_events)
        self.creation_stacks = TaskCreations(self._live_task_ids)
        self.needs_gc_scan = False  # set when asyncio was imported before the agent came

    # --- hooks -----------------------------------------------------------------------------------

    def patch_asyncio(self, events_module):
        original = events_module._set_running_loop
        registry = self

        def _set_running_loop(loop):
            original(loop)
            if loop is not None:
                registry._register(loop, _thread.get_ident())
            else:  # a loop stops running: the frames creations.py remembered per loop run end now
                registry.creation_stacks.loop_stopped()

        _set_running_loop.__wrapped__ = original
        events_module._set_running_loop = _set_running_loop

    def _register(self, loop, ident):
        try:
            with self._lock:
                self._loops[id(loop)] = (weakref.ref(loop), ident)
        except Exception as error:
            self._report_error(error)

    def patch_base_events(self, base_events_module):
        """Record where each task is created (creations.py), unless recording was turned off
        between asking for it and asyncio's import. The import hook runs this on the importing
        thread while the agent's thread may turn recording off: one at a time, or a patch that
        had begun would outlast the "off"."""
        with self._switch_lock:
            if self.creation_stacks.off_reason is None:
                self.creation_stacks.patch(base_events_module, self._report_error)

    def stop_creation_stacks(self, reason):
        """Record no creation from now on (`reason`: why, for the tree); records made stay."""
        with self._switch_lock:
            self.creation_stacks.off_reason = reason
            base_events = sys.modules.get('asyncio.base_events')
            if base_events is not None:
                self.creation_stacks.unpatch(base_events)

    def reset_after_fork(self):
        """In a forked child: a thread that is gone may hold the switch lock."""
        self._switch_lock = threading.Lock()

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

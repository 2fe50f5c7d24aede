"""Where each asyncio task was created: up to CREATION_STACK_DEPTH user frames of the call that
created it, recorded when BaseEventLoop.create_task returns (asyncio.create_task, ensure_future and
loop.create_task all end there): on 3.12+ from a sys.monitoring PY_RETURN callback set on that one
code object, elsewhere (or when no monitoring tool id is free) from a thin wrapper around it.

This runs for every task the program creates, so it is built to cost as little as Python code can
(measured with callgrind: docs/architecture-agent.md, "Cost"):
- The PY_RETURN callback is a C-to-Python call with no argument re-packing: ~0.8k instructions where
  the wrapper (call through, `**kwargs`) costs ~2k.
- A record is one int, never a tuple or list: containers kept per task make the garbage collector
  run more often and walk them every time (with 100,000 tasks that cost more than the rest of the
  recording). The int holds id(coro) in its low 64 bits, then 96 bits per frame, innermost first:
  id(code) << 32 | f_lasti. Code objects are kept alive in a table so their ids stay theirs; the
  line is worked out from f_lasti only when someone asks (f_lineno scans the line table).
- The frames below the event loop (`Handle._run` → `_run_once` → `run_forever` → whoever started
  the loop) are the same for every task created while that loop runs, so their user frames are
  walked once per loop run (keyed by the run_forever frame, forgotten when any loop stops) instead
  of once per task.
- On 3.12+ asyncio's own frames on top (ensure_future, gather, TaskGroup.create_task) are skipped
  by module name (sys._getframemodulename), without making frame objects of them; a task that
  library code creates from a loop callback (Tornado: 2 of the 3 tasks of an HTTP request) stops
  at Handle._run and takes that loop run's frames, with no walk.
- On 3.12+ the innermost user frame of a creation is held while it runs (a gather of 100,000
  coroutines, a loop of create_task calls): the frames below a running frame cannot change, so the
  next creation from it is an identity check and f_lasti, not a walk (see _maybe_hold). It is let
  go at its PY_RETURN / PY_YIELD (local events on its code) or PY_UNWIND (global: unwinding has no
  local event) — before the interpreter frees it, so no object outlives what it would without us.
  PY_UNWIND is on only while a frame is held (see _switch_unwind_off): a program that raises and
  catches often (Tornado's iostream, ~20 frames per request) otherwise pays a callback for each.
Not a task factory: on 3.13.0 any factory makes create_task call task.set_name(None), renaming
every unnamed task 'None'.
Not coroutine origin tracking (sys.set_coroutine_origin_tracking_depth): it is done in C, but for
every coroutine, not only tasks, with a tuple per frame; on bench:agent's asyncio workload it cost
+60 % CPU at depth 4 and +20 % at depth 1 on 3.12 (+10 % / +7 % on 3.9), and it would change what
the program prints: a "never awaited" warning then lists where the coroutine was created.
"""
import _thread
import dis
import os
import sys

from . import chains, filters

CREATION_STACK_DEPTH = 4  # user frames kept per created task
_FRAME_BITS = 96
_FRAME_MASK = (1 << _FRAME_BITS) - 1
_LOW_64 = (1 << 64) - 1
_LOW_32 = (1 << 32) - 1
_FIRST_FRAME_SHIFT = 64
_MAX_LOOP_RUNS = 64
_MAX_WRAPPERS = 32  # __wrapped__ links followed to find asyncio's create_task: a cycle ends there
_PRUNE_FLOOR = 100000  # records of dead tasks (about 100 bytes each) are dropped beyond this many
_MONITORING_TOOLS = (4, 3)  # sys.monitoring tool ids tried (the tracer prefers 0, DEBUGGER_ID)
MONITORING_TOOL_NAME = 'coroutine-lens-creations'
_HOLD_PAYS_AFTER = 8  # records from a held frame that pay for holding it (two set_local_events)
_FRUITLESS_HOLDS = 4  # a function whose frames were held this many times in vain is never held again
_UNWIND_OFF_SWITCHES = 16  # times PY_UNWIND is switched off when nothing is held; then it stays on


class TaskCreations:
    """id(task) -> the record of its creation. Kept by id with id(coro) as a check, no weak
    reference (that would cost a callback per task): records of tasks that are gone are dropped
    when the table outgrows twice the live tasks, and a new task at a reused address overwrites its
    record when it is created."""

    def __init__(self, live_ids):
        self._entries = {}
        self._codes = {}  # id(code) -> code, for every code a record names
        self._lines = {}  # id(code) << 32 | lasti -> line
        self._outer = {}  # id(run_forever frame) -> the user frames below it, packed (see _suffixes)
        # Module names (a frame's function's __module__) sorted by whether their file is library
        # code; sets, so that the per-task skip is one `in` per frame, not a method call.
        self._library_modules = set()
        self._user_modules = set()
        self._live_ids = live_ids
        self._limit = _PRUNE_FLOOR
        self._tool = None  # the sys.monitoring tool id that watches create_task return (3.12+)
        self._watched = None
        # [frame, its lasti, record bits, the same without the lasti, hits, code, its depth below the
        # callback when it was held] (3.12+)
        self._held = None
        self._unwind_on = False  # whether the PY_UNWIND callback is on (only while a frame is held)
        self._unwind_offs = 0  # times it was switched off
        # Holding and letting go change the events of a code object that frames of other program
        # threads may run too: one thread at a time, or a late "off" could undo another's "on".
        self._hold_lock = _thread.allocate_lock()
        self._last_walked = None  # id of the first frame of the last record that was walked
        self._fruitless = {}  # id(code) -> how many times holding one of its frames did not pay
        # Why tasks created now get no record (create_task is asyncio's own), or None.
        self.off_reason = None
        self._fork_handler_set = False
        self._wrapper = None  # (the create_task wrapper patch installed, its switch) while it records

    def loop_stopped(self):
        """A run_forever frame is about to end: its id may be reused by the next one."""
        self._outer.clear()

    def patch(self, base_events_module, report_error):
        loop_class = base_events_module.BaseEventLoop
        original = loop_class.create_task
        if self._tool is not None or self._wrapper is not None:
            return
        events_module = sys.modules[base_events_module.__name__.rpartition('.')[0] + '.events']
        handle_run = events_module.Handle._run.__code__
        run_once = loop_class._run_once.__code__
        run_forever = loop_class.run_forever.__code__
        entries, codes, outer = self._entries, self._codes, self._outer
        getframe = sys._getframe
        module_name_at = getattr(sys, '_getframemodulename', None)
        library_modules, user_modules = self._library_modules, self._user_modules
        known = filters.library_by_filename
        is_library = filters.is_library
        table = self

        asyncio_own = _asyncio_create_task(original, run_once.co_filename)
        if asyncio_own is not None and self._watch_returns(
                asyncio_own.__code__, events_module.__name__, handle_run, run_forever, report_error):
            return
        # Whether this wrapper records: unpatch cannot take it out from under a wrapper the program
        # put on top of it since, so there it only stops it (a cell: cheaper to read than a global).
        recording = [True]

        def create_task(loop, coro, **kwargs):
            task = original(loop, coro, **kwargs)
            if not recording[0]:
                return task
            try:
                packed, shift, count = id(coro), _FIRST_FRAME_SHIFT, 0
                if module_name_at is None:
                    frame = getframe(1)
                else:  # 3.12+ with no free monitoring tool: skip asyncio's frames by module name
                    depth = 1
                    while True:
                        name = module_name_at(depth)
                        if name not in library_modules and (
                                name in user_modules or not table._module_is_library(name)):
                            break
                        depth += 1
                    frame = getframe(depth) if name is not None else None
                while frame is not None:
                    code = frame.f_code
                    if code is handle_run:
                        below = frame.f_back
                        below = below.f_back if below is not None and below.f_code is run_once else None
                        if below is not None and below.f_code is run_forever:
                            suffixes = outer.get(id(below))
                            if suffixes is None:
                                if len(outer) > _MAX_LOOP_RUNS:  # loop_stopped is the rule; this a bound
                                    outer.clear()
                                suffixes = outer[id(below)] = table._suffixes(below)
                            packed |= suffixes[count]
                            break
                    library = known.get(code.co_filename)
                    if library is None:
                        library = is_library(code.co_filename)
                    if not library:
                        codes[id(code)] = code
                        packed |= (id(code) << 32 | frame.f_lasti) << shift
                        shift += _FRAME_BITS
                        count += 1
                        if count == CREATION_STACK_DEPTH:
                            break
                    frame = frame.f_back
                entries[id(task)] = packed
                if len(entries) > table._limit:
                    table._prune()
            except Exception as error:  # a lost record costs a feature, never the program's task
                report_error(error)
            return task

        # A mark for whoever inspects the program (the tests); the agent knows its wrapper by
        # identity, since functools.wraps copies the mark onto a wrapper of the program's.
        create_task._coroutine_lens = True
        create_task.__wrapped__ = original
        create_task.__doc__ = original.__doc__
        loop_class.create_task = create_task
        self._wrapper = create_task, recording

    def _watch_returns(self, create_task_code, loop_module, handle_run, run_forever, report_error):
        """3.12+: record from a sys.monitoring PY_RETURN callback on create_task's code, through a
        tool id of our own; False where none is free. Besides what the wrapper does, it remembers
        the innermost user frame of the last creation while that frame runs (see _maybe_hold)."""
        monitoring = getattr(sys, 'monitoring', None)
        if monitoring is None:
            return False
        for tool in _MONITORING_TOOLS:
            try:
                monitoring.use_tool_id(tool, MONITORING_TOOL_NAME)
            except ValueError:  # the program, a profiler or the tracer holds it
                continue
            break
        else:
            return False
        entries, codes, outer = self._entries, self._codes, self._outer
        getframe = sys._getframe
        module_name_at = sys._getframemodulename
        library_modules, user_modules = self._library_modules, self._user_modules
        known = filters.library_by_filename
        is_library = filters.is_library
        table = self

        def release(held):
            try:
                table._release(held)
            except Exception as error:  # a callback never raises into the program
                report_error(error)

        def frame_ends(code, offset, value):  # every frame an exception leaves: the check inline
            held = table._held  # the code first: getframe makes a frame object where there was none
            if held is not None and held[5] is code and held[0] is getframe(1):
                release(held)

        def loop_run_at(depth):
            """The frames of this loop run, packed (see _suffixes), when the frame `depth` levels
            below task_created is run by _run_once (library code) of a running run_forever, else
            None. The frames from there up to create_task must be library code too (the caller
            checked them): then the record is these frames alone."""
            try:
                below = getframe(depth + 3)  # run_forever's (+1: this function's own frame)
            except ValueError:
                return None
            suffixes = outer.get(id(below))  # a live frame's id is its own: no further check
            if suffixes is None:
                if below.f_code is not run_forever:
                    return None
                if len(outer) > _MAX_LOOP_RUNS:  # loop_stopped is the rule; this a bound
                    outer.clear()
                suffixes = outer[id(below)] = table._suffixes(below)
            name = module_name_at(depth + 2)  # _run_once, unless a loop class of the program's overrides it
            if name in library_modules or (name not in user_modules and table._module_is_library(name)):
                return suffixes
            return None

        def task_created(code, offset, task):
            if code is not create_task_code:  # a held frame's function returns
                held = table._held
                if held is not None and held[0] is getframe(1):
                    release(held)
                return
            try:
                held = table._held
                held_depth = held[6] if held is not None else 0
                depth = 2  # frame 1 is create_task, 2 its caller
                # Skip asyncio's own frames by module name, without making frame objects: one call
                # and one set lookup per frame (a dict's .get and a test cost ~1.5x that).
                while True:
                    if depth == held_depth:  # where the held frame was: if it is there, it is the first user frame
                        try:
                            frame = getframe(depth)
                        except ValueError:  # another thread's stack, library code only, ends above it
                            return
                        if frame is held[0]:
                            break
                    name = module_name_at(depth)
                    if not (name in library_modules or (name not in user_modules and table._module_is_library(name))):
                        try:  # a name of None: the stack's end, or a function of no module (exec'd code)
                            frame = getframe(depth)
                        except ValueError:
                            return
                        break
                    if name == loop_module:  # maybe Handle._run: below it, this loop run's frames
                        suffixes = loop_run_at(depth)
                        if suffixes is not None:  # library code all the way down to the loop
                            entries[id(task)] = id(task.get_coro()) | suffixes[0]
                            if len(entries) > table._limit:
                                table._prune()
                            return
                    depth += 1
                if held is not None and held[0] is frame:  # the same frame, still running: same callers
                    lasti = frame.f_lasti
                    held[4] += 1
                    entries[id(task)] = id(task.get_coro()) | (
                        held[2] if lasti == held[1] else held[3] | lasti << _FIRST_FRAME_SHIFT)
                    if len(entries) > table._limit:
                        table._prune()
                    return
                # The wrapper's walk (patch), inlined again rather than shared: it runs per task, and a
                # Python call costs ~1.5k instructions (the wrapper's, see docs "Cost"), a fifth of what
                # a record costs here. This one counts depth, to reach run_forever's frame by number.
                packed, shift, count = 0, _FIRST_FRAME_SHIFT, 0
                walked, frame_depth = frame, depth
                while walked is not None:
                    code = walked.f_code
                    if code is handle_run:  # the loop runs this step: below are the frames of this loop run
                        suffixes = loop_run_at(depth)
                        if suffixes is not None:
                            packed |= suffixes[count]
                            break
                    library = known.get(code.co_filename)
                    if library is None:
                        library = is_library(code.co_filename)
                    if not library:
                        codes[id(code)] = code
                        packed |= (id(code) << 32 | walked.f_lasti) << shift
                        shift += _FRAME_BITS
                        count += 1
                        if count == CREATION_STACK_DEPTH:
                            break
                    walked = walked.f_back
                    depth += 1
                entries[id(task)] = id(task.get_coro()) | packed
                if len(entries) > table._limit:
                    table._prune()
                code = frame.f_code
                if packed and packed >> (_FIRST_FRAME_SHIFT + 32) & _LOW_64 == id(code):  # it is the first frame
                    table._maybe_hold(frame, code, packed, frame_depth)
            except Exception as error:  # a lost record costs a feature, never the program's task
                report_error(error)

        monitoring.register_callback(tool, monitoring.events.PY_RETURN, task_created)
        monitoring.register_callback(tool, monitoring.events.PY_UNWIND, frame_ends)
        monitoring.register_callback(tool, monitoring.events.PY_YIELD, frame_ends)
        monitoring.set_local_events(tool, create_task_code, monitoring.events.PY_RETURN)
        self._tool, self._watched = tool, create_task_code
        if hasattr(os, 'register_at_fork') and not self._fork_handler_set:  # recording may be turned on again
            os.register_at_fork(after_in_child=self._forget_held)
            self._fork_handler_set = True
        return True

    def _forget_held(self):
        """In a forked child only the forking thread lives on: a frame held for another thread now
        points into memory that is gone, so it is dropped without being looked at (and the lock,
        which a thread that is gone may hold, made anew)."""
        held, self._held = self._held, None
        self._hold_lock = _thread.allocate_lock()
        if held is not None:
            sys.monitoring.set_local_events(self._tool, held[5], 0)
            self._switch_unwind_off()

    def _maybe_hold(self, frame, code, packed, depth):
        """Remember `frame`, the innermost user frame of a creation, while it runs: the frames below
        a running frame cannot change, so the next creation from it costs one identity check instead
        of a walk. Only while it runs: the frame is let go when it returns, unwinds or suspends
        (events on its code), before the interpreter frees it, so no object lives longer than in the
        program alone. Tried on the second creation from what looks like the same frame (same
        address: only a hint), and given up for a function whose frames did not pay for it."""
        if self._last_walked != id(frame):
            self._last_walked = id(frame)
            return
        if id(code) in self._fruitless and self._fruitless[id(code)] >= _FRUITLESS_HOLDS:
            return
        lock = self._hold_lock
        if not lock.acquire(False):  # another thread holds or lets go right now: not this time
            return
        previous = None
        try:
            if self._tool is None:  # recording was turned off meanwhile
                return
            if self._held is not None:
                previous = self._let_go(self._held)
            self._held = [frame, packed >> _FIRST_FRAME_SHIFT & _LOW_32, packed,
                          packed & ~(_LOW_32 << _FIRST_FRAME_SHIFT), 0, code, depth]
            events = sys.monitoring.events
            sys.monitoring.set_local_events(self._tool, code, events.PY_RETURN | events.PY_YIELD)
            if not self._unwind_on:
                # A frame that ends by an exception has no local event: PY_UNWIND is global only,
                # a callback per frame an exception leaves anywhere, so it is on only while a frame
                # is held (Tornado's iostream raises and catches ~20 times per request).
                sys.monitoring.set_events(self._tool, events.PY_UNWIND)
                self._unwind_on = True
        finally:
            lock.release()
        del previous  # out of the lock: if this were its last reference, freeing it runs program code

    def _release(self, held):
        """Let the held frame go (it stops running, or another is held instead)."""
        frame = None
        with self._hold_lock:
            if self._held is held:  # else another thread let it go first
                frame = self._let_go(held)
                self._switch_unwind_off()
        del frame  # out of the lock: if this were its last reference, freeing it runs program code

    def _let_go(self, held, cut_short=False):
        """_release's work, with the hold lock taken; returns the frame for the caller to drop once
        the lock is released. `cut_short`: recording is turned off, which says nothing of whether
        holding that function's frames pays."""
        self._held = None
        frame, held[0] = held[0], None
        code = held[5]
        if held[4] < _HOLD_PAYS_AFTER and not cut_short:
            self._fruitless[id(code)] = self._fruitless.get(id(code), 0) + 1
            self._codes[id(code)] = code  # kept alive: its id in _fruitless stays its own
        if self._tool is not None:
            sys.monitoring.set_local_events(self._tool, code, 0)
        return frame

    def _switch_unwind_off(self):
        """Nothing is held: PY_UNWIND off, unless it was switched off often already. Each switch
        makes every code object be instrumented again when it next runs (it re-reads its bytecode:
        ~0.5 M instructions an on/off pair on the Tornado workload, docs "Cost"), so a program that
        keeps holding and letting go pays the callbacks instead, as if it were always on."""
        if self._unwind_on and self._unwind_offs < _UNWIND_OFF_SWITCHES:
            self._unwind_offs += 1
            self._unwind_on = False
            sys.monitoring.set_events(self._tool, 0)

    def unpatch(self, base_events_module):
        """Stop recording (turned off during the session, or the tests' cleanup): free the monitoring
        tool, or unwrap create_task. The records made so far stay."""
        tool = self._tool
        if tool is not None:
            monitoring = sys.monitoring
            monitoring.set_local_events(tool, self._watched, 0)
            for event in (monitoring.events.PY_RETURN, monitoring.events.PY_UNWIND, monitoring.events.PY_YIELD):
                monitoring.register_callback(tool, event, None)
            frame = None
            with self._hold_lock:  # a creation still in its callback on another thread holds nothing after this
                if self._held is not None:
                    frame = self._let_go(self._held, cut_short=True)
                self._tool = None
            self._unwind_on = False
            monitoring.set_events(tool, 0)
            monitoring.free_tool_id(tool)
            del frame  # out of the lock: if this were its last reference, freeing it runs program code
        if self._wrapper is not None:
            (wrapper, recording), self._wrapper = self._wrapper, None
            recording[0] = False
            loop_class = base_events_module.BaseEventLoop
            if loop_class.create_task is wrapper:  # else under the program's wrapper: it passes calls through
                loop_class.create_task = wrapper.__wrapped__

    def _module_is_library(self, name):
        """Whether the module `name` (a frame's function's __module__) is surely library code. Any
        doubt says no: that frame then gets made and its file looked at."""
        module = sys.modules.get(name) if name is not None else None
        path = getattr(module, '__file__', None)
        library = isinstance(path, str) and filters.is_library(path)
        if name is not None:
            (self._library_modules if library else self._user_modules).add(name)
        return library

    def _suffixes(self, frame):
        """The user frames from `frame` outwards, packed ready to OR into a record that already
        holds 0, 1, 2 or 3 frames (index: that count), up to CREATION_STACK_DEPTH in all."""
        packed, shift, count = 0, 0, 0
        while frame is not None and count < CREATION_STACK_DEPTH:
            code = frame.f_code
            if not filters.is_library(code.co_filename):
                self._codes[id(code)] = code
                packed |= (id(code) << 32 | frame.f_lasti) << shift
                shift += _FRAME_BITS
                count += 1
            frame = frame.f_back
        return tuple((packed & ((1 << (_FRAME_BITS * (CREATION_STACK_DEPTH - held))) - 1))
                     << (_FIRST_FRAME_SHIFT + _FRAME_BITS * held) for held in range(CREATION_STACK_DEPTH))

    def _prune(self):
        """Drop the records of tasks that are gone, unless asyncio's own count of the tasks that exist
        says most records are still of live tasks (looking each one up costs a walk over all tasks)."""
        entries = self._entries
        existing = task_count()
        if existing is None or len(entries) > 2 * existing:
            live = self._live_ids()
            for key in [k for k in entries if k not in live]:
                del entries[key]
            existing = len(entries)
        self._limit = max(_PRUNE_FLOOR, 2 * existing)

    def _frame(self, bits):
        """(code, line) of one packed frame."""
        code = self._codes[bits >> 32]
        line = self._lines.get(bits)
        if line is None:
            line = self._lines[bits] = line_at(code, bits & _LOW_32)
        return code, line

    def get(self, task):
        """((code, line), ...) innermost first, or None when the creation was not recorded."""
        packed = self._entries.get(id(task))
        if packed is None or packed & _LOW_64 != id(task.get_coro()):
            return None
        frames = packed >> _FIRST_FRAME_SHIFT
        if not frames:
            return None
        result = []
        while frames:
            result.append(self._frame(frames & _FRAME_MASK))
            frames >>= _FRAME_BITS
        return tuple(result)


def _asyncio_create_task(create_task, module_file):
    """asyncio's own BaseEventLoop.create_task, found under the wrappers the program (or a dormant
    one of ours) put over it that name what they wrap (__wrapped__, as functools.wraps sets); None
    when it is not found. Known by its code's file, `module_file` (that of the class's other
    methods): functools.wraps copies a wrapper's name and module from what it wraps, not its code.
    A wrapper's own code may be one that every function it decorates shares: its returns are no
    creations."""
    for _ in range(_MAX_WRAPPERS):
        code = getattr(create_task, '__code__', None)
        if code is not None and code.co_name == 'create_task' and code.co_filename == module_file:
            return create_task
        create_task = getattr(create_task, '__wrapped__', None)
        if create_task is None:
            return None
    return None


def task_count():
    """How many tasks exist (done or not, any loop), from asyncio's registries without walking them;
    None where that is not known."""
    registries = chains.task_registries()
    if registries is None:
        return None
    return len(registries[0]) + len(registries[1])


def line_at(code, lasti):
    """The line `code` runs at byte offset `lasti`: what frame.f_lineno would have said."""
    if hasattr(code, 'co_lines'):  # 3.10+
        for start, end, line in code.co_lines():
            if start <= lasti < end:
                return code.co_firstlineno if line is None else line
        return code.co_firstlineno
    line = code.co_firstlineno
    for offset, start_line in dis.findlinestarts(code):
        if offset > lasti:
            break
        line = start_line
    return line

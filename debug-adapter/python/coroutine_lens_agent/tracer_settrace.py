"""Tracing with sys.settrace (Python 3.9–3.11).

Even a global trace function that returns None at once doubles the run time of call-heavy asyncio
code, so none is installed while nothing can stop (no 'raised' filter, no step or pause, and no
breakpoint in a file whose code has been loaded): such a session costs nothing. Breakpoints only in
files not loaded yet wait until that file is imported (hooks.ImportWatcher) or run as the program
(the launcher says so). (An audit hook on 'exec' would see every way code gets loaded, but it runs
for every id() and frame.f_code too: it costs more than tracing.) Once something can stop, tracing
is switched on: the thread loading that file (or the main thread before the program starts),
threads started later through threading.settrace, and running event-loop threads by asking their
loop (call_soon_threadsafe). A thread running plain synchronous code since before that moment cannot
be reached from another thread on these versions: a breakpoint that comes alive only while it runs
does not reach it (see docs/architecture-agent.md).

Once on, the global trace function runs once per call and answers from a per-code-object cache:
frames of code that cannot stop get no local trace function, so their lines cost nothing. When what
can stop changes, the cache is dropped and the running frames of every traced thread get the local
trace function, so a loop that is already running still meets a new breakpoint.
"""
import dis
import sys
import threading

from . import filters
from .hooks import ImportWatcher

_YIELD_OPS = {dis.opmap[name] for name in ('YIELD_VALUE', 'YIELD_FROM') if name in dis.opmap}
_YIELD_FROM = dis.opmap.get('YIELD_FROM')


def _is_yield(frame):
    """At a 'return' event: did the frame suspend (yield/await) rather than finish?
    On 3.9/3.10 a suspended YIELD_FROM (every `await`) rewinds f_lasti by one instruction so that
    it runs again on resumption: look at the next instruction too."""
    code = frame.f_code
    if not code.co_flags & 0x3A0:  # generator, coroutine, iterable coroutine, async generator
        return False
    raw, lasti = code.co_code, frame.f_lasti
    if not 0 <= lasti < len(raw):
        return False
    return raw[lasti] in _YIELD_OPS or (lasti + 2 < len(raw) and raw[lasti + 2] == _YIELD_FROM)


def _module_files():
    """Normalized files of the modules imported so far (the main script is among them once it runs)."""
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, '__file__', None)
        if isinstance(path, str):
            files.add(filters.normalize(path))
    return files


class SettraceTracer:
    def __init__(self, debugger, report_error, loops):
        self._dbg = debugger
        self._report_error = report_error
        self._loops = loops
        # id(code) -> (code, whether its frames need the local trace function). Keyed by id: hashing
        # a code object rehashes its constants on every call event (about 2 µs).
        self._wants = {}
        self._version = None
        self._installed = False
        self._active = False  # a trace function is set (only once something can stop)
        self._imports = ImportWatcher(self.file_loading, report_error)

    def install(self):
        self._installed = True
        self.refresh()

    def _activate(self):
        """Something can stop now: trace new threads, and ask running loops' threads to trace."""
        self._active = True
        self._imports.watch(())
        threading.settrace(self._global)
        for loop, _ in self._loops.running():
            try:
                loop.call_soon_threadsafe(self.trace_current_thread)
            except RuntimeError:  # closed meanwhile
                pass

    def prepare_dormant(self):
        """A program started with --listen: an adapter may attach while plain synchronous code runs
        in the main thread, which only the main thread itself can put under tracing. So it gets the
        global trace function now; until a session configures breakpoints the function returns at
        once (the price: one call per function call on these versions, attach mode only)."""
        self._active = True
        threading.settrace(self._global)
        sys.settrace(self._global)

    def trace_current_thread(self):
        """sys.settrace only reaches the calling thread, so each program thread calls this itself."""
        if self._installed and self._active:
            frame = sys._getframe(1)
            while frame is not None:  # frames already running meet new breakpoints too
                if not filters.is_agent(frame.f_code.co_filename):
                    frame.f_trace = self._local
                frame = frame.f_back
            # Last: what the agent calls before (os.path.realpath in is_agent) must not be traced, or
            # a pause stops in it.
            sys.settrace(self._global)

    def uninstall(self):
        self._installed = self._active = False
        self._imports.watch(())
        threading.settrace(None)
        sys.settrace(None)

    def refresh(self):
        self._wants = {}
        if not self._installed:
            return
        if not self._active:
            if not self._can_stop_now():
                return
            self._activate()
        agent = self._dbg.threads.agent_idents
        for ident, frame in sys._current_frames().items():
            if ident in agent:
                continue
            while frame is not None:
                if frame.f_trace is None and not filters.is_agent(frame.f_code.co_filename):
                    frame.f_trace = self._local
                frame = frame.f_back

    def _can_stop_now(self):
        """Whether anything can stop already; breakpoints count once their file has been loaded, and
        until then the import watcher looks out for it."""
        dbg = self._dbg
        if dbg.busy or 'raised' in dbg.exception_filters:
            return True
        paths = dbg.breakpoints.lines_by_path
        if not paths.keys().isdisjoint(_module_files()):
            return True
        self._imports.watch(paths if paths else ())
        return False

    def file_loading(self, path):
        """The calling thread is about to run the module code of `path` (an import, the program)."""
        try:
            if self._installed and not self._active and filters.normalize(path) in self._dbg.breakpoints.lines_by_path:
                self._activate()
                sys.settrace(self._global)
        except Exception as error:  # never into the program
            self._report_error(error)

    def _decide(self, code):
        dbg = self._dbg
        filename = code.co_filename
        if filters.is_agent(filename):
            return False
        if dbg.breakpoints.for_filename(filename) is not None:
            return True
        return 'raised' in dbg.exception_filters and not (dbg.just_my_code and filters.is_library(filename))

    def _global(self, frame, event, arg):
        dbg = self._dbg
        if not self._installed:
            return None
        if dbg.busy:
            return None if filters.is_agent(frame.f_code.co_filename) else self._local
        if self._version != dbg.breakpoints.version:
            self._wants, self._version = {}, dbg.breakpoints.version
        code = frame.f_code
        entry = self._wants.get(id(code))
        if entry is None or entry[0] is not code:
            entry = self._wants[id(code)] = (code, self._decide(code))
        return self._local if entry[1] else None

    def _local(self, frame, event, arg):
        if not self._installed:
            return None
        dbg = self._dbg
        try:
            if event == 'line':
                dbg.on_line(frame)
            elif event == 'return':
                if dbg.step is not None:
                    dbg.on_leave(frame, _is_yield(frame))
            elif event == 'exception':
                dbg.on_exception(frame, arg[1])
        except Exception as error:  # never into the program
            self._report_error(error)
        return self._local

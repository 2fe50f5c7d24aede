"""Tracing with sys.monitoring (Python 3.12+).

Global LINE events are on only while every line may stop (a step, a pause, a stop). The callback
returns DISABLE for each line that cannot stop, but that is not enough to make LINE events free:
CPython instruments every instruction that can follow one of another line, and an instruction
reached again from its own line (a loop within one line, the resumption after an `await`) checks
the line table each time without ever calling back, so it is never disabled. Measured on 3.12/3.13:
~2.5-3.5k machine instructions per asyncio task (about 4 % of a small task) and a few ms at import.

So with nothing to stop nothing is subscribed at all, and with breakpoints only PY_START and
PY_RESUME are subscribed globally: their callback turns LINE events on locally
(`set_local_events`) for the code objects of files with breakpoints and returns DISABLE, so any
other code costs one callback per code object and resumption point for the whole run. Code already
running when breakpoints change (a loop in a thread) is found on the threads' stacks. Any change of
what can stop calls restart_events(), which re-arms what DISABLE removed.
Return/yield/unwind events are subscribed only while a step is pending; RAISE only when the
'raised' exception filter is on.
"""
import sys

from . import filters

mon = sys.monitoring
E = mon.events
TOOL_NAME = 'coroutine-lens'


class MonitoringTracer:
    def __init__(self, debugger, report_error, loops):
        self._dbg = debugger
        self._report_error = report_error
        self._tool = None
        self._tables = {}  # co_filename -> {line: Breakpoint} or None, for the current breakpoint version
        self._version = None
        self._marked = {}  # id(code) -> code with local LINE events, for the breakpoint version _marked_version
        self._marked_version = None

    def install(self):
        for tool in (mon.DEBUGGER_ID, 1, 3, 4):
            try:
                mon.use_tool_id(tool, TOOL_NAME)
            except ValueError:  # another debugger or profiler holds it
                continue
            self._tool = tool
            break
        if self._tool is None:
            raise RuntimeError('no free sys.monitoring tool id')
        tool = self._tool
        mon.register_callback(tool, E.LINE, self._line)
        mon.register_callback(tool, E.PY_START, self._code_starts)
        mon.register_callback(tool, E.PY_RESUME, self._code_starts)
        mon.register_callback(tool, E.PY_RETURN, self._return)
        mon.register_callback(tool, E.PY_UNWIND, self._return)
        mon.register_callback(tool, E.PY_YIELD, self._yield)
        mon.register_callback(tool, E.RAISE, self._raise)
        self.refresh()

    def trace_current_thread(self):
        """sys.monitoring covers every thread at once."""

    def file_loading(self, path):
        """Nothing to do: code of files loaded later is found when it first runs (PY_START)."""

    def prepare_dormant(self):
        """Nothing to prepare: sys.monitoring reaches running threads whenever it is installed."""

    def uninstall(self):
        if self._tool is None:
            return
        tool, self._tool = self._tool, None
        self._unmark_all(tool)
        mon.set_events(tool, 0)
        for event in (E.LINE, E.PY_START, E.PY_RESUME, E.PY_RETURN, E.PY_UNWIND, E.PY_YIELD, E.RAISE):
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)

    def refresh(self):
        """What can stop has changed: choose the events and re-arm everything DISABLE removed."""
        tool = self._tool
        if tool is None:
            return
        dbg = self._dbg
        events = 0
        if dbg.busy:  # stepping, pausing or stopped: any line may stop
            events |= E.LINE
        if dbg.breakpoints.lines_by_path:
            events |= E.PY_START | E.PY_RESUME
        if dbg.step is not None:
            events |= E.PY_RETURN | E.PY_UNWIND | E.PY_YIELD
        if 'raised' in dbg.exception_filters:
            events |= E.RAISE
        if self._marked_version != dbg.breakpoints.version:
            self._unmark_all(tool)
            self._marked_version = dbg.breakpoints.version
            if dbg.breakpoints.lines_by_path:
                self._mark_running_code()
        mon.set_events(tool, events)
        mon.restart_events()

    def _mark(self, code):
        if id(code) not in self._marked:
            self._marked[id(code)] = code
            mon.set_local_events(self._tool, code, E.LINE)

    def _unmark_all(self, tool):
        marked, self._marked = self._marked, {}  # program threads may mark code meanwhile
        for code in marked.values():
            mon.set_local_events(tool, code, 0)

    def _mark_running_code(self):
        """Frames that started before these breakpoints and keep running (a thread's endless loop)
        will not start again: give their code LINE events now."""
        for frame in sys._current_frames().values():
            while frame is not None:
                if self._table(frame.f_code.co_filename) is not None:
                    self._mark(frame.f_code)
                frame = frame.f_back

    def _table(self, filename):
        dbg = self._dbg
        if self._version != dbg.breakpoints.version:
            self._tables, self._version = {}, dbg.breakpoints.version
        try:
            return self._tables[filename]
        except KeyError:
            table = self._tables[filename] = dbg.breakpoints.for_filename(filename)
            return table

    def _code_starts(self, code, offset):
        try:
            if self._table(code.co_filename) is not None:
                self._mark(code)
        except Exception as error:  # never into the program
            self._report_error(error)
        return mon.DISABLE

    def _line(self, code, line):
        dbg = self._dbg
        if not dbg.busy:
            table = self._table(code.co_filename)
            if table is None or line not in table:
                return mon.DISABLE
        elif filters.is_agent(code.co_filename):
            return mon.DISABLE
        try:
            dbg.on_line(sys._getframe(1))
        except Exception as error:  # never into the program
            self._report_error(error)
        return None

    def _return(self, code, offset, value):
        if self._dbg.step is not None:
            try:
                self._dbg.on_leave(sys._getframe(1), False)
            except Exception as error:
                self._report_error(error)

    def _yield(self, code, offset, value):
        if self._dbg.step is not None:
            try:
                self._dbg.on_leave(sys._getframe(1), True)
            except Exception as error:
                self._report_error(error)

    def _raise(self, code, offset, exc):
        if filters.is_agent(code.co_filename):
            return
        try:
            self._dbg.on_exception(sys._getframe(1), exc)
        except Exception as error:
            self._report_error(error)

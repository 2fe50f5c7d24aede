"""Tracing with sys.monitoring (Python 3.12+).

LINE events are on globally, and the callback returns DISABLE for every line that cannot stop
(no breakpoint there, nothing stepping or pausing): CPython then removes the instrumentation of
that line, so a line costs one callback in the whole run, not one per execution. Any change to
what can stop (breakpoints, a step, a pause) calls restart_events() to re-arm every line.
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
        mon.register_callback(tool, E.PY_RETURN, self._return)
        mon.register_callback(tool, E.PY_UNWIND, self._return)
        mon.register_callback(tool, E.PY_YIELD, self._yield)
        mon.register_callback(tool, E.RAISE, self._raise)
        self.refresh()

    def trace_current_thread(self):
        """sys.monitoring covers every thread at once."""

    def file_loading(self, path):
        """Nothing to do: lines of files loaded later are instrumented when they first run."""

    def prepare_dormant(self):
        """Nothing to prepare: sys.monitoring reaches running threads whenever it is installed."""

    def uninstall(self):
        if self._tool is None:
            return
        tool, self._tool = self._tool, None
        mon.set_events(tool, 0)
        for event in (E.LINE, E.PY_RETURN, E.PY_UNWIND, E.PY_YIELD, E.RAISE):
            mon.register_callback(tool, event, None)
        mon.free_tool_id(tool)

    def refresh(self):
        """What can stop has changed: choose the events and re-arm every disabled line."""
        tool = self._tool
        if tool is None:
            return
        dbg = self._dbg
        events = E.LINE
        if dbg.step is not None:
            events |= E.PY_RETURN | E.PY_UNWIND | E.PY_YIELD
        if 'raised' in dbg.exception_filters:
            events |= E.RAISE
        mon.set_events(tool, events)
        mon.restart_events()

    def _table(self, filename):
        dbg = self._dbg
        if self._version != dbg.breakpoints.version:
            self._tables, self._version = {}, dbg.breakpoints.version
        try:
            return self._tables[filename]
        except KeyError:
            table = self._tables[filename] = dbg.breakpoints.for_filename(filename)
            return table

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

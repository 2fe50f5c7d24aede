"""The stop machinery shared by both tracers: breakpoints, exceptions, pause, stepping, and what a
paused thread looks like. The tracers (tracer_monitoring / tracer_settrace) only decide cheaply when
to call in here; everything that can stop the program is decided here.

Locking: `_cond` guards the stopped/suspended/step state. Tracer hot paths read `busy` without the
lock: a stale read costs one extra slow-path call, never a missed stop that matters.
"""
import _thread
import sys
import threading
import traceback

from . import filters, tasks
from .breakpoints import BreakpointTable
from .variables import Variables

CO_COROUTINE, CO_GENERATOR, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR = 0x80, 0x20, 0x100, 0x200
_SUSPENDABLE = CO_COROUTINE | CO_GENERATOR | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR
MACHINERY_EXCEPTIONS = ('CancelledError', 'StopIteration', 'StopAsyncIteration', 'GeneratorExit')
PAUSE_GRACE_S = 0.25
MAX_EXCEPTION_TEXT = 10000  # characters of an exception's text in a stop and in exceptionInfo


def is_machinery_exception(exc):
    return type(exc).__name__ in MACHINERY_EXCEPTIONS or isinstance(exc, (StopIteration, StopAsyncIteration,
                                                                         GeneratorExit, SystemExit))


def user_stack(frame, line=None):
    """[(frame, line)] innermost first from `frame`, without the agent's frames and the launcher
    frames (agent, runpy) below the program's own module frame."""
    stack = []
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filters.is_agent(filename):
            stack.append((frame, line if line is not None and not stack else frame.f_lineno))
        frame = frame.f_back
    while stack and stack[-1][0].f_code.co_filename.endswith(('runpy.py', '<frozen runpy>')):
        stack.pop()
    return stack


def traceback_stack(tb):
    """[(frame, line)] innermost first from a traceback, without agent frames."""
    entries = []
    while tb is not None:
        if not filters.is_agent(tb.tb_frame.f_code.co_filename):
            entries.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    entries.reverse()
    return entries


class StopInfo:
    __slots__ = ('ident', 'frame', 'reason', 'exception', 'stack')

    def __init__(self, ident, frame, reason, exception=None, stack=None):
        self.ident, self.frame, self.reason, self.exception = ident, frame, reason, exception
        self.stack = stack if stack is not None else user_stack(frame)


class Step:
    """A pending step. `frame` is where the step stops next (the same coroutine for step over, even
    after other tasks ran); `anywhere` means any user line of `ident`; `targets` are awaiter frames."""

    def __init__(self, kind, ident, frame):
        self.kind, self.ident, self.frame = kind, ident, frame
        self.reason = 'step'
        self.anywhere = kind == 'in'
        self.targets = ()

    def matches(self, frame, ident, just_my_code):
        if frame is self.frame and self.kind != 'out':
            return True
        if self.targets and any(frame is target for target in self.targets):
            return True
        if self.anywhere and ident == self.ident:
            return not just_my_code or not filters.is_library(frame.f_code.co_filename)
        return False


class Debugger:
    def __init__(self, send_event, threads, loops):
        self.send_event = send_event
        self.threads = threads
        self.loops = loops
        self.breakpoints = BreakpointTable()
        self.variables = Variables()
        self.exception_filters = frozenset()
        self.just_my_code = True
        self.tracer = None
        self.enabled = True
        self.busy = False  # True while stepping, pausing or suspended: tracers take the slow path
        self.step = None
        self.suspended = False
        self.pause_requested = False
        self.stopped = {}  # ident -> StopInfo of threads parked in the tracer
        self._last_raised = None
        # Program threads running the debugger's own code (parked in _stop, reporting an uncaught
        # error): the library code that code calls (threading, socket) must not stop them again.
        self._inside = set()
        self._cond = threading.Condition(threading.Lock())

    # --- called by the tracers -----------------------------------------------------------------

    def on_line(self, frame):
        ident = _thread.get_ident()
        if ident in self.threads.agent_idents or ident in self._inside or not self.enabled:
            return
        if self.busy:
            if self.suspended or self.pause_requested:
                self._stop(ident, frame, 'pause')
                return
            step = self.step
            if step is not None and step.matches(frame, ident, self.just_my_code):
                self._stop(ident, frame, step.reason)
                return
        table = self.breakpoints.for_filename(frame.f_code.co_filename)
        breakpoint = table.get(frame.f_lineno) if table else None
        if breakpoint is None:
            return
        action, text = breakpoint.decide(frame)
        if action == 'stop':
            self._stop(ident, frame, 'breakpoint', hit_line=breakpoint.line)
        elif action == 'log':
            self.send_event('output', {'category': 'console', 'output': text,
                                       'path': frame.f_code.co_filename, 'line': frame.f_lineno})
        elif action == 'error':
            self._stop(ident, frame, 'breakpoint', hit_line=breakpoint.line, text=text)

    def on_leave(self, frame, is_yield):
        """A traced frame returned (or, for generators and coroutines, suspended)."""
        step = self.step
        if step is None or frame is not step.frame or _thread.get_ident() in self._inside:
            return
        if is_yield:
            if step.kind == 'in':  # stepping in through an await that suspends: stay in this coroutine
                step.kind, step.anywhere = 'over', False
            return
        parent = frame.f_back
        if frame.f_code.co_flags & _SUSPENDABLE and (parent is None or filters.is_library(parent.f_code.co_filename)):
            # A coroutine that a task (or the loop) drove has finished: land in whoever awaits it.
            step.frame, step.targets = None, tuple(tasks.awaiter_frames())
            step.anywhere = not step.targets
        elif parent is not None and not (self.just_my_code and filters.is_library(parent.f_code.co_filename)):
            step.frame, step.kind, step.anywhere = parent, 'over', False
        else:
            step.frame, step.anywhere = None, True
        if self.tracer is not None:
            self.tracer.refresh()

    def on_exception(self, frame, exc):
        if 'raised' not in self.exception_filters or is_machinery_exception(exc):
            return
        if exc is self._last_raised:  # both tracers report it again in every frame it unwinds through
            return
        ident = _thread.get_ident()
        if ident in self.threads.agent_idents or ident in self._inside or not self.enabled:
            return
        if self.just_my_code and filters.is_library(frame.f_code.co_filename):
            return  # not remembered: one raised in library code stops where it reaches user code
        self._last_raised = exc
        self._stop(ident, frame, 'exception', exception=exc)

    def on_uncaught(self, exc):
        """The program (main thread or a thread) is about to die of `exc`: stop where it was raised."""
        if 'uncaught' not in self.exception_filters or isinstance(exc, SystemExit) or not self.enabled:
            return
        stack = traceback_stack(exc.__traceback__)
        if not stack:
            return
        self._stop(_thread.get_ident(), stack[0][0], 'exception', exception=exc, stack=stack, uncaught=True)

    # --- stopping ------------------------------------------------------------------------------

    def _stop(self, ident, frame, reason, hit_line=None, exception=None, text=None, stack=None, uncaught=False):
        self._inside.add(ident)
        try:
            if exception is not None:  # here, inside: an exception's __str__ is the program's code
                text = _describe(exception)
            self._park(ident, frame, reason, hit_line, exception, text, stack, uncaught)
        finally:
            self._inside.discard(ident)

    def _park(self, ident, frame, reason, hit_line, exception, text, stack, uncaught):
        with self._cond:
            if not self.enabled:
                return
            first = not self.suspended
            self.suspended = self.busy = True
            self.pause_requested = False
            self.step = None
            self.stopped[ident] = StopInfo(ident, frame, reason, (exception, uncaught) if exception else None, stack)
            if first:
                body = {'reason': reason, 'threadId': self.threads.id_of(ident)}
                if hit_line is not None:
                    body['hitBreakpointLine'] = hit_line
                if text:
                    body['text'] = text
                    body['description'] = text if reason == 'exception' else 'Paused on %s' % reason
                self.send_event('stopped', body)
                self._cond.notify_all()  # a pause() waiting for this stop
        if first and self.tracer is not None:
            self.tracer.refresh()  # let the other threads park at their next line
        with self._cond:
            while ident in self.stopped and self.enabled:
                self._cond.wait()

    def step_for(self, kind, thread_id):
        ident = self.threads.ident_of(thread_id)
        info = self.stopped.get(ident)
        if info is None:
            raise LookupError('thread %s is not stopped in Python code' % thread_id)
        return Step(kind, ident, info.frame)

    def resume(self):
        self.resume_with(None)

    def resume_with(self, step):
        with self._cond:
            self.step = step
            self.stopped.clear()
            self.suspended = self.pause_requested = False
            self.busy = step is not None
            self.variables.clear()
            self._cond.notify_all()
        if self.tracer is not None:
            self.tracer.refresh()

    def pause(self):
        with self._cond:
            if self.suspended:
                return
            self.pause_requested = self.busy = True
        if self.tracer is not None:
            self.tracer.refresh()
        self.loops.wake_all()
        with self._cond:
            # _park notifies when the first thread stops: the answer (and any request after it)
            # need not wait for a polling interval.
            self._cond.wait_for(lambda: self.suspended or not self.pause_requested, PAUSE_GRACE_S)
            # Every thread is blocked outside Python (select, sleep, I/O): declare the pause ourselves;
            # each thread parks at its next line when it wakes up.
            if self.suspended or not self.pause_requested:
                return
            self.suspended = True
            self.pause_requested = False
            self.send_event('stopped', {'reason': 'pause', 'threadId': 1})

    def detach(self):
        """Forget every breakpoint and step and let all threads run (the adapter went away)."""
        self.breakpoints.clear()
        self.exception_filters = frozenset()
        self.resume()

    def reset_after_fork(self):
        """In a forked child: no adapter, and the lock may have been held by a thread that is gone."""
        self._cond = threading.Condition(threading.Lock())
        self.stopped.clear()
        self.enabled = self.busy = self.suspended = self.pause_requested = False
        self.step = None

    def shutdown(self):
        with self._cond:
            self.enabled = False
            self.stopped.clear()
            self._cond.notify_all()

    # --- inspecting a stopped program ---------------------------------------------------------------

    def stack_of(self, ident):
        info = self.stopped.get(ident)
        if info is not None:
            return info.stack
        frame = sys._current_frames().get(ident)
        if frame is None:
            raise LookupError('no such thread')
        return user_stack(frame)

    def exception_info(self, ident):
        info = self.stopped.get(ident)
        if info is None or info.exception is None:
            raise LookupError('thread is not stopped on an exception')
        exc, uncaught = info.exception
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        return {'exceptionId': type(exc).__qualname__, 'description': _describe(exc),
                'breakMode': 'unhandled' if uncaught else 'always',
                'stackTrace': ''.join(_bounded(line) for line in lines if not _is_agent_traceback_line(line))}


def _describe(exc):
    try:
        text = str(exc)
    except BaseException:  # the program's __str__ may raise anything; Python prints this then
        text = '<exception str() failed>'
    return _bounded('%s: %s' % (type(exc).__qualname__, text) if text else type(exc).__qualname__)


def _bounded(text):
    return text if len(text) <= MAX_EXCEPTION_TEXT else text[:MAX_EXCEPTION_TEXT - 3] + '...'



def _is_agent_traceback_line(line):
    return line.lstrip().startswith('File "%s' % filters.AGENT_DIR)

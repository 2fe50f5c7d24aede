"""The blocked-loop watchdog: a thread pings each running loop with call_soon_threadsafe; a loop
that does not run the ping within the threshold is blocked, and the stack of its thread at that
moment names the blocking line. Reported once when seen (finished=False) and once when the loop
runs again (finished=True, total duration). Silent while the debugger holds the program paused."""
import sys
import threading
import time

from .agent_thread import AgentThread
from .debugger import user_stack


def _source_frames(frame):
    return [{'name': f.f_code.co_name, 'path': f.f_code.co_filename, 'line': line}
            for f, line in user_stack(frame)]


class Watchdog(AgentThread):
    def __init__(self, loops, threads, debugger, send_event, report_error, start_thread):
        super().__init__(start_thread)
        self._loops = loops
        self._threads = threads
        self._debugger = debugger
        self._send_event = send_event
        self._report_error = report_error
        self._threshold_s = 0.0

    def start(self, threshold_ms):
        self._threshold_s = max(0.0, float(threshold_ms)) / 1000.0
        if self._threshold_s > 0:
            self._start()

    def _paused(self):
        return self._debugger.suspended

    def _run(self):
        while self._running:
            threshold = self._threshold_s
            if self._wake.wait(max(threshold / 2, 0.02)):
                break
            if self._paused():
                continue
            pings = []
            for loop, ident in self._loops.running():
                serviced = threading.Event()
                try:
                    loop.call_soon_threadsafe(serviced.set)
                except RuntimeError:  # closed meanwhile
                    continue
                pings.append((loop, ident, serviced, time.monotonic()))
            for loop, ident, serviced, sent in pings:
                remaining = sent + threshold - time.monotonic()
                if serviced.wait(max(remaining, 0)) or not self._running or self._paused():
                    continue
                self._report_blocked(ident, serviced, sent)

    def _report_blocked(self, ident, serviced, sent):
        frame = sys._current_frames().get(ident)
        frames = _source_frames(frame) if frame is not None else []
        thread_id = self._threads.id_of(ident)
        self._send_event('blockedLoop', {'threadId': thread_id, 'finished': False, 'frames': frames,
                                         'durationMs': round((time.monotonic() - sent) * 1000)})
        while not serviced.wait(0.05):
            if not self._running:
                return
            if self._paused():  # the blocking code stopped at a breakpoint: the debugger owns it now
                break
        self._send_event('blockedLoop', {'threadId': thread_id, 'finished': True, 'frames': frames,
                                         'durationMs': round((time.monotonic() - sent) * 1000)})

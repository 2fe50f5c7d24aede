"""Announces coroutineTreeChanged when the set of tasks of a running loop changes: sampled from an
agent thread at most once a second, never while the program is paused, so a live Coroutines view
refreshes when there is something new rather than on every tick. Reads only; the program is never
touched.

A sample walks every task while holding the program's GIL (about half a millisecond per 1,000
tasks): the wait before a sample grows with what it is expected to cost (asyncio's count of the
tasks that exist, times the last cost per task), so sampling takes at most about 1/COST_SHARE of
the program's time, up to MAX_INTERVAL_S between samples. Expected, not only measured: a first
sample of 100,000 tasks one second into a short program would be 3-4 % of its time."""
import sys
import time

from .agent_thread import AgentThread
from .creations import task_count

INTERVAL_S = 1.0
COST_SHARE = 100
MAX_INTERVAL_S = 10.0
FIRST_COST_PER_TASK_S = 0.5e-6  # until a sample was measured


class TreeChangeWatcher(AgentThread):
    def __init__(self, loops, debugger, send_event, report_error, start_thread):
        super().__init__(start_thread)
        self._loops = loops
        self._debugger = debugger
        self._send_event = send_event
        self._report_error = report_error
        self._last = ()

    def start(self):
        self._start()

    def _signature(self):
        """Per running loop: how many unfinished tasks, and which (the sum of their ids)."""
        asyncio = sys.modules.get('asyncio')  # never imported by the agent itself
        if asyncio is None:
            return ()
        signature = []
        for loop, _ident in self._loops.running():
            tasks = asyncio.all_tasks(loop)
            signature.append((id(loop), len(tasks), sum(map(id, tasks))))
        return tuple(signature)

    def _run(self):
        wake = self._wake
        interval, per_task, last = INTERVAL_S, FIRST_COST_PER_TASK_S, time.monotonic()
        while self._running and not wake.wait(interval):
            if self._debugger.suspended:
                interval = INTERVAL_S  # not the rest of a wait cut short: this may last long
                continue
            count = task_count() or 0
            due = min(MAX_INTERVAL_S, max(INTERVAL_S, count * per_task * COST_SHARE))
            waited = time.monotonic() - last
            if waited < due:  # a sample of this many tasks costs more than its share of the wait so far
                interval = due - waited
                continue
            started = time.perf_counter()
            try:
                signature = self._signature()
            except Exception as error:  # a loop closing under us: report once, stop watching
                self._report_error(error)
                return
            cost = time.perf_counter() - started
            if count:
                per_task = cost / count
            last = time.monotonic()
            interval = min(MAX_INTERVAL_S, max(INTERVAL_S, cost * COST_SHARE))
            if signature != self._last:
                self._last = signature
                self._send_event('coroutineTreeChanged', {})

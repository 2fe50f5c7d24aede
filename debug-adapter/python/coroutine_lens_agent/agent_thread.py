"""The life of a background agent thread that can be started, stopped and forgotten in a forked
child: shared by the watchdog and the tree-change watcher."""
import threading


class AgentThread:
    def __init__(self, start_thread):
        self._start_thread = start_thread
        self._running = False
        self._wake = threading.Event()
        #: Set when the running thread's work has ended; None before the first start.
        self.ended = None

    def _start(self):
        if not self._running:
            self._running = True
            self._wake = threading.Event()
            self.ended = self._start_thread(self._run)

    def stop(self):
        self._running = False
        self._wake.set()

    def reset_after_fork(self):
        """Only the forking thread survives a fork: the child starts with no agent thread running."""
        self._running = False
        self._wake = threading.Event()
        self.ended = None

    def _run(self):
        raise NotImplementedError

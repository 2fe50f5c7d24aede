"""Small, stable thread ids for the adapter, and which threads are the agent's own."""
import itertools
import sys
import threading


class ThreadRegistry:
    """Maps `threading.get_ident()` values to small ids (the main thread is 1); hides agent threads."""

    def __init__(self):
        self._ids = {}
        self._idents = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.agent_idents = set()
        self.id_of(threading.main_thread().ident)

    def id_of(self, ident):
        thread_id = self._ids.get(ident)
        if thread_id is None:
            with self._lock:
                thread_id = self._ids.get(ident)
                if thread_id is None:
                    thread_id = self._ids[ident] = next(self._counter)
                    self._idents[thread_id] = ident
        return thread_id

    def ident_of(self, thread_id):
        return self._idents.get(thread_id)

    def user_threads(self):
        """[(thread id, ident, name)] of live threads that are not the agent's, main thread first."""
        names = {t.ident: t.name for t in threading.enumerate()}
        result = []
        for ident in sys._current_frames():
            if ident in self.agent_idents:
                continue
            result.append((self.id_of(ident), ident, names.get(ident, 'Thread-%d' % ident)))
        result.sort()
        return result

    def name_of(self, ident):
        for thread in threading.enumerate():
            if thread.ident == ident:
                return thread.name
        return 'Thread-%d' % ident

    def reset_after_fork(self):
        """In a forked child only the forking thread survives; it keeps its id."""
        self.agent_idents.clear()

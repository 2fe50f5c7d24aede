"""Small, stable thread ids for the adapter, and which threads are the agent's own."""
import _thread
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
        self._ended = set()  # idents of threads that reported their end (the OS may reuse them)
        self.id_of(threading.main_thread().ident)

    def report_lifecycle(self, send_event, report_error):
        """`thread` started / exited events for every threading.Thread, from a wrapper around
        Thread._bootstrap_inner: the first and last thing each new thread runs. A thread that starts
        on an ident the OS reused gets a new id."""
        thread_class = threading.Thread
        original = thread_class._bootstrap_inner
        if getattr(original, '_coroutine_lens', False):
            return
        registry = self

        def _bootstrap_inner(thread):
            ident = _thread.get_ident()
            try:
                send_event('thread', {'reason': 'started', 'threadId': registry._started(ident)})
            except Exception as error:
                report_error(error)
            try:
                original(thread)
            finally:
                try:
                    registry._ended.add(ident)
                    send_event('thread', {'reason': 'exited', 'threadId': registry.id_of(ident)})
                except Exception as error:
                    report_error(error)

        _bootstrap_inner._coroutine_lens = True
        _bootstrap_inner.__wrapped__ = original
        thread_class._bootstrap_inner = _bootstrap_inner

    def _started(self, ident):
        with self._lock:
            self._ended.discard(ident)
            self._idents.pop(self._ids.get(ident), None)
            thread_id = self._ids[ident] = next(self._counter)
            self._idents[thread_id] = ident
        return thread_id

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
            if ident in self.agent_idents or ident in self._ended:
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

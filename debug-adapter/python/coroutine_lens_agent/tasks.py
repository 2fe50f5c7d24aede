"""Single tasks: lookup by id, cancel, creation stack, the awaiters a step out lands in, and
suspended tasks offered as pseudo-threads while the program is paused."""
from . import filters
from .chains import all_tasks, asyncio_module, coroutine_chain, is_runner, node_id


def live_tasks(loops):
    asyncio = asyncio_module()
    if asyncio is None:
        return []
    return [(loop, task) for loop, _ in loops.running() for task in all_tasks(asyncio, loop)]


def find(loops, runners, wanted):
    for loop, task in live_tasks(loops):
        if 't%x' % id(task) == wanted:
            return loop, task
    for runner in runners.live():
        if 'g%x' % id(runner) == wanted:
            return None, runner
    raise LookupError('no live task %s' % wanted)


def cancel(loops, runners, wanted):
    loop, task = find(loops, runners, wanted)
    if loop is None:
        raise ValueError('a @gen.coroutine cannot be cancelled; cancel the task that awaits it')
    if task.done():
        return False
    loop.call_soon_threadsafe(task.cancel)
    return True


def creation_stack(loops, runners, wanted):
    _, obj = find(loops, runners, wanted)
    frames = (runners if is_runner(obj) else loops).creation_stack(obj)
    if frames is None:  # a @gen.coroutine's creation is recorded even with task creation stacks off
        off_reason = loops.creation_stacks.off_reason
        raise LookupError('the creation of %s was not recorded (%s)' % (wanted, off_reason or (
            'it was created before the agent came or while task creation stacks were off, or by a '
            'task factory set later')))
    return frames


def awaiter_frames():
    """For a step out of a task's root coroutine: the innermost user frame of each task that awaits
    the task running on this thread (directly or through a gather)."""
    asyncio = asyncio_module()
    if asyncio is None:
        return []
    try:
        current = asyncio.current_task()
    except RuntimeError:  # no running loop in this thread
        return []
    if current is None:
        return []
    result = []
    for task in asyncio.all_tasks(current.get_loop()):
        waiter = task._fut_waiter
        if waiter is current or current in (getattr(waiter, '_children', None) or ()):
            user = [f for f in coroutine_chain(task.get_coro()) if not filters.is_library(f.f_code.co_filename)]
            if user:
                result.append(user[-1])
    return result


def details(obj, awaiting):
    """What a pseudo-thread says of its task or runner, for the adapter to name it."""
    runner = is_runner(obj)
    task = {'name': getattr(obj.gen, '__qualname__', 'gen.coroutine') if runner else obj.get_name(),
            'kind': 'gen-coroutine' if runner else 'task', 'state': 'suspended'}
    if awaiting is not None:
        task['awaiting'] = awaiting
    return task


class PseudoThreads:
    """Suspended tasks (and Tornado runners) as extra threads while paused; their ids stay stable."""

    FIRST_ID = 1000000
    NOTE_ID = FIRST_ID - 1

    def __init__(self):
        self._ids = {}  # id(obj) -> thread id
        self._objects = {}  # thread id -> task or runner
        self._next = self.FIRST_ID

    def list(self, snapshot, limit):
        """Pseudo-threads for the first `limit` suspended tasks and runners of a tree snapshot, and a
        note thread when there are more; forgets the ones no longer suspended."""
        for key, thread_id in list(self._ids.items()):
            if not snapshot.is_suspended(self._objects.get(thread_id)):
                self._objects.pop(self._ids.pop(key), None)
        limit = max(0, int(limit))
        found, total = snapshot.suspended(limit)
        threads = []
        for obj in found:
            thread_id = self._ids.get(id(obj))
            if thread_id is None:
                thread_id = self._ids[id(obj)] = self._next
                self._next += 1
            self._objects[thread_id] = obj
            if is_runner(obj):
                label = '%s (gen.coroutine)' % getattr(obj.gen, '__qualname__', 'generator')
            else:
                label = '%s (task)' % obj.get_name()
            threads.append({'id': thread_id, 'name': label})
        if total > limit:
            threads.append({'id': self.NOTE_ID, 'name': '… %d more tasks not shown (taskThreadLimit %d)'
                                                     % (total - limit, limit)})
        return threads

    def _chain(self, thread_id):
        obj = self._objects.get(thread_id)
        if obj is None:
            return None
        chain = coroutine_chain(obj.gen if is_runner(obj) else obj.get_coro())
        chain.reverse()
        return chain

    def stack(self, thread_id):
        """[(frame, line)] innermost first for a pseudo-thread, or None for any other thread id."""
        if thread_id == self.NOTE_ID:
            return []
        chain = self._chain(thread_id)
        return None if chain is None else [(f, f.f_lineno) for f in chain]

    def step_frame(self, thread_id):
        """Where a step on a task's pseudo-thread waits: the innermost user frame of its chain."""
        chain = self._chain(thread_id)
        if not chain:
            return None
        for frame in chain:
            if not filters.is_library(frame.f_code.co_filename):
                return frame
        return chain[0]

    def object_of(self, thread_id):
        return self._objects.get(thread_id)

    def thread_ids_by_node(self):
        return {node_id(obj): thread_id for thread_id, obj in self._objects.items()}

"""The suspension tree: every task of every running loop, and every Tornado @gen.coroutine runner,
with where it is suspended, what it waits on and who waits on it.

Before 3.14 nothing records "who awaits whom", so it is recovered from the objects (see
docs/architecture-agent.md): a task's chain follows cr_await / gi_yieldfrom / ag_await; what it
waits on is task._fut_waiter, classified by its type and by the innermost frame of the chain;
futures that other tasks feed (shield, wait, wait_for, gather, TaskGroup, executor, tornado multi)
are found by reading the done-callbacks of every task once per capture. On 3.14 the interpreter's
own `_asyncio_awaited_by` sets add their edges. Cycles (deadlocks) are found with an iterative
depth-first search and reported, never followed forever.
"""
import functools
import gc
import os
import sys
import threading
import time
import types

from . import filters

MAX_CHAIN = 256
_LEAF_FUNCTIONS = {
    # (file name, function) of the innermost frame -> awaiting kind
    ('tasks.py', 'sleep'): 'sleep',
    ('tasks.py', 'wait_for'): 'wait_for',
    ('tasks.py', 'wait'): 'wait',
    ('tasks.py', '_wait'): 'wait',
    ('tasks.py', 'as_completed'): 'wait',
    ('taskgroups.py', '__aexit__'): 'taskgroup',
    ('taskgroups.py', '_aexit'): 'taskgroup',
    ('queues.py', 'get'): 'queue',
    ('queues.py', 'put'): 'queue',
    ('queues.py', 'join'): 'queue',
    ('streams.py', '_wait_for_data'): 'socket',
    ('streams.py', 'drain'): 'socket',
    ('streams.py', '_drain_helper'): 'socket',
    ('selector_events.py', 'sock_recv'): 'socket',
    ('selector_events.py', 'sock_recv_into'): 'socket',
    ('selector_events.py', 'sock_sendall'): 'socket',
    ('selector_events.py', 'sock_connect'): 'socket',
    ('selector_events.py', 'sock_accept'): 'socket',
    ('base_events.py', 'sock_connect'): 'socket',
    ('base_events.py', 'create_connection'): 'socket',
    ('base_events.py', 'getaddrinfo'): 'executor',
    ('locks.py', 'acquire'): 'lock',
    ('locks.py', 'wait'): 'event',
    ('locks.py', 'wait_for'): 'condition',
    ('locks.py', '_block'): 'barrier',
}
_LOCK_KINDS = {'Lock': 'lock', 'Semaphore': 'semaphore', 'BoundedSemaphore': 'semaphore', 'Event': 'event',
               'Condition': 'condition', 'Barrier': 'barrier', 'Queue': 'queue', 'PriorityQueue': 'queue',
               'LifoQueue': 'queue'}
_PRIMITIVE_KINDS = ('lock', 'event', 'condition', 'queue')
_FEED_KINDS = {'_inner_done_callback': 'shield', '_on_completion': 'wait', '_release_waiter': 'wait_for',
               '_done_callback': 'gather', '_call_check_cancel': 'executor', '_call_set_state': 'executor',
               'callback': 'gather'}

# type -> (frame attribute, awaited attribute); the walk ends at any other object (a Future iterator)
_CHAIN_ATTRS = {
    types.CoroutineType: ('cr_frame', 'cr_await'),
    types.GeneratorType: ('gi_frame', 'gi_yieldfrom'),
    types.AsyncGeneratorType: ('ag_frame', 'ag_await'),
}


def _asyncio():
    return sys.modules.get('asyncio')


def task_id(obj):
    return ('t%x' if not _is_runner(obj) else 'g%x') % id(obj)


def _is_runner(obj):
    return type(obj).__name__ == 'Runner' and hasattr(obj, 'result_future')


def coroutine_chain(coro):
    """Frames of a suspended coroutine chain, outermost first. Helper objects (async generator
    asend/athrow, coroutine wrappers) expose nothing: their referents hold the next link."""
    frames = []
    obj = coro
    while obj is not None and len(frames) < MAX_CHAIN:
        attrs = _CHAIN_ATTRS.get(type(obj))
        if attrs is None:
            obj = _unwrap_helper(obj)
            if obj is None:
                break
            continue
        frame = getattr(obj, attrs[0])
        if frame is None:
            break
        frames.append(frame)
        obj = getattr(obj, attrs[1])
    return frames


def _unwrap_helper(obj):
    name = type(obj).__name__
    if name in ('async_generator_asend', 'async_generator_athrow', 'coroutine_wrapper', 'generator_wrapper'):
        for referent in gc.get_referents(obj):
            if type(referent) in _CHAIN_ATTRS:
                return referent
    return None


def _frame_entry(frame, line=None):
    code = frame.f_code
    return {'name': code.co_name, 'path': code.co_filename, 'line': frame.f_lineno if line is None else line}


def _callback_targets(callback):
    """The objects a done-callback closes over or is bound to, and the callback's function name."""
    targets = []
    if isinstance(callback, functools.partial):
        targets.extend(callback.args)
        callback = callback.func
    owner = getattr(callback, '__self__', None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        targets.append(owner)
    for cell in getattr(callback, '__closure__', None) or ():
        try:
            targets.append(cell.cell_contents)
        except ValueError:  # empty cell
            pass
    return getattr(callback, '__name__', ''), targets


class _Capture:
    """One capture: nodes by object id, then edges and classification."""

    def __init__(self, loops, runners, threads, debugger):
        self.loops = loops
        self.runners = runners
        self.threads = threads
        self.debugger = debugger
        self.asyncio = _asyncio()
        self.nodes = {}  # id(task or runner) -> node dict
        self.objects = {}  # id -> task or runner
        self.chains = {}  # id -> frames of a suspended chain, innermost first
        self.owner = {}  # id(future) -> node id completed with it (a task itself, a runner's result future)
        self.feeds = {}  # id(future) -> [(kind, object whose completion feeds it)]
        self.timers = {}  # id(future) -> loop time at which a timer handle completes it
        self.timeouts = {}  # id(task) -> loop time at which its asyncio.timeout() expires
        self.loop_now = {}
        self.now = time.time()

    # -- pass 1 ---------------------------------------------------------------------------------

    def collect(self):
        result = []
        asyncio = self.asyncio
        names = {t.ident: t.name for t in threading.enumerate()}
        frames_by_thread = sys._current_frames()
        loop_of_runner = {}
        for runner in self.runners.live():
            asyncio_loop = getattr(getattr(runner, 'io_loop', None), 'asyncio_loop', None)
            loop_of_runner.setdefault(id(asyncio_loop), []).append(runner)
        if asyncio is not None:
            for loop, ident in self.loops.running():
                entry = {'id': 'l%x' % id(loop), 'threadId': self.threads.id_of(ident),
                         'threadName': names.get(ident, 'Thread-%d' % ident), 'running': loop.is_running(),
                         'tasks': []}
                self._scan_timers(loop)
                tasks = asyncio.all_tasks(loop)
                current = asyncio.current_task(loop)
                for task in tasks:
                    node = self._task_node(task, current, ident, frames_by_thread)
                    if node is not None:
                        entry['tasks'].append(node)
                for runner in loop_of_runner.pop(id(loop), ()):
                    entry['tasks'].append(self._runner_node(runner))
                result.append(entry)
        leftover = [r for group in loop_of_runner.values() for r in group]
        if leftover:  # runners whose IOLoop is not running now (e.g. attached mid-shutdown)
            result.append({'id': 'tornado', 'threadId': 0, 'threadName': '', 'running': False,
                           'tasks': [self._runner_node(r) for r in leftover]})
        return result

    def _scan_timers(self, loop):
        futures = sys.modules.get('asyncio.futures')
        set_result = getattr(futures, '_set_result_unless_cancelled', None)
        release = getattr(sys.modules.get('asyncio.tasks'), '_release_waiter', None)
        timeout_class = getattr(sys.modules.get('asyncio.timeouts'), 'Timeout', None)
        self.loop_now[id(loop)] = loop.time()
        for handle in list(getattr(loop, '_scheduled', ())):
            callback = handle._callback
            if callback is set_result or callback is release:
                self.timers[id(handle._args[0])] = handle._when
            elif timeout_class is not None and isinstance(getattr(callback, '__self__', None), timeout_class):
                owner = getattr(callback.__self__, '_task', None)
                if owner is not None:
                    self.timeouts[id(owner)] = (handle._when, id(loop))

    def _task_node(self, task, current, ident, frames_by_thread):
        key = id(task)
        node = {'id': 't%x' % key, 'name': task.get_name(), 'kind': 'task', 'state': 'suspended',
                'frames': [], 'awaitedBy': []}
        self.nodes[key] = node
        self.objects[key] = task
        self.owner[key] = key
        coro = task.get_coro()
        if task is current:
            node['state'] = 'running'
            node['frames'] = self._running_frames(coro, ident, frames_by_thread)
        else:
            chain = coroutine_chain(coro)
            chain.reverse()
            self.chains[key] = chain
            node['frames'] = [_frame_entry(f) for f in chain]
        self._read_callbacks(task)
        created = self.loops.creation_stacks.get(task)
        if created:
            code, line = created[0]
            node['createdAt'] = [{'name': code.co_name, 'path': code.co_filename, 'line': line}]
        return node

    def _running_frames(self, coro, ident, frames_by_thread):
        """The running task's real stack, innermost first, down to its root coroutine frame."""
        root = getattr(coro, 'cr_frame', None) or getattr(coro, 'gi_frame', None)
        stopped = self.debugger.stopped.get(ident)
        if stopped is not None:
            pairs = stopped.stack
        else:
            from .debugger import user_stack
            frame = frames_by_thread.get(ident)
            pairs = user_stack(frame) if frame is not None else []
        result = []
        for frame, line in pairs:
            result.append(_frame_entry(frame, line))
            if frame is root:
                break
        return result

    def _read_callbacks(self, future):
        callbacks = future._callbacks
        if not callbacks:
            return
        asyncio = self.asyncio
        for callback, *_ in list(callbacks):
            name, targets = _callback_targets(callback)
            for target in targets:
                if isinstance(target, asyncio.Future) and target is not future and not isinstance(target, asyncio.Task):
                    self.feeds.setdefault(id(target), []).append((_FEED_KINDS.get(name, 'future'), future))

    def _runner_node(self, runner):
        key = id(runner)
        gen = runner.gen
        name = getattr(gen, '__qualname__', None) or getattr(gen, '__name__', 'generator') if gen is not None else 'gen.coroutine'
        node = {'id': 'g%x' % key, 'name': name, 'kind': 'gen-coroutine',
                'state': 'running' if runner.running else 'suspended', 'frames': [], 'awaitedBy': []}
        if gen is not None:
            chain = coroutine_chain(gen)
            chain.reverse()
            self.chains[key] = chain
            node['frames'] = [_frame_entry(f) for f in chain]
        self.nodes[key] = node
        self.objects[key] = runner
        result_future = getattr(runner, 'result_future', None)
        if result_future is not None:
            self.owner[id(result_future)] = key
        created = self.runners.creation_stacks.get(runner)
        if created:
            code, line = created[0]
            node['createdAt'] = [{'name': code.co_name, 'path': code.co_filename, 'line': line}]
        return node

    # -- pass 2 ---------------------------------------------------------------------------------

    def link(self):
        asyncio = self.asyncio
        awaits = {}  # node key -> [node keys it waits on]
        for key, obj in self.objects.items():
            node = self.nodes[key]
            if node['state'] == 'running':
                continue
            chain = self.chains.get(key, ())
            if _is_runner(obj):
                awaiting, targets = self._classify(getattr(obj, 'future', None), chain, None)
            else:
                awaiting, targets = self._classify(obj._fut_waiter, chain, obj)
            if awaiting is None:
                continue
            if targets:
                awaiting['taskIds'] = [self.nodes[t]['id'] for t in targets]
                awaits[key] = targets
                for target in targets:
                    self.nodes[target]['awaitedBy'].append(node['id'])
            node['awaiting'] = awaiting
        self._add_interpreter_edges(awaits)
        self._mark_cycles(awaits)

    def _targets_of(self, future, seen=None):
        """Node keys whose completion completes `future`, through gathers and fed futures."""
        key = self.owner.get(id(future))
        if key is not None:
            return [key]
        children = getattr(future, '_children', None)
        result = []
        if children is not None:  # _GatheringFuture
            seen = seen if seen is not None else set()
            for child in children:
                if id(child) not in seen:
                    seen.add(id(child))
                    result.extend(self._targets_of(child, seen))
        for _, feeder in self.feeds.get(id(future), ()):
            feeder_key = self.owner.get(id(feeder))
            if feeder_key is not None:
                result.append(feeder_key)
        return result

    def _classify(self, waiter, chain, task):
        """(awaiting dict, [node keys awaited]) for a task waiting on `waiter`; `chain` innermost first."""
        asyncio = self.asyncio
        leaf = chain[0].f_code if chain else None
        timeout = self.timeouts.get(id(task)) if task is not None else None
        if waiter is None:
            if task is not None and task.done():
                return None, []
            return {'kind': 'ready', 'description': 'scheduled to run'}, []
        kind = None
        if leaf is not None and filters.is_library(leaf.co_filename):
            kind = _LEAF_FUNCTIONS.get((os.path.basename(leaf.co_filename), leaf.co_name))
            if kind in _PRIMITIVE_KINDS:  # the class of `self` tells a Lock from a Semaphore, an Event from a Condition
                kind = _LOCK_KINDS.get(type(chain[0].f_locals.get('self')).__name__, kind)
        targets = self._targets_of(waiter)
        if kind is None:
            if isinstance(waiter, asyncio.Task):
                kind = 'task'
            elif hasattr(waiter, '_children'):
                kind = 'gather'
            elif self.owner.get(id(waiter)) is not None and _is_runner(self.objects[self.owner[id(waiter)]]):
                kind = 'gen-runner'
            else:
                fed = self.feeds.get(id(waiter))
                kind = fed[0][0] if fed else 'future'
        if kind == 'taskgroup':
            targets = self._taskgroup_children(chain)
        description = self._describe(kind, waiter, targets, chain)
        awaiting = {'kind': kind, 'description': description}
        when = self.timers.get(id(waiter))
        if when is not None and task is not None:
            loop_now = self.loop_now.get(id(task.get_loop()))
            if loop_now is not None:
                awaiting['remainingMs'] = max(0.0, round((when - loop_now) * 1000, 1))
        if timeout is not None:
            remaining = max(0.0, round((timeout[0] - self.loop_now.get(timeout[1], timeout[0])) * 1000, 1))
            awaiting['description'] += ' (timeout in %g ms)' % remaining
            awaiting.setdefault('remainingMs', remaining)
        return awaiting, targets

    def _taskgroup_children(self, chain):
        for frame in chain:
            if frame.f_code.co_name in ('__aexit__', '_aexit'):
                group = frame.f_locals.get('self')
                if type(group).__name__ == 'TaskGroup':
                    return [id(child) for child in list(getattr(group, '_tasks', ())) if id(child) in self.nodes]
        return []

    def _describe(self, kind, waiter, targets, chain):
        names = [self.nodes[t]['name'] for t in targets[:5]]
        more = ' and %d more' % (len(targets) - 5) if len(targets) > 5 else ''
        if kind in ('task', 'gen-runner', 'wait_for', 'shield') and names:
            return '%s %s%s' % (kind, ', '.join(names), more)
        if kind in ('gather', 'wait', 'taskgroup'):
            return '%s of %d: %s%s' % (kind, len(targets), ', '.join(names), more)
        if kind in ('lock', 'event', 'condition', 'semaphore', 'queue', 'barrier'):
            return self._describe_primitive(kind, chain)
        if kind == 'sleep':
            return 'asyncio.sleep'
        if kind == 'executor':
            return 'executor future (%s)' % ('done' if waiter.done() else 'running')
        if kind == 'socket':
            return 'socket I/O in %s' % (chain[0].f_code.co_name if chain else 'transport')
        return '%s %s' % (type(waiter).__name__, 'pending' if not waiter.done() else 'done')

    def _describe_primitive(self, kind, chain):
        owner = chain[0].f_locals.get('self') if chain else None
        if owner is None:
            return kind
        label = type(owner).__name__
        waiters = getattr(owner, '_waiters', None) or getattr(owner, '_getters', None) or ()
        details = []
        if hasattr(owner, 'locked') and kind in ('lock', 'semaphore', 'condition'):
            details.append('locked' if owner.locked() else 'free')
        if kind == 'event':
            details.append('set' if owner.is_set() else 'not set')
        if kind == 'queue':
            details.append('%d items' % owner.qsize())
        details.append('%d waiting' % len(waiters))
        return '%s.%s (%s) at 0x%x' % (label, chain[0].f_code.co_name, ', '.join(details), id(owner))

    def _add_interpreter_edges(self, awaits):
        """3.14+: the interpreter records awaiters itself (future._asyncio_awaited_by)."""
        for key, obj in self.objects.items():
            awaited_by = getattr(obj, '_asyncio_awaited_by', None)
            if not awaited_by:
                continue
            node = self.nodes[key]
            for waiter in list(awaited_by):
                waiter_key = self.owner.get(id(waiter))
                if waiter_key is None:
                    continue
                waiter_id = self.nodes[waiter_key]['id']
                if waiter_id not in node['awaitedBy']:
                    node['awaitedBy'].append(waiter_id)
                    awaits.setdefault(waiter_key, []).append(key)

    def _mark_cycles(self, awaits):
        """Iterative DFS over 'waits on' edges; every cycle found is reported on its members."""
        state = {}  # key -> 1 on the path, 2 done
        for start in awaits:
            if state.get(start):
                continue
            path, stack = [], [(start, iter(awaits.get(start, ())))]
            state[start] = 1
            path.append(start)
            while stack:
                key, children = stack[-1]
                for child in children:
                    mark = state.get(child)
                    if mark == 1:
                        self._report_cycle(path[path.index(child):])
                    elif mark is None:
                        state[child] = 1
                        path.append(child)
                        stack.append((child, iter(awaits.get(child, ()))))
                        break
                else:
                    stack.pop()
                    path.pop()
                    state[key] = 2

    def _report_cycle(self, members):
        names = [self.nodes[m]['name'] for m in members]
        text = 'deadlock: %s' % ' → '.join(names + names[:1])
        for member in members:
            awaiting = self.nodes[member].get('awaiting')
            if awaiting is not None:
                awaiting['kind'] = 'deadlock'
                awaiting['description'] = text


def capture(loops, runners, threads, debugger):
    """The coroutineTree response body."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1.0)  # fewer thread switches while reading live objects: a more consistent picture
    try:
        job = _Capture(loops, runners, threads, debugger)
        result = job.collect()
        job.link()
    finally:
        sys.setswitchinterval(previous)
    return {'capturedAt': int(job.now * 1000), 'loops': result}


# --- single tasks: lookup, cancel, creation stack, awaiters ---------------------------------------

def _live_tasks(loops):
    asyncio = _asyncio()
    if asyncio is None:
        return []
    return [(loop, task) for loop, _ in loops.running() for task in asyncio.all_tasks(loop)]


def _find(loops, runners, wanted):
    for loop, task in _live_tasks(loops):
        if 't%x' % id(task) == wanted:
            return loop, task
    for runner in runners.live():
        if 'g%x' % id(runner) == wanted:
            return None, runner
    raise LookupError('no live task %s' % wanted)


def cancel(loops, runners, wanted):
    loop, task = _find(loops, runners, wanted)
    if loop is None:
        raise ValueError('a @gen.coroutine cannot be cancelled; cancel the task that awaits it')
    if task.done():
        return False
    loop.call_soon_threadsafe(task.cancel)
    return True


def creation_stack(loops, runners, wanted):
    _, obj = _find(loops, runners, wanted)
    frames = (runners if _is_runner(obj) else loops).creation_stack(obj)
    if frames is None:
        raise LookupError('the creation of %s was not recorded (it was created before the agent '
                          'or by a task factory set later)' % wanted)
    return frames


def awaiter_frames(loops):
    """For step out of a task's coroutine: the innermost user frames of the tasks that await the
    task running on this thread."""
    asyncio = _asyncio()
    if asyncio is None:
        return []
    try:
        current = asyncio.current_task()
    except RuntimeError:
        return []
    if current is None:
        return []
    result = []
    for task in asyncio.all_tasks(current.get_loop()):
        waiter = task._fut_waiter
        if waiter is current or current in (getattr(waiter, '_children', None) or ()):
            chain = coroutine_chain(task.get_coro())
            user = [f for f in chain if not filters.is_library(f.f_code.co_filename)]
            if user:
                result.append(user[-1])
    return result


class PseudoThreads:
    """Suspended tasks offered as extra threads while the program is paused; ids stay stable."""

    FIRST_ID = 1000000
    NOTE_ID = FIRST_ID - 1

    def __init__(self):
        self._ids = {}  # id(obj) -> thread id
        self._objects = {}  # thread id -> task or runner

    def _suspended(self, loops, runners):
        asyncio = _asyncio()
        found = []
        for loop, task in _live_tasks(loops):
            if task is not asyncio.current_task(loop):
                found.append(task)
        found.extend(r for r in runners.live() if not r.running)
        return found

    def list(self, loops, runners, limit):
        found = self._suspended(loops, runners)
        live = {id(obj) for obj in found}
        for key in [k for k in self._ids if k not in live]:
            self._objects.pop(self._ids.pop(key), None)
        threads = []
        for obj in found[:max(0, int(limit))]:
            thread_id = self._ids.get(id(obj))
            if thread_id is None:
                thread_id = self._ids[id(obj)] = self.FIRST_ID + len(self._ids)
                while thread_id in self._objects:
                    thread_id += 1
                    self._ids[id(obj)] = thread_id
            self._objects[thread_id] = obj
            name = obj.get_name() if not _is_runner(obj) else getattr(obj.gen, '__qualname__', 'gen.coroutine')
            threads.append({'id': thread_id, 'name': '%s (%s)' % (name, 'gen.coroutine' if _is_runner(obj) else 'task')})
        if len(found) > limit:
            threads.append({'id': self.NOTE_ID, 'name': '… %d more tasks not shown (taskThreadLimit %d)'
                                                     % (len(found) - limit, limit)})
        return threads

    def _chain(self, thread_id):
        obj = self._objects.get(thread_id)
        if obj is None:
            return None
        chain = coroutine_chain(obj.gen if _is_runner(obj) else obj.get_coro())
        chain.reverse()
        return chain

    def stack(self, thread_id):
        """[(frame, line)] innermost first for a pseudo-thread, or None for a real thread id."""
        if thread_id == self.NOTE_ID:
            return []
        chain = self._chain(thread_id)
        return None if chain is None else [(f, f.f_lineno) for f in chain]

    def step_frame(self, thread_id):
        """The innermost user frame of a task's chain: where a step on its pseudo-thread waits."""
        chain = self._chain(thread_id)
        if not chain:
            return None
        for frame in chain:
            if not filters.is_library(frame.f_code.co_filename):
                return frame
        return chain[0]

    def annotate(self, tree):
        by_node = {('g%x' if _is_runner(obj) else 't%x') % id(obj): tid for tid, obj in self._objects.items()}
        for loop in tree['loops']:
            for task in loop['tasks']:
                thread_id = by_node.get(task['id'])
                if thread_id is not None:
                    task['threadId'] = thread_id

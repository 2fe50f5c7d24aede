"""The suspension tree: every task of every running loop, and every Tornado @gen.coroutine runner,
with where it is suspended, what it waits on and who waits on it.

Before 3.14 nothing records "who awaits whom", so it is recovered from the objects (details in
docs/architecture-agent.md): a task's chain follows cr_await / gi_yieldfrom / ag_await; what it
waits on is task._fut_waiter, classified by its type and by the innermost frame of the chain;
futures that other tasks feed (shield, wait, wait_for, gather, executor, Tornado fetch) are found
by reading every task's done-callbacks once per capture. On 3.14 the interpreter's own
`_asyncio_awaited_by` sets add their edges. Cycles (deadlocks) are found with an iterative
depth-first search and reported, never followed forever.

Speed: 100,000 tasks must take well under a second, so the hot loop touches each task a few
times, caches per code object (what a leaf function means) and per primitive (its description),
and writes the JSON text itself in the compact wire shape: string, frame and shape tables (a shape:
kind, state, frames and kind of wait, which many tasks share), tasks as short flat arrays that refer
to them and to other tasks by index (agentProtocol.ts, CompactCoroutineTree).
"""
import gc
import json
import operator
import os
import sys
import threading
import time
import types

from . import filters
from .chains import all_tasks, asyncio_module, callback_targets, coroutine_chain, is_runner

_quote = getattr(json.encoder, 'c_encode_basestring_ascii', None) or json.encoder.encode_basestring_ascii
_LEAF_FUNCTIONS = {
    # (file name, function) of the innermost frame of a chain -> awaiting kind
    ('tasks.py', 'sleep'): 'sleep',
    ('tasks.py', 'wait_for'): 'wait_for',
    ('tasks.py', 'wait'): 'wait',
    ('tasks.py', '_wait'): 'wait',
    ('taskgroups.py', '__aexit__'): 'taskgroup',
    ('taskgroups.py', '_aexit'): 'taskgroup',
    ('queues.py', 'get'): 'queue',
    ('queues.py', 'put'): 'queue',
    ('queues.py', 'join'): 'queue',
    ('locks.py', 'acquire'): 'lock',
    ('locks.py', 'wait'): 'event',
    ('locks.py', 'wait_for'): 'condition',
    ('locks.py', '_block'): 'barrier',
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
    ('http1connection.py', '_read_message'): 'socket',
    ('http1connection.py', 'read_response'): 'socket',
    ('iostream.py', 'read_until_regex'): 'socket',
    ('iostream.py', 'read_bytes'): 'socket',
    ('tcpclient.py', 'connect'): 'socket',
}
# The class of the leaf frame's `self` tells a Lock from a Semaphore, an Event from a Condition.
_PRIMITIVE_CLASSES = {'Lock': 'lock', 'Semaphore': 'semaphore', 'BoundedSemaphore': 'semaphore',
                      'Event': 'event', 'Condition': 'condition', 'Barrier': 'barrier', 'Queue': 'queue',
                      'PriorityQueue': 'queue', 'LifoQueue': 'queue'}
_PRIMITIVE_KINDS = ('lock', 'event', 'condition', 'queue', 'semaphore', 'barrier')
_FEED_KINDS = {'_inner_done_callback': 'shield', '_on_completion': 'wait', '_release_waiter': 'wait_for',
               '_done_callback': 'gather', '_call_check_cancel': 'executor', '_call_set_state': 'executor',
               'callback': 'gather'}
_CONTEXT_FUNCTIONS = ('wait_for', 'shield')
_NO_KIND = object()
_KEY, _OBJ, _NAME, _INDEX = (operator.attrgetter(name) for name in ('key', 'obj', 'name', 'index'))
_SLEEP = ('sleep', 'asyncio.sleep')
_INFINITY = float('inf')
_EXACT_IN_JSON = 1 << 53  # integers above lose digits in a JSON reader's doubles

# (frames, plain, leaf) of a node whose chain is read in link() (a runner's) or never (a running task's)
_CHAIN_UNREAD = (None, True, None)

_waiting_since = {}  # from the previous capture: _wait_key(task, waiter) -> time first seen waiting


def _wait_key(task_key, waiter):
    """(id(task), id(waiter)) as one int: unlike a tuple, an int is not tracked by the garbage
    collector, and 100,000 tracked objects make the first collection after a capture cost ~0.1 s."""
    return task_key << 64 | id(waiter)


class _Tables:
    """The string and frame tables of the compact wire shape: every name, path, kind, state and
    description is written once and referred to by its index; a frame is [name, path, line]."""

    def __init__(self):
        self.strings = {}  # text -> index
        self.frames = {}  # (id(code), line) -> index as text; the capture keeps every code alive
        self.frame_texts = []

    def string(self, text):
        index = self.strings.get(text)
        if index is None:
            index = self.strings[text] = len(self.strings)
        return index

    def frame(self, code, line):
        """The index (as text, ready to join) of the frame (code, line)."""
        key = (id(code), line)
        index = self.frames.get(key)
        if index is None:
            index = self.frames[key] = str(len(self.frame_texts))
            self.frame_texts.append('[%d,%d,%d]' % (self.string(code.co_name), self.string(code.co_filename), line))
        return index

    def strings_json(self):
        return '[%s]' % ','.join(map(_quote, self.strings))

    def frames_json(self):
        return '[%s]' % ','.join(self.frame_texts)


def _gather_callback_code():
    """The code of gather's per-child `_done_callback` (nested in gather, or in _gather on 3.9)."""
    tasks_module = sys.modules.get('asyncio.tasks')
    pending = [getattr(getattr(tasks_module, name, None), '__code__', None) for name in ('gather', '_gather')]
    while pending:
        code = pending.pop()
        for const in getattr(code, 'co_consts', ()):
            if getattr(const, 'co_name', None) == '_done_callback':
                return const
            if hasattr(const, 'co_consts'):
                pending.append(const)
    return None


class _Node:
    """One task or runner. `index`: its position in the capture (the wire refers to tasks by it).
    Slots: one block of memory per node instead of an object and its dict, so linking and writing,
    which touch 110,000 nodes spread through memory, miss the CPU cache half as often (-15 % of a
    capture on 3.9-3.13, though the defaults are now assigned in each node)."""
    __slots__ = ('key', 'obj', 'index', 'name',
                 'letter',  # of its id: 't' a task, 'g' a Tornado runner
                 'state', 'chain', 'frames', 'waiter',
                 'awaiting',  # (kind, description): tasks waiting alike share one
                 'remaining',  # ms until its timer fires, unrounded (rounded where written)
                 'suspended_for',  # ms, unrounded
                 'targets',  # keys of the nodes it waits on (who waits on a node is the reverse)
                 'targets_text',  # their indexes, ready to write
                 'plain',  # no wait_for / shield in the chain: what the waiter is says it all
                 'leaf')  # what the chain's innermost function means (_LEAF_FUNCTIONS)

    def __init__(self, key, obj, index, name, chain=(), waiter=None, known=_CHAIN_UNREAD):
        # Every field once (a task's chain, waiter and what its chain means come in with it), one
        # statement each: no tuple built and unpacked.
        self.key = key
        self.obj = obj
        self.index = index
        self.name = name
        self.chain = chain
        self.waiter = waiter
        self.frames, self.plain, self.leaf = known
        self.letter = 't'
        self.state = 'suspended'
        self.targets = ()
        self.targets_text = ''
        self.awaiting = self.remaining = self.suspended_for = None

    @property
    def id(self):
        return '%s%x' % (self.letter, self.key)


def _point_to(node, targets):
    """`node` waits on the nodes `targets`: its taskIds text (the wire leaves awaitedBy, the
    reverse of every taskIds, to the reader)."""
    node.targets_text = ','.join([str(target.index) for target in targets])


def _in_gather_order(group, children):
    """The nodes of `group` (the tasks seen with one gather's per-child callback, in address order)
    in the order of the gather's `children`, or None when they are not the same tasks."""
    if group is None or len(group) != len(children):
        return None
    if list(map(_OBJ, group)) == children:  # `==` on lists: identity first
        return group
    by_key = dict(zip(map(_KEY, group), group))  # created out of address order: a few percent
    group = [by_key.get(id(child)) for child in children]
    return None if None in group else group


def _group_description(kind, first_names, count):
    """'gather of 10: a, b, c, d, e and 5 more'; without the count for a single wait ('task a')."""
    more = ' and %d more' % (count - 5) if count > 5 else ''
    if kind in ('gather', 'wait', 'taskgroup'):
        return '%s of %d: %s%s' % (kind, count, ', '.join(first_names), more)
    return '%s %s%s' % (kind, ', '.join(first_names), more)


class _Capture:
    def __init__(self, loops, runners, threads, debugger):
        self.loops = loops
        self.runners = runners
        self.threads = threads
        self.debugger = debugger
        self.asyncio = asyncio_module()
        self._nodes = None  # id(task or runner) -> _Node, made when first needed (see nodes)
        self.order = []  # every node, in the order written (loop by loop)
        self.running_count = 0
        self.largest_key = 0  # the highest address of a node: ids are written as JSON numbers
        self.tables = _Tables()
        self.result_futures = {}  # id(a runner's result future) -> the runner's node key (see _owner_of)
        self.feeds = {}  # id(future) -> [(kind, object whose completion feeds it)]
        self.timers = {}  # id(future) -> ms (unrounded) left until a timer handle of its loop completes it
        self.timeouts = {}  # id(task) -> (loop time, id(loop)) when its asyncio.timeout() expires
        self.tornado_sleeps = set()
        self.primitive_waits = runners.waits()  # id(future) -> (kind, description): Tornado locks, queues
        self.loop_now = {}
        # Types that end a chain (no coroutine, generator nor helper: None, a Future's iterator),
        # learned by coroutine_chain.
        self.chain_ends = {type(None)}
        self.leaf_kinds = {}  # id(code) -> kind or None (the chains keep every code alive meanwhile)
        # (id(code), f_lasti) of each frame of a chain -> (frame indexes as text, plain, leaf kind)
        self.chain_frames = {}
        self.primitive_descriptions = {}
        self.primitive_by_waiter = {}  # id(future) -> (kind, description): the asyncio primitive it waits in
        self.waiting_since = {}
        # The previous capture's: freed with this one, after the answer (100,000 entries take ~0.1 s).
        self.waited_before = _waiting_since
        self.skipped_callback_code = skipped = _gather_callback_code()
        # Where gather's per-child callback keeps its _GatheringFuture (`outer`), if known.
        freevars = getattr(skipped, 'co_freevars', ())
        self.outer_cell = freevars.index('outer') if 'outer' in freevars else None
        self.gather_groups = {}  # id(_GatheringFuture) -> nodes of the tasks its callback was seen on
        self.now = time.time()

    @property
    def nodes(self):
        """id(task or runner) -> _Node, made from `order` when first asked for (after collect():
        every node exists then). Many captures never need it: a sleep, a primitive or a gather of
        tasks is linked without looking anything up, and 110,000 inserts cost ~40 ms on 3.9."""
        nodes = self._nodes
        if nodes is None or len(nodes) != len(self.order):
            nodes = self._nodes = dict(zip(map(_KEY, self.order), self.order))
        return nodes

    # -- pass 1: every node, its chain, and what the done-callbacks say -------------------------

    def collect(self):
        loops = []
        asyncio = self.asyncio
        names = {t.ident: t.name for t in threading.enumerate()}
        runners_by_loop = {}
        for runner in self.runners.live():
            asyncio_loop = getattr(getattr(runner, 'io_loop', None), 'asyncio_loop', None)
            runners_by_loop.setdefault(id(asyncio_loop), []).append(runner)
        if asyncio is not None:
            for loop, ident in self.loops.running():
                self._scan_timers(loop)
                members = self._collect_tasks(loop, ident, all_tasks(asyncio, loop), asyncio.current_task(loop))
                members.extend(self._runner_node(r) for r in runners_by_loop.pop(id(loop), ()))
                loops.append(('l%x' % id(loop), self.threads.id_of(ident),
                              names.get(ident, 'Thread-%d' % ident), loop.is_running(), members))
        leftover = [r for group in runners_by_loop.values() for r in group]
        if leftover:  # runners whose IOLoop is not running (a program between loops)
            loops.append(('tornado', 0, '', False, [self._runner_node(r) for r in leftover]))
        return loops

    def _scan_timers(self, loop):
        set_result = getattr(sys.modules.get('asyncio.futures'), '_set_result_unless_cancelled', None)
        release = getattr(sys.modules.get('asyncio.tasks'), '_release_waiter', None)
        timeout_class = getattr(sys.modules.get('asyncio.timeouts'), 'Timeout', None)
        partial = sys.modules['functools'].partial
        now = self.loop_now[id(loop)] = loop.time()
        timers, infinity = self.timers, _INFINITY
        for handle in list(getattr(loop, '_scheduled', ())):
            callback = handle._callback
            if callback is set_result or callback is release:
                left = (handle._when - now) * 1000
                if left < infinity:  # asyncio.sleep(math.inf) has no time left to write (JSON has no inf)
                    timers[id(handle._args[0])] = left if left > 0.0 else 0.0  # max(0.0, left) without a call
            elif handle._args and isinstance(handle._args[0], partial):
                self._scan_tornado_timer(handle, now)
            elif timeout_class is not None and isinstance(getattr(callback, '__self__', None), timeout_class):
                owner = getattr(callback.__self__, '_task', None)
                if owner is not None:
                    self.timeouts[id(owner)] = (handle._when, id(loop))

    def _scan_tornado_timer(self, handle, now):
        """tornado.gen.sleep: IOLoop.call_later(d, lambda: future_set_result_unless_cancelled(f, None))."""
        function = handle._args[0].func
        if getattr(function, '__qualname__', '').startswith('sleep.') and 'tornado' in function.__code__.co_filename:
            for cell in function.__closure__ or ():
                future = cell.cell_contents
                if isinstance(future, self.asyncio.Future):
                    self.tornado_sleeps.add(id(future))
                    left = (handle._when - now) * 1000
                    if left < _INFINITY:
                        self.timers[id(future)] = max(0.0, left)

    def _collect_tasks(self, loop, ident, tasks, current):
        """The hot loop: one pass over every task of a loop."""
        order = self.order
        coroutine = types.CoroutineType
        chain_ends = self.chain_ends
        read_callbacks = self._read_callbacks
        first = len(order)
        skipped = self.skipped_callback_code
        gather_callback = gather_group = None  # the last gather's per-child callback seen, its group
        tornado_fetches = 'tornado.simple_httpclient' in sys.modules
        timeouts, timers, chain_frames, known_chain = self.timeouts, self.timers, self.chain_frames, self._known_chain
        gathering, gather_groups = getattr(sys.modules.get('asyncio.tasks'), '_GatheringFuture', None), self.gather_groups
        # In address order: the objects of tasks created together lie together in memory, and the
        # CPU cache serves the next task's reads (~10 % of a 100,000-task capture against set order).
        tasks = sorted(tasks, key=id)
        if tasks:
            self.largest_key = max(self.largest_key, id(tasks[-1]))
        for task in tasks:
            key = id(task)
            coro = task.get_coro()
            if task is current:
                node = _Node(key, task, len(order), task.get_name())
                node.state = 'running'
                self.running_count += 1
                node.frames = ','.join(self._running_frames(coro, ident))
                order.append(node)
            else:
                # The usual chains, read and looked up without the general walk (coroutine_chain) nor a
                # call per task: a coroutine suspended in a future (a gather, a task), or in a
                # coroutine suspended in one (asyncio.sleep, Event.wait, Queue.get). The keys are
                # _known_chain's.
                chain = known = None
                if type(coro) is coroutine:
                    awaited = coro.cr_await
                    awaited_type = type(awaited)
                    if awaited_type is coroutine:
                        if type(awaited.cr_await) in chain_ends:
                            outer, inner = coro.cr_frame, awaited.cr_frame
                            if outer is not None and inner is not None:
                                chain = [outer, inner]
                                known = chain_frames.get(
                                    (id(outer.f_code), outer.f_lasti, id(inner.f_code), inner.f_lasti))
                    elif awaited_type in chain_ends:
                        outer = coro.cr_frame
                        if outer is not None:
                            chain = [outer]
                            known = chain_frames.get((id(outer.f_code), outer.f_lasti))
                if chain is None:
                    chain = coroutine_chain(coro, chain_ends)
                if known is None:
                    known = known_chain(chain)
                waiter = task._fut_waiter
                node = _Node(key, task, len(order), task.get_name(), chain, waiter, known)
                order.append(node)
                # Read here, while this task's objects are still in the CPU cache: a second pass
                # over 100,000 tasks spread through memory misses it at every object it touches.
                _, plain, leaf = known
                if leaf == 'sleep' and plain and key not in timeouts:
                    # asyncio.sleep: its timer says the time left, its `delay` how long it has
                    # slept. Without either it goes to _classify.
                    remaining = timers.get(id(waiter))
                    delay = chain[-1].f_locals.get('delay') if remaining is not None else None
                    if isinstance(delay, (int, float)):
                        node.awaiting = _SLEEP
                        node.remaining = remaining
                        slept = delay * 1000 - remaining
                        node.suspended_for = slept if slept > 0.0 else 0.0  # max(0.0, slept) without a call
                elif leaf is None and plain and type(waiter) is gathering and key not in timeouts:
                    # A gather whose children were all just read (created before it, they lie
                    # before it in memory): described now, while they are in the CPU cache; link()
                    # keeps it unless another future feeds the gather (_settle_gather).
                    group = _in_gather_order(gather_groups.get(id(waiter)), waiter._children)
                    if group is not None:
                        self._describe_gather(node, group)
            callbacks = task._callbacks
            # Most often the one callback is gather's: no call, the task joins its gather's group
            # (_gather links it from there). It is one closure shared by the gather's children:
            # after the first, `is` says it.
            if callbacks:
                callback = callbacks[0][0]
                if callback is gather_callback and len(callbacks) == 1:
                    gather_group.append(node)
                elif len(callbacks) == 1 and skipped is not None and getattr(callback, '__code__', None) is skipped:
                    gather_callback, gather_group = callback, self._gather_group(callback)
                    gather_group.append(node)
                else:
                    read_callbacks(task, callbacks)
            if tornado_fetches and node.chain and node.chain[0].f_code.co_name == 'run' and \
                    node.chain[0].f_code.co_filename.endswith('simple_httpclient.py'):
                self._read_tornado_fetch(task, node.chain[0])
        return order[first:]

    def _gather_group(self, callback):
        """The list of nodes seen with gather's per-child `callback` (one per _GatheringFuture)."""
        if self.outer_cell is None:
            return []
        try:
            outer = callback.__closure__[self.outer_cell].cell_contents
        except (IndexError, TypeError, ValueError):  # not the closure we know; an empty cell
            return []
        return self.gather_groups.setdefault(id(outer), [])

    def _running_frames(self, coro, ident):
        """The running task's real stack, innermost first, down to its root coroutine frame."""
        from .debugger import user_stack
        root = getattr(coro, 'cr_frame', None) or getattr(coro, 'gi_frame', None)
        stopped = self.debugger.stopped.get(ident)
        if stopped is not None:
            pairs = stopped.stack
        else:
            frame = sys._current_frames().get(ident)
            pairs = user_stack(frame) if frame is not None else []
        result = []
        for frame, line in pairs:
            result.append(self.tables.frame(frame.f_code, line))
            if frame is root:
                break
        return result

    def _read_callbacks(self, future, callbacks):
        future_class, task_class = self.asyncio.Future, self.asyncio.Task
        feeds = self.feeds
        skipped = self.skipped_callback_code
        for entry in list(callbacks):
            callback = entry[0]
            if skipped is not None and getattr(callback, '__code__', None) is skipped:
                continue  # gather's own callback: a gather is read from its waiter's side (_children)
            if type(callback).__name__ in ('builtin_function_or_method', 'TaskWakeupMethWrapper'):
                continue  # a task's wakeup: that task awaits `future` directly, seen from its side
            name, targets = callback_targets(callback)
            for target in targets:
                if target is not future and isinstance(target, future_class) and not isinstance(target, task_class):
                    feeds.setdefault(id(target), []).append((_FEED_KINDS.get(name, 'future'), future))

    def _read_tornado_fetch(self, task, frame):
        """AsyncHTTPClient.fetch's future is completed by the _HTTPConnection.run task through
        connection.final_callback, a closure over that future."""
        connection = frame.f_locals.get('self')
        _, targets = callback_targets(getattr(connection, 'final_callback', None))
        for target in targets:
            if isinstance(target, self.asyncio.Future):
                self.feeds.setdefault(id(target), []).append(('http', task))

    def _runner_node(self, runner):
        key = id(runner)
        self.largest_key = max(self.largest_key, key)
        gen = runner.gen
        node = _Node(key, runner, len(self.order), getattr(gen, '__qualname__', None) or 'gen.coroutine')
        node.letter = 'g'
        self.order.append(node)
        if runner.running:
            node.state = 'running'
            self.running_count += 1
        elif gen is not None:
            node.chain = coroutine_chain(gen)
        node.waiter = getattr(runner, 'future', None)
        result_future = getattr(runner, 'result_future', None)
        if result_future is not None:
            self.result_futures[id(result_future)] = key
            # what the runner's end completes: gen.multi's future, with_timeout's, a chained one
            callbacks = getattr(result_future, '_callbacks', None)
            if callbacks:
                self._read_callbacks(result_future, callbacks)
        return node

    # -- pass 2: what each node waits on, edges, cycles ---------------------------------------------

    def link(self):
        awaits = {}
        primitive_by_waiter, timeouts = self.primitive_by_waiter, self.timeouts
        seen_before, seen_now, now = self.waited_before, self.waiting_since, self.now
        gathering = getattr(sys.modules.get('asyncio.tasks'), '_GatheringFuture', None)
        for node in self.order:
            if node.frames is None:  # a Tornado runner's
                node.frames, node.plain, node.leaf = self._known_chain(node.chain)
            if node.state == 'running' or node.awaiting is not None:
                # running, or a sleep or gather already described by _collect_tasks
                if not node.targets or self._settle_gather(node, awaits):
                    continue
            waiter, plain, leaf = node.waiter, node.plain, node.leaf
            wait = primitive_by_waiter.get(id(waiter)) if plain and waiter is not None else None
            if not plain or node.key in timeouts:
                self._classify(node, plain)
            elif wait is not None:
                # The common case of many tasks in one Lock / Event / Queue: described by the first.
                node.awaiting = wait
                marker = node.key << 64 | id(waiter)  # _wait_key inlined, as _suspended_for does
                first_seen = seen_before.get(marker)
                if first_seen is None:
                    seen_now[marker] = now
                else:
                    seen_now[marker] = first_seen
                    node.suspended_for = (now - first_seen) * 1000
                continue
            elif leaf is None and type(waiter) is gathering and self._gather(node, waiter):
                awaits[node.key] = node.targets
                continue
            else:
                self._classify(node, plain)
            targets = node.targets
            if targets:
                awaits[node.key] = targets
                _point_to(node, list(map(self.nodes.__getitem__, targets)))
        if sys.version_info >= (3, 14):
            self._add_interpreter_edges(awaits)
        self._mark_cycles(awaits)

    def _known_chain(self, chain):
        """_chain_frames(chain), looked up: many tasks are suspended at the same places, so one
        lookup per chain, with the instruction offset (a plain read) standing for the line (a
        line-table search)."""
        if len(chain) == 2:
            outer, inner = chain
            key = (id(outer.f_code), outer.f_lasti, id(inner.f_code), inner.f_lasti)
        elif len(chain) == 1:
            key = (id(chain[0].f_code), chain[0].f_lasti)
        else:
            key = tuple([(id(frame.f_code), frame.f_lasti) for frame in chain])
        known = self.chain_frames.get(key)
        if known is None:
            known = self.chain_frames[key] = self._chain_frames(chain)
        return known

    def _chain_frames(self, chain):
        """(the chain's frame indexes innermost first, as text; whether no wait_for / shield is in it;
        what its innermost function means, see _LEAF_FUNCTIONS)."""
        frame_index = self.tables.frame
        frames = [frame_index(frame.f_code, frame.f_lineno) for frame in reversed(chain)]
        plain = not any(frame.f_code.co_name in _CONTEXT_FUNCTIONS for frame in chain)
        return ','.join(frames), plain, self._leaf_kind(chain[-1].f_code) if chain else None


    def _gather(self, node, waiter):
        """(With the sleep in _collect_tasks, one of the two waits most tasks of a large program
        share, recognised without _classify's search; only for a plain chain without an
        asyncio.timeout().) A gather whose children are all tasks of this capture, linked here, each
        child looked up once; False when a child is not (a runner's future, a nested gather, a
        future) or another future feeds it: _targets_of follows those. (Most gathers were described
        in _collect_tasks already, see _settle_gather.)"""
        if id(waiter) in self.feeds or id(waiter) in self.result_futures:
            return False
        children = waiter._children
        group = _in_gather_order(self.gather_groups.get(id(waiter)), children)
        if group is not None:
            children = group  # every child seen in collect: no lookups
        else:
            nodes = self.nodes
            children = [nodes.get(id(child)) for child in children]
            if None in children:
                return False
            children = list(dict.fromkeys(children))  # gather(t, t) has t twice in _children
        self._describe_gather(node, children)
        self._suspended_for(node, 'gather', None, None, None)
        return True

    @staticmethod
    def _describe_gather(node, children):
        """`node` waits in a gather of the nodes `children`. C-level maps, not comprehensions: a
        comprehension is a call of its own on 3.9-3.11."""
        node.awaiting = ('gather', _group_description('gather', list(map(_NAME, children[:5])), len(children)))
        node.targets = list(map(_KEY, children))
        node.targets_text = ','.join(map(str, map(_INDEX, children)))

    def _settle_gather(self, node, awaits):
        """A gather described while collecting: kept (True) when nothing but its children completes
        it, which only the whole capture can tell; otherwise undone (False) for _classify to follow
        whatever feeds it too."""
        waiter = node.waiter
        if id(waiter) in self.feeds or id(waiter) in self.result_futures:
            node.awaiting, node.targets, node.targets_text = None, (), ''
            return False
        awaits[node.key] = node.targets
        self._suspended_for(node, 'gather', None, None, None)
        return True

    def _leaf_kind(self, code):
        kind = self.leaf_kinds.get(id(code), _NO_KIND)
        if kind is not _NO_KIND:
            return kind
        kind = None
        if filters.is_library(code.co_filename):
            kind = _LEAF_FUNCTIONS.get((os.path.basename(code.co_filename), code.co_name))
        self.leaf_kinds[id(code)] = kind
        return kind

    def _classify(self, node, plain):
        """`plain`: no wait_for / shield in the chain (nothing to add to the description)."""
        waiter = node.waiter
        if waiter is None:
            if not is_runner(node.obj) and node.obj.done():
                return
            node.awaiting = ('ready', 'scheduled to run')
            return
        chain = node.chain
        kind = None
        if chain:
            kind = self._leaf_kind(chain[-1].f_code)
        leaf_locals = description = None
        if kind in _PRIMITIVE_KINDS:
            known = self.primitive_by_waiter.get(id(waiter))
            if known is not None:  # another waiter of the same primitive told what it is
                kind, description = known
            else:
                leaf_locals = chain[-1].f_locals  # built once: on 3.12 and before each read copies the frame
                kind = _PRIMITIVE_CLASSES.get(type(leaf_locals.get('self')).__name__, kind)
        elif kind == 'sleep':
            leaf_locals, description = chain[-1].f_locals, 'asyncio.sleep'
        if description is not None or kind in _PRIMITIVE_KINDS:
            # A timer's or an asyncio primitive's own future (loop.create_future()): only the
            # timer or the primitive completes it, never a task.
            targets = ()
        else:
            key = self._owner_of(id(waiter))
            targets = [key] if key is not None else self._targets_of(waiter)
        if kind is None:
            primitive = self.primitive_waits.get(id(waiter))
            if primitive is not None:
                kind, description = primitive
            elif id(waiter) in self.tornado_sleeps:
                kind, description = 'sleep', 'tornado.gen.sleep'
            elif isinstance(waiter, self.asyncio.Task):
                kind = 'task'
            elif hasattr(waiter, '_children'):
                kind = 'gather'
            elif id(waiter) in self.result_futures:
                kind = 'gen-runner'
            else:
                fed = self.feeds.get(id(waiter))
                kind = fed[0][0] if fed else self._kind_from_own_callbacks(waiter)
        elif kind == 'taskgroup':
            targets = self._taskgroup_children(chain)
        if description is None:
            description = self._describe(kind, waiter, targets, chain, leaf_locals)
        for frame in () if plain else chain[:-1]:
            name = frame.f_code.co_name
            if name in _CONTEXT_FUNCTIONS and filters.is_library(frame.f_code.co_filename):
                description += ' in ' + name
                break
        remaining = self.timers.get(id(waiter))
        timeout = self.timeouts.get(node.key)
        if timeout is not None:
            left = max(0.0, round((timeout[0] - self.loop_now.get(timeout[1], timeout[0])) * 1000, 1))
            description += ' (timeout in %g ms)' % left
            if remaining is None and left < _INFINITY:
                remaining = left
        node.awaiting = (kind, description)
        node.remaining = remaining
        node.targets = targets
        self._suspended_for(node, kind, remaining, chain, leaf_locals)

    def _suspended_for(self, node, kind, remaining, chain, leaf_locals):
        """Exact for asyncio.sleep (its delay minus the time left); otherwise since the first capture
        that saw the same wait, which is a lower bound."""
        if kind == 'sleep' and remaining is not None and leaf_locals is not None:
            delay = leaf_locals.get('delay')
            if isinstance(delay, (int, float)):
                node.suspended_for = max(0.0, delay * 1000 - remaining)
                return
        marker = _wait_key(node.key, node.waiter)
        first_seen = self.waited_before.get(marker)
        self.waiting_since[marker] = first_seen if first_seen is not None else self.now
        if first_seen is not None:
            node.suspended_for = (self.now - first_seen) * 1000

    def _kind_from_own_callbacks(self, waiter):
        """A plain Future chained to a concurrent.futures.Future (run_in_executor) is an executor wait."""
        concurrent = sys.modules.get('concurrent.futures')
        for entry in list(getattr(waiter, '_callbacks', None) or ()):
            _, targets = callback_targets(entry[0])
            if concurrent is not None and any(isinstance(t, concurrent.Future) for t in targets):
                return 'executor'
        return 'future'

    def _owner_of(self, future_id):
        """The key of the node whose completion completes the future: a task of the capture is its
        own (its node's key is its id; no task map of its own: one store less per task), a runner's
        result future its runner's."""
        return future_id if future_id in self.nodes else self.result_futures.get(future_id)

    def _targets_of(self, future, seen=None):
        """Node keys whose completion completes `future`, through gathers and fed futures."""
        key = self._owner_of(id(future))
        if key is not None:
            return [key]
        result = []
        children = getattr(future, '_children', None)
        if children is not None:  # a _GatheringFuture
            seen = seen if seen is not None else set()
            for child in children:
                if id(child) not in seen:
                    seen.add(id(child))
                    child_key = self._owner_of(id(child))
                    if child_key is not None:
                        result.append(child_key)
                    else:
                        result.extend(self._targets_of(child, seen))
        for _, feeder in self.feeds.get(id(future), ()):
            feeder_key = self._owner_of(id(feeder))
            if feeder_key is not None:
                result.append(feeder_key)
        if len(result) > 1:
            result = list(dict.fromkeys(result))  # a gather child is reached twice: _children and callback
        return result

    def _taskgroup_children(self, chain):
        for frame in chain:
            if frame.f_code.co_name in ('__aexit__', '_aexit'):
                group = frame.f_locals.get('self')
                if type(group).__name__ == 'TaskGroup':
                    return [id(child) for child in list(getattr(group, '_tasks', ())) if id(child) in self.nodes]
        return []

    def _describe(self, kind, waiter, targets, chain, leaf_locals):
        if kind in ('task', 'gen-runner', 'wait_for', 'shield', 'http', 'gather', 'wait', 'taskgroup'):
            if targets or kind in ('gather', 'wait', 'taskgroup'):
                return _group_description(kind, [self.nodes[t].name for t in targets[:5]], len(targets))
        if kind in _PRIMITIVE_KINDS:
            return self._describe_primitive(kind, chain, leaf_locals)
        if kind == 'executor':
            return 'executor future'
        if kind == 'socket':
            return 'socket I/O in %s' % (chain[-1].f_code.co_name if chain else 'a transport')
        return '%s %s' % (type(waiter).__name__, 'done' if waiter.done() else 'pending')

    def _describe_primitive(self, kind, chain, leaf_locals):
        owner = leaf_locals.get('self') if leaf_locals is not None else None
        if owner is None:
            return kind
        text = self.primitive_descriptions.get(id(owner))
        if text is None:
            waiters = getattr(owner, '_waiters', None) or getattr(owner, '_getters', None) or ()
            details = []
            if kind in ('lock', 'semaphore', 'condition') and hasattr(owner, 'locked'):
                details.append('locked' if owner.locked() else 'free')
            if kind == 'event':
                details.append('set' if owner.is_set() else 'not set')
            if kind == 'queue':
                details.append('%d items' % owner.qsize())
            details.append('%d waiting' % len(waiters))
            text = self.primitive_descriptions[id(owner)] = '%s.%s (%s) at 0x%x' % (
                type(owner).__name__, chain[-1].f_code.co_name, ', '.join(details), id(owner))
            # Its other waiters are described without reading their frames' locals again; one
            # awaiting tuple (kind, description) serves them all.
            awaiting = (kind, text)
            for waiter in list(waiters):
                self.primitive_by_waiter[id(waiter)] = awaiting
        return text

    def _add_interpreter_edges(self, awaits):
        """3.14+: the interpreter records awaiters itself (future._asyncio_awaited_by)."""
        nodes = self.nodes
        for key, node in nodes.items():
            awaited_by = getattr(node.obj, '_asyncio_awaited_by', None)
            if not awaited_by:
                continue
            for waiter in list(awaited_by):
                waiter_key = self._owner_of(id(waiter))
                if waiter_key is None or key in awaits.get(waiter_key, ()):
                    continue
                waiter_node = nodes[waiter_key]
                waiter_node.targets = awaits[waiter_key] = list(awaits.get(waiter_key, ())) + [key]
                _point_to(waiter_node, [nodes[k] for k in waiter_node.targets])

    def _mark_cycles(self, awaits):
        """Iterative DFS over 'waits on' edges; each cycle found is reported on its members."""
        state = {}  # key -> 1 while on the current path, 2 when finished
        waiting = awaits.keys()
        for start in awaits:
            if start in state:
                continue
            if waiting.isdisjoint(awaits[start]):  # the usual leaf wait (a gather of sleepers): no walk
                state[start] = 2
                continue
            state[start] = 1
            path, stack = [start], [iter(awaits.get(start, ()))]
            while stack:
                for child in stack[-1]:
                    if child not in awaits:
                        continue  # waits on no task: on no cycle
                    mark = state.get(child)
                    if mark == 1:
                        self._report_cycle(path[path.index(child):])
                    elif mark is None:
                        state[child] = 1
                        path.append(child)
                        stack.append(iter(awaits.get(child, ())))
                        break
                else:
                    stack.pop()
                    state[path.pop()] = 2

    def _report_cycle(self, members):
        names = [self.nodes[m].name for m in members]
        text = 'deadlock: %s' % ' → '.join(names + names[:1])
        for member in members:
            node = self.nodes[member]
            if node.awaiting is not None:
                node.awaiting = ('deadlock', text)

    # -- the compact wire shape (agentProtocol.ts, CompactCoroutineTree) ---------------------------

    def to_json(self, loops, thread_ids, max_tasks):
        total = len(self.order)
        shown = total if max_tasks is None else max(0, min(total, max_tasks))
        capped = shown < total
        if self.largest_key >= _EXACT_IN_JSON:
            # Never on the 64-bit systems Python runs on (user memory lies below 2**52).
            raise ValueError('task addresses above 2**53 cannot be sent exactly (JSON numbers are doubles)')
        string = self.tables.string
        kinds = {'t': string('task'), 'g': string('gen-coroutine')}
        states = {state: string(state) for state in ('running', 'suspended')}
        shapes = {}  # (id letter, state, frames, awaiting) -> shape index
        shape_texts = []
        # By node key (a task and a runner never share an address): a node's id text is not kept.
        thread_by_key = {int(text[1:], 16): thread for text, thread in thread_ids.items()} if thread_ids else None
        quote = _quote
        previous = 0  # the address of the task written before (ids are sent as the difference)
        out = []
        for loop_id, thread_id, thread_name, running, members in loops:
            tasks = []
            append = tasks.append
            if capped and members:  # members have consecutive indexes: the shown ones are a slice
                members = members[:max(0, shown - members[0].index)]
            for node in members:
                awaiting = node.awaiting
                shape_key = (node.letter, node.state, node.frames, awaiting)
                shape = shapes.get(shape_key)
                if shape is None:
                    shape = shapes[shape_key] = len(shape_texts)
                    shape_texts.append('[%d,%d,[%s],%s]' % (
                        kinds[node.letter], states[node.state], node.frames,
                        'null' if awaiting is None else '[%d,%d]' % (string(awaiting[0]), string(awaiting[1]))))
                # [id - previous id, name, shape, suspendedForMs, remainingMs, awaiting taskIds,
                # threadId], trailing nulls left out; times in whole milliseconds (what the view shows)
                key, suspended_for, remaining = node.key, node.suspended_for, node.remaining
                targets_text = node.targets_text
                pseudo_thread = thread_by_key.get(key) if thread_by_key else None
                if targets_text or pseudo_thread is not None or suspended_for is None:
                    if capped and node.targets:  # the shown tasks refer to shown tasks only
                        indexes = [self.nodes[t].index for t in node.targets]
                        targets_text = ','.join([str(index) for index in indexes if index < shown])
                    tail = ['null' if suspended_for is None else '%.0f' % suspended_for,
                            'null' if remaining is None else '%.0f' % remaining,
                            '[%s]' % targets_text if targets_text else 'null',
                            'null' if pseudo_thread is None else '%d' % pseudo_thread]
                    while tail and tail[-1] == 'null':
                        tail.pop()
                    append('[%d,%s,%d%s]' % (key - previous, quote(node.name), shape, ''.join([',' + t for t in tail])))
                elif remaining is None:  # the usual rows (a gather's child, in a primitive or asleep)
                    append('[%d,%s,%d,%.0f]' % (key - previous, quote(node.name), shape, suspended_for))
                else:
                    append('[%d,%s,%d,%.0f,%.0f]' % (key - previous, quote(node.name), shape, suspended_for, remaining))
                previous = key
            out.append('{"id":"%s","threadId":%d,"threadName":%s,"running":%s,"tasks":[%s]}' % (
                loop_id, thread_id, _quote(thread_name), 'true' if running else 'false', ','.join(tasks)))
        truncated = ',"truncated":{"shown":%d,"total":%d}' % (shown, total) if shown < total else ''
        off_reason = self.loops.creation_stacks.off_reason
        not_recorded = ',"creationNotRecorded":%s' % _quote(off_reason) if off_reason is not None else ''
        # The tables last: writing the tasks adds the descriptions to them.
        loops_json = ','.join(out)
        return '{"capturedAt":%d,"loops":[%s],"strings":%s,"frames":%s,"shapes":[%s]%s%s}' % (
            int(self.now * 1000), loops_json, self.tables.strings_json(), self.tables.frames_json(),
            ','.join(shape_texts), truncated, not_recorded)


class Snapshot:
    """A linked capture. While the program stays paused one snapshot serves `threads` (the
    pseudo-threads and what each awaits) and every `coroutineTree` (runtime.py drops it when the
    program may change). `thread_ids`: node id -> pseudo-thread id, set once by its owner.

    The garbage collector stays off until release(): a capture makes a few tracked objects per task,
    and a collection over them while they live (the first allocation after re-enabling would start
    one) costs more than the capture's reads; freed before the collector is back, they cost nothing."""

    def __init__(self, job, loops):
        self._job, self._loops = job, loops
        self.thread_ids = None
        self._texts = {}  # (max_tasks, why creation is not recorded) -> the JSON text written for it

    def json(self, max_tasks=None):
        """The coroutineTree response body in the compact wire shape; `max_tasks`: at most that many
        tasks, the first ones loop by loop. Written again when task creation stacks were turned on or
        off while paused: the text says whether they are."""
        key = (max_tasks, self._job.loops.creation_stacks.off_reason)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._job.to_json(self._loops, self.thread_ids, max_tasks)
        return text

    def suspended(self, limit):
        """(the first `limit` suspended tasks and runners in capture order, how many there are)."""
        first = []
        if limit > 0:
            for node in self._job.order:
                if node.state == 'suspended':
                    first.append(node.obj)
                    if len(first) == limit:
                        break
        return first, len(self._job.order) - self._job.running_count

    def is_suspended(self, obj):
        node = self._job.nodes.get(id(obj))
        return node is not None and node.obj is obj and node.state == 'suspended'

    def awaiting(self, obj):
        """What `obj` waits on ({kind, description, taskIds?, remainingMs?}), or None."""
        node = self._job.nodes.get(id(obj))
        if node is None or node.obj is not obj or node.awaiting is None:
            return None
        kind, description = node.awaiting
        result = {'kind': kind, 'description': description}
        if node.targets:
            result['taskIds'] = [self._job.nodes[t].id for t in node.targets]
        if node.remaining is not None:
            result['remainingMs'] = round(node.remaining, 1)
        return result

    def release(self):
        """Frees what the capture built (100,000 nodes take ~0.1 s) and gives the garbage collector
        back: before the program or the user's code runs again, since either may look at or
        switch the collector."""
        if self._job is not None:
            self._job = self._loops = self._texts = None
            _collector_hold.release()


class _CollectorHold:
    """The garbage collector off while any capture lives; back on (if it was on) after the last."""

    def __init__(self):
        self.count = 0
        self.was_enabled = False

    def acquire(self):
        if self.count == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.count += 1

    def release(self):
        self.count -= 1
        if self.count == 0 and self.was_enabled:
            gc.enable()

    def reset_after_fork(self):
        """A forked child has no agent thread left to release a capture the parent held."""
        if self.count:
            self.count = 0
            if self.was_enabled:
                gc.enable()


_collector_hold = _CollectorHold()
reset_after_fork = _collector_hold.reset_after_fork


def take(loops, runners, threads, debugger):
    """A new Snapshot of every loop's tasks and every Tornado runner, read with the GIL switch
    interval raised (fewer thread switches while reading live objects: a steadier picture). Its
    owner must release() it, after the response is written."""
    global _waiting_since
    _collector_hold.acquire()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        job = _Capture(loops, runners, threads, debugger)
        collected = job.collect()
        job.link()
        _waiting_since = job.waiting_since
        return Snapshot(job, collected)
    except BaseException:
        _collector_hold.release()
        raise
    finally:
        sys.setswitchinterval(previous)

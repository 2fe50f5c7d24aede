"""The suspension tree through the real protocol: one task per construct with its expected chain,
wait and edges; Tornado runners and native coroutines linked both ways; loops in two threads;
10,000 tasks; a deadlock; capture while running; tasks as pseudo-threads; cancel; creation stack."""
import json
import os
import sys
import time
import unittest

from tests.agent_client import AgentClient, frame_names, marker_line, program, tasks_by_name

PY = sys.version_info[:2]


def stopped_at_checkpoint(test, name, args=(), agent_options=(), **start):
    path = program(name)
    client = AgentClient([path] + list(args), agent_options=agent_options)
    test.addCleanup(client.close)
    client.start(breakpoints={path: [marker_line(path, 'CHECKPOINT')]}, **start)
    client.stopped()
    return client


def expand(wire):
    """The compact wire tree (agentProtocol.ts CompactCoroutineTree) in the DESIGN.md shape, as the
    adapter's expandCoroutineTree gives it; checked against the golden fixture in test_protocol."""
    strings, frames, shapes = wire['strings'], wire['frames'], wire['shapes']
    entries = [list(task) + [None] * (7 - len(task)) for loop in wire['loops'] for task in loop['tasks']]
    ids, address = [], 0
    for entry in entries:  # each id is sent as the difference from the one before
        address += entry[0]
        ids.append(('g%x' if strings[shapes[entry[2]][0]] == 'gen-coroutine' else 't%x') % address)

    def frame(index):
        name, path, line = frames[index]
        return {'name': strings[name], 'path': strings[path], 'line': line}

    def task(position, entry):
        kind, state, frame_indexes, awaiting = shapes[entry[2]]
        result = {'id': ids[position], 'name': entry[1], 'kind': strings[kind], 'state': strings[state],
                  'frames': [frame(i) for i in frame_indexes], 'awaitedBy': []}
        if awaiting:
            result['awaiting'] = {'kind': strings[awaiting[0]], 'description': strings[awaiting[1]]}
            if entry[5]:
                result['awaiting']['taskIds'] = [ids[i] for i in entry[5]]
            if entry[4] is not None:
                result['awaiting']['remainingMs'] = entry[4]
        for index, field in ((3, 'suspendedForMs'), (6, 'threadId')):
            if entry[index] is not None:
                result[field] = entry[index]
        return result

    expanded = [task(position, entry) for position, entry in enumerate(entries)]
    for position, entry in enumerate(entries):  # awaitedBy: the reverse of every taskIds
        for target in entry[5] or ():
            expanded[target]['awaitedBy'].append(ids[position])
    tasks = iter(expanded)
    tree = {'capturedAt': wire['capturedAt'],
            'loops': [dict(loop, tasks=[next(tasks) for _ in loop['tasks']]) for loop in wire['loops']]}
    if 'truncated' in wire:
        tree['truncated'] = wire['truncated']
    return tree


def tree_of(client, **arguments):
    return expand(client.request('coroutineTree', arguments))


def names_of(tree, ids):
    by_id = {t['id']: t['name'] for loop in tree['loops'] for t in loop['tasks']}
    return sorted(by_id[i] for i in ids)


class AsyncioConstructs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = AgentClient([program('tree_constructs.py')], agent_options=['--task-creation-stacks'])
        path = program('tree_constructs.py')
        cls.client.start(breakpoints={path: [marker_line(path, 'CHECKPOINT')]})
        cls.client.stopped()
        cls.tree = tree_of(cls.client)
        cls.tasks = tasks_by_name(cls.tree)

    @classmethod
    def tearDownClass(cls):
        cls.client.request('continue')
        cls.client.finish()

    def check(self, name, frames, kind, awaits=(), awaited_by=(), description=None):
        task = self.tasks[name]
        self.assertEqual(frame_names(task), frames, name)
        self.assertEqual(task['state'], 'suspended')
        self.assertEqual(task['awaiting']['kind'], kind, name)
        self.assertEqual(names_of(self.tree, task['awaiting'].get('taskIds', [])), sorted(awaits), name)
        self.assertEqual(names_of(self.tree, task['awaitedBy']), sorted(awaited_by), name)
        if description:
            self.assertIn(description, task['awaiting']['description'])
        return task

    def test_the_loop(self):
        (loop,) = self.tree['loops']
        self.assertEqual((loop['threadId'], loop['threadName'], loop['running']), (1, 'MainThread', True))
        self.assertLess(abs(self.tree['capturedAt'] / 1000 - time.time()), 60)

    def test_running_task_shows_its_real_stack(self):
        main = self.tasks['Task-1']
        self.assertEqual(main['state'], 'running')
        self.assertEqual(frame_names(main), ['main'])  # stopped on the line that calls checkpoint()

    def test_sleep_chain_with_time_left_and_creation_site(self):
        task = self.check('chain', ['sleep', 'sleeper', 'middle'], 'sleep', awaited_by=['awaiter'])
        self.assertTrue(25000 < task['awaiting']['remainingMs'] <= 30000)
        self.assertTrue(0 <= task['suspendedForMs'] < 5000)
        self.assertNotIn('createdAt', task)  # per task, on request: taskCreationStack

    def test_sleep_without_end_has_no_time_left(self):
        # The wire is JSON, which has no infinity: the tree would not parse with one in it.
        task = self.check('sleeps-forever', ['sleep'], 'sleep')
        self.assertNotIn('remainingMs', task['awaiting'])
        self.assertGreaterEqual(task.get('suspendedForMs', 0), 0)

    def test_task_awaiting_a_task(self):
        self.check('awaiter', ['awaits_task'], 'task', awaits=['chain'], description='task chain')

    def test_gather(self):
        self.check('gatherer', ['gathers'], 'gather', awaits=['gather-child-0', 'gather-child-1'])
        self.check('gather-child-0', ['sleep', 'sleeper'], 'sleep', awaited_by=['gatherer'])

    def test_gather_keeps_the_order_of_its_arguments(self):
        # Its children were created in the other order (tasks are read in address order).
        task = self.check('gathers-later-first', ['gathers'], 'gather',
                          awaits=['later-first-0', 'later-first-1', 'later-first-2'])
        ids = {t['id']: t['name'] for loop in self.tree['loops'] for t in loop['tasks']}
        self.assertEqual([ids[i] for i in task['awaiting']['taskIds']], ['later-first-2', 'later-first-1', 'later-first-0'])
        self.assertIn('gather of 3: later-first-2, later-first-1, later-first-0', task['awaiting']['description'])

    def test_a_gather_another_task_feeds_too(self):
        # Described while collecting when its child was read before it, then undone in link() once
        # the feeder's callback turns up: it waits on both.
        for i in range(10):
            self.check('fed-gatherer-%d' % i, ['awaits_future'], 'gather',
                       awaits=['fed-gather-child-%d' % i, 'gather-feeder-%d' % i])
            self.check('gather-feeder-%d' % i, ['sleep', 'sleeper'], 'sleep', awaited_by=['fed-gatherer-%d' % i])

    def test_shield(self):
        self.check('shielder', ['shields'], 'shield', awaits=['shielded'])
        self.check('shielded', ['sleep', 'sleeper'], 'sleep', awaited_by=['shielder'])

    def test_wait(self):
        self.check('waiter', ['_wait', 'wait', 'waits'], 'wait', awaits=['wait-child'])

    def test_wait_for(self):
        task = self.tasks['wait-for']
        if PY >= (3, 12):  # wait_for runs the coroutine in the caller's task, under asyncio.timeout
            self.check('wait-for', ['sleep', 'sleeper', 'wait_for', 'waits_for'], 'sleep', description='in wait_for (timeout in')
        else:  # wait_for wraps the coroutine in a task of its own
            self.assertEqual(task['awaiting']['kind'], 'wait_for')
            (inner,) = names_of(self.tree, task['awaiting']['taskIds'])
            self.assertEqual(frame_names(self.tasks[inner]), ['sleep', 'sleeper'])
            self.assertEqual(names_of(self.tree, self.tasks[inner]['awaitedBy']), ['wait-for'])

    def test_primitives(self):
        self.check('lock-waiter', ['acquire', '__aenter__', 'lock_waiter'], 'lock', description='Lock.acquire (locked, 1 waiting)')
        self.check('event-waiter', ['wait', 'event_waiter'], 'event', description='not set')
        self.check('condition-waiter', ['wait', 'condition_waiter'], 'condition')
        self.check('semaphore-waiter', ['acquire', '__aenter__', 'semaphore_waiter'], 'semaphore')
        self.check('queue-getter', ['get', 'queue_getter'], 'queue', description='0 items')

    def test_executor_and_socket(self):
        self.check('executor-waiter', ['executor_waiter'], 'executor')
        self.check('socket-reader', ['_wait_for_data', 'read', 'socket_reader'], 'socket')

    def test_deadlock_is_reported_not_followed_forever(self):
        a = self.check('deadlock-a', ['deadlock_a'], 'deadlock', awaits=['deadlock-b'], awaited_by=['deadlock-b'])
        self.assertIn('deadlock-a', a['awaiting']['description'])
        self.assertIn('deadlock-b', a['awaiting']['description'])

    @unittest.skipIf(PY < (3, 11), 'TaskGroup and asyncio.timeout are 3.11+')
    def test_task_group_and_timeout(self):
        self.check('group-owner', ['__aexit__', 'group_owner'], 'taskgroup', awaits=['group-child'])
        self.check('group-child', ['sleep', 'sleeper'], 'sleep', awaited_by=['group-owner'])
        self.check('timeout-owner', ['sleep', 'sleeper', 'timeout_owner'], 'sleep', description='(timeout in')

    def test_creation_stack_on_request(self):
        frames = self.client.request('taskCreationStack', {'taskId': self.tasks['chain']['id']})['frames']
        self.assertEqual([f['name'] for f in frames], ['main', '<module>'])  # user frames only: asyncio's are left out
        unknown = self.client.request('taskCreationStack', {'taskId': 'tdead'}, check=False)
        self.assertFalse(unknown['success'])


class TornadoTree(unittest.TestCase):
    def test_gen_coroutines_native_coroutines_locks_and_http(self):
        client = stopped_at_checkpoint(self, 'tornado_mix.py')
        tree = tree_of(client)
        nodes = [t for loop in tree['loops'] for t in loop['tasks']]
        by_name = {}
        for node in nodes:
            by_name.setdefault(node['name'], []).append(node)
        (calls_native,) = by_name['gen_calls_native']
        self.assertEqual((calls_native['kind'], calls_native['awaiting']['kind']), ('gen-coroutine', 'task'))
        (native_leaf,) = [t for t in nodes if frame_names(t) == ['sleep', 'native_leaf']]
        self.assertEqual(calls_native['awaiting']['taskIds'], [native_leaf['id']])
        self.assertEqual(native_leaf['awaitedBy'], [calls_native['id']])
        (native,) = by_name['native-awaits-gen']
        self.assertEqual(native['awaiting']['kind'], 'gen-runner')
        (gen_awaits_gen,) = by_name['gen_awaits_gen']
        (multi,) = by_name['gen_multi']
        (with_timeout,) = by_name['gen_with_timeout']
        self.assertEqual(multi['awaiting']['kind'], 'gather')  # gen.multi: completed by its children's futures
        self.assertEqual(len(multi['awaiting']['taskIds']), 2)
        self.assertEqual(len(with_timeout['awaiting']['taskIds']), 1)
        leaves = by_name['gen_leaf']
        self.assertEqual(len(leaves), 5)
        self.assertEqual(sorted(sum((leaf['awaitedBy'] for leaf in leaves), [])),
                         sorted([native['id'], gen_awaits_gen['id'], multi['id'], multi['id'], with_timeout['id']]))
        for leaf in leaves:
            self.assertEqual((frame_names(leaf), leaf['awaiting']['kind']), (['gen_leaf'], 'sleep'))
            self.assertEqual(leaf['awaiting']['description'], 'tornado.gen.sleep')
        expected = {'tornado-lock-waiter': 'lock', 'tornado-event-waiter': 'event',
                    'tornado-condition-waiter': 'condition', 'tornado-queue-getter': 'queue'}
        for name, kind in expected.items():
            (task,) = by_name[name]
            self.assertEqual(task['awaiting']['kind'], kind, name)
            self.assertIn('tornado', task['awaiting']['description'])
        (fetcher,) = by_name['http-fetcher']
        self.assertEqual(fetcher['awaiting']['kind'], 'http')
        (connection,) = [t for t in nodes if t['id'] in fetcher['awaiting']['taskIds']]
        self.assertEqual(frame_names(connection)[-1], 'run')
        self.assertEqual(connection['awaiting']['kind'], 'socket')
        handler = [t for t in nodes if frame_names(t)[:2] == ['get', '_execute']]
        self.assertEqual(len(handler), 1, 'the server side: the handler waits on the RELEASE event')
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)


class Loops(unittest.TestCase):
    def test_a_loop_in_a_second_thread(self):
        client = stopped_at_checkpoint(self, 'second_thread_loop.py')
        tree = tree_of(client)
        loops = {loop['threadName']: loop for loop in tree['loops']}
        self.assertEqual(sorted(loops), ['MainThread', 'loop-thread'])
        background = {t['name'] for t in loops['loop-thread']['tasks']}
        self.assertIn('background-task', background)
        self.assertIn('foreground-task', {t['name'] for t in loops['MainThread']['tasks']})
        self.assertNotEqual(loops['MainThread']['threadId'], loops['loop-thread']['threadId'])
        client.request('continue')
        client.finish()

    def test_each_loops_sleepers_get_their_time_left_from_that_loops_timers(self):
        client = stopped_at_checkpoint(self, 'second_thread_loop.py')
        tree = tree_of(client)
        by_name = tasks_by_name(tree)
        for name, delay in (('foreground-task', 30000), ('background-task', 45000)):
            awaiting = by_name[name]['awaiting']
            self.assertEqual(awaiting['kind'], 'sleep', name)
            self.assertTrue(delay - 10000 < awaiting['remainingMs'] <= delay, (name, awaiting))
            self.assertAlmostEqual(by_name[name]['suspendedForMs'] + awaiting['remainingMs'], delay, delta=1, msg=name)
        client.request('continue')
        client.finish()

    def test_capture_while_the_program_runs(self):
        path = program('second_thread_loop.py')
        client = AgentClient([path, '3'])
        self.addCleanup(client.close)
        client.start()
        deadline = time.time() + 10
        while time.time() < deadline:
            tree = tree_of(client)
            names = {t['name'] for loop in tree['loops'] for t in loop['tasks']}
            if {'foreground-task', 'background-task'} <= names:
                break
            time.sleep(0.1)
        self.assertTrue({'foreground-task', 'background-task'} <= names, names)
        self.assertFalse([e for e in client.events if e['event'] == 'stopped'])
        self.assertEqual(client.finish()[0], 0)


class Scale(unittest.TestCase):
    def test_ten_thousand_tasks(self):
        client = stopped_at_checkpoint(self, 'many_tasks.py', ['10000'])
        wire = client.tree()
        self.assertEqual(len(wire['strings']), len(set(wire['strings'])), 'each string once')
        self.assertLess(len(wire['frames']), 20, 'the same few frames, each written once')
        tree = expand(wire)
        tasks = [t for loop in tree['loops'] for t in loop['tasks']]
        self.assertEqual(len(tasks), 10000 + 1000 + 1)
        groups = [t for t in tasks if frame_names(t) == ['group']]
        self.assertEqual(len(groups), 1000)
        self.assertTrue(all(len(g['awaiting']['taskIds']) == 10 for g in groups))
        children = [t for t in tasks if t['awaitedBy']]
        self.assertEqual(len(children), 10000)
        kinds = sorted({t['awaiting']['kind'] for t in children})
        self.assertEqual(kinds, ['event', 'sleep'])
        client.request('continue')
        client.finish()


class Cap(unittest.TestCase):
    def test_max_tasks_keeps_the_first_tasks_and_says_how_many_there_were(self):
        client = stopped_at_checkpoint(self, 'many_tasks.py', ['100'])
        whole = tree_of(client)
        total = sum(len(loop['tasks']) for loop in whole['loops'])
        self.assertNotIn('truncated', whole)
        capped = tree_of(client, maxTasks=15)  # expand() fails on a reference to a task left out
        shown = [t for loop in capped['loops'] for t in loop['tasks']]
        self.assertEqual(capped['truncated'], {'shown': 15, 'total': total})
        self.assertEqual([t['id'] for t in shown], [t['id'] for loop in whole['loops'] for t in loop['tasks']][:15])
        self.assertNotIn('truncated', tree_of(client, maxTasks=total))
        for bad in (-1, 2.5, 'ten'):
            refused = client.request('coroutineTree', {'maxTasks': bad}, check=False)
            self.assertFalse(refused['success'])
            self.assertIn('maxTasks must be a whole number', refused['message'])
        client.request('continue')
        client.finish()


class TasksAsThreads(unittest.TestCase):
    def test_suspended_tasks_as_threads_with_locals_and_a_cap(self):
        client = stopped_at_checkpoint(self, 'tree_constructs.py', options={'taskThreadLimit': 5})
        threads = client.request('threads')['threads']
        task_threads = [t for t in threads if t['id'] >= 1000000]
        self.assertEqual(len(task_threads), 5)
        for thread in task_threads:  # each carries its task for the adapter's label
            self.assertEqual((thread['task']['kind'], thread['task']['state']), ('task', 'suspended'))
            self.assertTrue(thread['task']['name'])
            self.assertIn('kind', thread['task']['awaiting'])
        (note,) = [t for t in threads if 'more tasks not shown' in t['name']]
        self.assertIn('taskThreadLimit 5', note['name'])
        tree = tree_of(client)
        with_threads = [t for loop in tree['loops'] for t in loop['tasks'] if 'threadId' in t]
        self.assertEqual(sorted(t['threadId'] for t in with_threads), sorted(t['id'] for t in task_threads))
        task = with_threads[0]
        frames = client.stack(task['threadId'])
        self.assertEqual([f['name'] for f in frames], frame_names(task))
        client.locals_of(frames[-1]['id'])  # the suspended coroutine's locals are readable
        client.request('continue')
        client.finish()

    def test_one_capture_per_pause_until_the_program_may_change(self):
        client = stopped_at_checkpoint(self, 'tree_constructs.py')
        first = tree_of(client)  # before any `threads` request: the ids are in the tree already
        suspended = [t for loop in first['loops'] for t in loop['tasks'] if t['state'] == 'suspended']
        self.assertTrue(suspended)
        self.assertTrue(all('threadId' in t for t in suspended))
        task = suspended[0]
        self.assertEqual([f['name'] for f in client.stack(task['threadId'])], frame_names(task))
        threads = client.request('threads')['threads']
        self.assertEqual(sorted(t['id'] for t in threads if t['id'] >= 1000000),
                         sorted(t['threadId'] for t in suspended))
        self.assertEqual(tree_of(client)['capturedAt'], first['capturedAt'], 'the same capture')
        self.assertNotIn('renamed-a', tasks_by_name(first))
        client.request('evaluate', {'expression': "DEADLOCK['a'].set_name('renamed-a')", 'context': 'repl'})
        renamed = tasks_by_name(tree_of(client))['renamed-a']  # the evaluate may change the program
        self.assertEqual(renamed['threadId'], tasks_by_name(first)['deadlock-a']['threadId'])
        # The capture holds the garbage collector off while it lives, but never where the user's
        # code can see it: the collector is given back before an expression runs, and a switch
        # the user makes stays made.
        def evaluate(expression):
            return client.request('evaluate', {'expression': expression, 'context': 'repl'})['result']
        tree_of(client)
        self.assertEqual(evaluate("__import__('gc').isenabled()"), 'True')
        tree_of(client)
        evaluate("__import__('gc').disable()")
        self.assertEqual(evaluate("__import__('gc').isenabled()"), 'False')
        tree_of(client)
        evaluate("__import__('gc').enable()")
        self.assertEqual(evaluate("__import__('gc').isenabled()"), 'True')
        client.request('continue')
        client.finish()

    def test_a_capture_while_running_gives_the_garbage_collector_back(self):
        client = AgentClient([program('second_thread_loop.py'), '3'])
        self.addCleanup(client.close)
        client.start()
        deadline = time.time() + 10
        while time.time() < deadline and not tasks_by_name(tree_of(client)).get('foreground-task'):
            time.sleep(0.1)
        client.request('pause')
        client.stopped()
        collecting = {'expression': "__import__('gc').isenabled()", 'context': 'repl'}
        self.assertEqual(client.request('evaluate', collecting)['result'], 'True')
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)

    @unittest.skipUnless(hasattr(os, 'fork'), 'needs fork')
    def test_a_child_forked_while_a_capture_is_held_collects_garbage(self):
        import gc
        from coroutine_lens_agent import tree
        self.assertTrue(gc.isenabled())
        snapshot = tree.take(_Nothing(), _Nothing(), None, None)  # holds the collector off until released
        self.addCleanup(snapshot.release)
        self.assertFalse(gc.isenabled())
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:  # what the runtime's after-fork hook does, then report the collector's state
            tree.reset_after_fork()
            os.write(writer, b'1' if gc.isenabled() else b'0')
            os._exit(0)
        os.close(writer)
        self.assertEqual(os.read(reader, 1), b'1')
        os.close(reader)
        os.waitpid(child, 0)
        self.assertFalse(gc.isenabled(), "the parent's capture still holds it")


class _Nothing:
    """No loop running, no Tornado runner: a capture of nothing."""
    def running(self):
        return []

    def live(self):
        return []

    def waits(self):
        return {}


class AllTasks(unittest.TestCase):
    def test_the_registries_read_directly_give_what_asyncio_all_tasks_gives(self):
        import asyncio
        import threading
        from coroutine_lens_agent.chains import all_tasks

        async def waiter(event):
            await event.wait()

        async def main(others):
            event, loop = asyncio.Event(), asyncio.get_running_loop()
            tasks = [asyncio.create_task(waiter(event)) for _ in range(20)]
            if PY >= (3, 12):  # eager tasks live in a registry of their own
                loop.set_task_factory(asyncio.eager_task_factory)
                tasks += [asyncio.create_task(waiter(event)) for _ in range(3)]
                loop.set_task_factory(None)
            await asyncio.create_task(asyncio.sleep(0))  # a finished task is left out
            self.assertEqual(all_tasks(asyncio, loop), asyncio.all_tasks(loop))
            self.assertEqual(len(all_tasks(asyncio, loop)), len(tasks) + 1)
            self.assertFalse(all_tasks(asyncio, loop) & others)
            event.set()
            await asyncio.gather(*tasks)

        other_loop, started = asyncio.new_event_loop(), threading.Event()
        other_tasks = set()

        def run_other():  # a loop in another thread: its tasks are not this loop's
            asyncio.set_event_loop(other_loop)
            other_tasks.add(other_loop.create_task(asyncio.sleep(30)))
            other_loop.call_soon(started.set)
            other_loop.run_forever()

        thread = threading.Thread(target=run_other)
        thread.start()
        started.wait(10)
        try:
            asyncio.run(main(other_tasks))
        finally:
            other_loop.call_soon_threadsafe(other_loop.stop)
            thread.join(10)
            for task in other_tasks:
                task.cancel()
            other_loop.run_until_complete(asyncio.gather(*other_tasks, return_exceptions=True))
            other_loop.close()


class Cancel(unittest.TestCase):
    def test_cancel_a_task_and_keep_the_users_task_factory(self):
        path = program('task_factory_user.py')
        client = stopped_at_checkpoint(self, 'task_factory_user.py', agent_options=['--task-creation-stacks'])
        napper = tasks_by_name(tree_of(client))['napper']
        created = client.request('taskCreationStack', {'taskId': napper['id']})['frames']
        self.assertEqual(created[0], {'name': 'spawn', 'path': path, 'line': marker_line(path, 'SPAWN')})
        self.assertEqual(client.request('cancelTask', {'taskId': napper['id']}), {'cancelled': True})
        refused = client.request('cancelTask', {'taskId': 'tnothing'}, check=False)
        self.assertFalse(refused['success'])
        client.request('continue')
        code, out, _ = client.finish()
        self.assertEqual((code, out), (0, 'napper cancelled\nfactory calls 1\n'))


if __name__ == '__main__':
    unittest.main()

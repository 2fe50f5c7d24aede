"""Deadlocks in the suspension tree through the real protocol: a cycle through a gather, a shield,
tasks awaited directly, three tasks, a task that gathers itself, each reported on its members
only (the cycle search skips a task none of whose targets waits on anything: a gather of sleepers);
and a capped tree cut inside its second loop keeps the first tasks of the whole, every reference
to one left out dropped."""
import unittest

from tests.agent_client import tasks_by_name
from tests.test_tree import names_of, stopped_at_checkpoint, tree_of

CYCLES = {
    'gather-a': ['gather-b'], 'gather-b': ['gather-a'],
    'shield-a': ['shield-b'], 'shield-b': ['shield-a'],
    'ring-a': ['ring-b'], 'ring-b': ['ring-c'], 'ring-c': ['ring-a'],
    'self-gather': ['self-gather'],
}


class Cycles(unittest.TestCase):
    def test_each_cycle_is_reported_on_its_members_only(self):
        client = stopped_at_checkpoint(self, 'tree_cycles.py')
        tree = tree_of(client)
        tasks = tasks_by_name(tree)
        for name, awaits in CYCLES.items():
            awaiting = tasks[name]['awaiting']
            self.assertEqual(awaiting['kind'], 'deadlock', name)
            self.assertEqual(names_of(tree, awaiting['taskIds']), awaits, name)
            members = [other for other in CYCLES if other.split('-')[0] == name.split('-')[0]]
            for member in members:
                self.assertIn(member, awaiting['description'], name)
        for name, awaits in (('outside-ring', ['ring-a']), ('outside-outside', ['outside-ring'])):
            awaiting = tasks[name]['awaiting']
            self.assertEqual((awaiting['kind'], names_of(tree, awaiting['taskIds'])), ('task', awaits), name)
        awaiting = tasks['sleepers']['awaiting']
        self.assertEqual((awaiting['kind'], names_of(tree, awaiting['taskIds'])),
                         ('gather', ['sleeper-0', 'sleeper-1', 'sleeper-2']))


class CapAcrossLoops(unittest.TestCase):
    def test_every_cap_keeps_the_first_tasks_of_the_whole_across_both_loops(self):
        client = stopped_at_checkpoint(self, 'second_thread_loop.py')
        whole = tree_of(client)
        ids = [[task['id'] for task in loop['tasks']] for loop in whole['loops']]
        self.assertTrue(all(ids) and len(ids) == 2, ids)
        total = sum(map(len, ids))
        for shown in range(total):  # expand() fails on a reference to a task left out
            capped = tree_of(client, maxTasks=shown)
            self.assertEqual(capped['truncated'], {'shown': shown, 'total': total})
            kept = [[task['id'] for task in loop['tasks']] for loop in capped['loops']]
            self.assertEqual(kept, [ids[0][:shown], ids[1][:max(0, shown - len(ids[0]))]], shown)

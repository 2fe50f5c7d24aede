"""coroutineTreeChanged: announced when the tasks of a running loop come and go, without changing
what the program does."""
import unittest

from tests.agent_client import AgentClient, program


def tree_changes(client):
    return [e for e in client.events if e['event'] == 'coroutineTreeChanged']


class TreeChanges(unittest.TestCase):
    def test_announced_as_tasks_come_and_go(self):
        client = AgentClient([program('task_waves.py')])
        self.addCleanup(client.close)
        client.start()
        client.wait_event('exited', timeout=30)
        # The first wave appears, gives way to the second, which ends: at least two changes seen.
        self.assertGreaterEqual(len(tree_changes(client)), 2)
        code, out, _ = client.finish()
        self.assertEqual((code, out), (0, 'waves done\n'))


if __name__ == '__main__':
    unittest.main()

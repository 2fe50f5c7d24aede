"""`thread` events: each threading.Thread reports its start and end (a new id each, even when the OS
reuses an ident), an ended thread is no longer listed, and the program does what it does without us."""
import unittest

from tests.agent_client import AgentClient, marker_line, program, run_plain


class ThreadEvents(unittest.TestCase):
    def test_started_and_exited_for_each_thread_without_changing_the_program(self):
        path = program('thread_life.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(breakpoints={path: [marker_line(path, 'MARK: CHECKPOINT')]})
        client.stopped()
        events = [(e['body']['reason'], e['body']['threadId']) for e in client.events if e['event'] == 'thread']
        (first, second) = [thread_id for reason, thread_id in events if reason == 'started']
        self.assertEqual(events, [('started', first), ('exited', first), ('started', second), ('exited', second)])
        self.assertNotIn(1, (first, second))
        self.assertNotEqual(first, second)
        listed = [t['id'] for t in client.request('threads')['threads'] if t['id'] < 1000000]
        self.assertEqual(listed, [1], 'the ended workers are not listed')
        client.request('continue')
        code, out, err = client.finish()
        self.assertEqual((code, out, err), run_plain([path]))


if __name__ == '__main__':
    unittest.main()

"""The blocked-loop watchdog: it names the blocking line while the loop is blocked, reports the
duration once the loop runs again, and stays silent while the debugger holds the program."""
import time
import unittest

from tests.agent_client import AgentClient, marker_line, program


class Watchdog(unittest.TestCase):
    def test_names_the_blocking_line_of_a_tornado_handler(self):
        path = program('blocking_handler.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(options={'blockedLoopThresholdMs': 100})
        first = client.wait_event('blockedLoop')
        self.assertFalse(first['finished'])
        self.assertEqual(first['threadId'], 1)
        self.assertEqual((first['frames'][0]['name'], first['frames'][0]['line']), ('get', marker_line(path, 'BLOCKS')))
        self.assertGreaterEqual(first['durationMs'], 100)
        last = client.wait_event('blockedLoop')
        self.assertTrue(last['finished'])
        self.assertGreaterEqual(last['durationMs'], 150)  # 300 ms asleep, minus up to one ping interval
        self.assertLess(last['durationMs'], 2000)
        self.assertEqual(last['frames'][0]['line'], marker_line(path, 'BLOCKS'))
        code, out, _ = client.finish()
        self.assertEqual((code, out), (0, 'slept\n'))

    def test_zero_turns_it_off(self):
        client = AgentClient([program('blocking_handler.py')])
        self.addCleanup(client.close)
        client.start(options={'blockedLoopThresholdMs': 0})
        client.wait_event('exited')
        self.assertFalse([e for e in client.events if e['event'] == 'blockedLoop'])

    def test_silent_while_paused(self):
        path = program('paused_loop_callback.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(options={'blockedLoopThresholdMs': 50}, breakpoints={path: [marker_line(path, 'PAUSE_HERE')]})
        client.stopped()
        time.sleep(0.5)  # far beyond the threshold, with the loop thread held at the breakpoint
        client.request('continue')
        client.wait_event('exited')
        self.assertFalse([e for e in client.events if e['event'] == 'blockedLoop'])
        self.assertEqual(client.finish()[1], 'ticked\n')


if __name__ == '__main__':
    unittest.main()

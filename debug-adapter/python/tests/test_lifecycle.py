"""The program's end while the debugger holds it, disconnects in launch and attach, and the agent's
own failure paths: none of them may hang, change the exit code or raise into the program."""
import os
import socket
import time
import unittest

from tests.agent_client import AgentClient, listening_agent, marker_line, program

PAUSED = program('simple_loop.py')


class EndsWhilePaused(unittest.TestCase):
    """While paused every program thread is parked, so the program can end only from outside (a
    signal) or from the debugger itself (an evaluate that exits); neither may hang anything."""

    def paused(self):
        client = AgentClient([PAUSED])
        self.addCleanup(client.close)
        client.start(breakpoints={PAUSED: [2]})
        stop, frames = client.stopped()
        self.assertEqual(frames[0], ('add', 2))
        return client, client.stack(stop['threadId'])[0]['id']

    def test_os_exit_from_the_debug_console(self):
        client, frame_id = self.paused()
        client._send({'type': 'request', 'seq': 77, 'command': 'evaluate',
                      'arguments': {'expression': 'import os; os._exit(7)', 'frameId': frame_id, 'context': 'repl'}})
        self.assertEqual(client.finish()[0], 7)

    def test_sys_exit_from_the_debug_console_is_an_error_not_an_exit(self):
        client, frame_id = self.paused()
        for statement in ('import sys; sys.exit(3)', 'raise KeyboardInterrupt'):  # anything, not only an Exception
            answer = client.request('evaluate', {'expression': statement, 'frameId': frame_id, 'context': 'repl'}, check=False)
            self.assertFalse(answer['success'])
            self.assertRegex(answer['message'], '^(SystemExit: 3|KeyboardInterrupt)')
        client.request('setBreakpoints', {'path': PAUSED, 'breakpoints': []})
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)

    @unittest.skipUnless(hasattr(os, 'fork'), 'no fork here')
    def test_a_fork_from_the_debug_console_leaves_the_session_alone(self):
        client, frame_id = self.paused()
        child = int(client.request('evaluate', {'expression': "__import__('os').fork()", 'frameId': frame_id,
                                                 'context': 'repl'})['result'])
        self.addCleanup(_kill_quietly, child)  # holding the output pipes, a live child would hang finish()
        # The child (only the agent's thread, no program thread) must not read the parent's requests.
        for number in range(20):
            answer = client.request('evaluate', {'expression': '%d * 2' % number, 'frameId': frame_id}, timeout=5)
            self.assertEqual(answer['result'], str(number * 2))
        client.request('setBreakpoints', {'path': PAUSED, 'breakpoints': []})
        client.request('continue')
        self.assertEqual(client.finish(), (0, '[10, 11, 12]\n', ''))
        deadline = time.time() + 10
        while time.time() < deadline and os.path.exists('/proc/%d' % child) and not _is_zombie(child):
            time.sleep(0.05)
        self.assertTrue(not os.path.exists('/proc/%d' % child) or _is_zombie(child), 'the forked child ended')

    def test_killed_while_paused(self):
        client, _ = self.paused()
        client.process.terminate()
        self.assertEqual(client.finish()[0], -15)

    @unittest.skipUnless(hasattr(os, 'fork'), 'no fork here')
    def test_a_forked_child_runs_free(self):
        path = program('fork_child.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(breakpoints={path: [marker_line(path, 'WORK')]})
        stop, frames = client.stopped()
        self.assertEqual(frames[0][0], 'work')
        self.assertEqual(client.locals_of(client.stack(stop['threadId'])[0]['id']), {'who': "'parent'"})
        client.request('continue')
        self.assertEqual(client.wait_event('exited'), {'exitCode': 0})
        code, out, _ = client.finish()
        self.assertEqual(code, 0)
        self.assertEqual(out, 'work done by child\nwork done by parent child exit 0\n')
        self.assertEqual(len([e for e in client.events if e['event'] == 'stopped']), 1)


def _kill_quietly(pid):
    try:
        os.kill(pid, 9)
    except OSError:
        pass


def _is_zombie(pid):
    try:
        with open('/proc/%d/stat' % pid) as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


class Disconnect(unittest.TestCase):
    def test_launch_disconnect_terminates_the_program(self):
        client = AgentClient([program('idle_loop.py')])
        self.addCleanup(client.close)
        client.start()
        time.sleep(0.2)
        client.request('disconnect', {'terminate': True})
        self.assertNotEqual(client.finish()[0], 0)

    def test_adapter_vanishing_ends_a_launched_program(self):
        client = AgentClient([program('idle_loop.py')])
        self.addCleanup(client.close)
        client.start()
        client.sock.shutdown(socket.SHUT_RDWR)
        client.process.wait(20)
        self.assertIsNotNone(client.process.returncode)

    def test_attach_break_detach_and_the_program_runs_on(self):
        path = program('ticker.py')
        process, port, token, stop_file = listening_agent(self, path)
        client = AgentClient.attach(process, port, token)
        self.assertEqual(client.hello['role'], 'agent')
        client.start(breakpoints={path: [marker_line(path, 'TICK')]})
        stop, frames = client.stopped()
        self.assertEqual(frames[0][0], 'tick')
        self.assertGreater(int(client.locals_of(client.stack(stop['threadId'])[0]['id'])['count']), 0)
        client.detach()
        time.sleep(0.3)
        self.assertIsNone(process.poll(), 'detaching must leave the program running')
        again = AgentClient.attach(process, port, token)  # a second session works too
        self.assertEqual(again.request('evaluate', {'expression': '2 + 3'})['result'], '5')
        again.detach()
        open(stop_file, 'w').close()
        out, _ = process.communicate(timeout=20)
        self.assertEqual((process.returncode, out), (4, b'ticks True\n'))


class FailurePaths(unittest.TestCase):
    def setUp(self):
        self.client = AgentClient([program('idle_loop.py')])
        self.addCleanup(self.client.close)
        self.client.start()

    def test_bad_requests_get_errors_and_the_session_goes_on(self):
        client = self.client
        for command, arguments, reason in [
            ('stackTrace', {'threadId': 4242}, 'no thread'),
            ('scopes', {'frameId': 999}, 'not valid'),
            ('next', {'threadId': 1}, 'not stopped'),
            ('setExceptionBreakpoints', {'filters': ['sometimes']}, 'unknown exception filters'),
            ('exceptionInfo', {'threadId': 1}, 'not stopped on an exception'),
        ]:
            answer = client.request(command, arguments, check=False)
            self.assertFalse(answer['success'], command)
            self.assertIn(reason, answer['message'], command)
        client._send({'type': 'request', 'seq': 900, 'command': 'fly', 'arguments': {}})
        error = client.wait_event('agentError')
        self.assertIn("unknown command 'fly'", error['message'])
        client._send({'type': 'request', 'seq': 901, 'command': 'stackTrace', 'arguments': {}})
        self.assertIn("lacks required field 'threadId'", client.wait_event('agentError')['message'])
        self.assertEqual(client.request('evaluate', {'expression': '6 * 7'})['result'], '42')
        client.request('disconnect', {'terminate': True})


if __name__ == '__main__':
    unittest.main()

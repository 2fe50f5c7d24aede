"""Stepping in coroutines: step over an await stays in the same coroutine while another task runs
(and that task's breakpoints still stop), step in enters an awaited coroutine, step out of a
coroutine lands in the coroutine that awaits it."""
import unittest

from tests.agent_client import AgentClient, marker_line, program

PATH = program('async_stepping.py')


def line(marker):
    return marker_line(PATH, marker)


class AsyncStepping(unittest.TestCase):
    def launch(self, lines):
        client = AgentClient([PATH])
        self.addCleanup(client.close)
        client.start(breakpoints={PATH: lines})
        return client

    def step(self, client, command, thread_id=1):
        client.request(command, {'threadId': thread_id})
        stop, frames = client.stopped()
        self.assertEqual(stop['reason'], 'step')
        return frames

    def test_over_await_in_out_and_back_to_the_awaiter(self):
        client = self.launch([line('STEP_START')])
        _, frames = client.stopped()
        self.assertEqual(frames[0], ('stepper', line('STEP_START')))
        self.assertEqual(self.step(client, 'next')[0], ('stepper', line('STEP_AWAIT')))
        # The worker task runs dozens of lines during this sleep; the step still lands here:
        self.assertEqual(self.step(client, 'next')[0], ('stepper', line('STEP_AFTER_AWAIT')))
        self.assertEqual(self.step(client, 'next')[0], ('stepper', line('STEP_CALL')))
        frames = self.step(client, 'stepIn')
        self.assertEqual(frames[:2], [('child', line('CHILD_FIRST')), ('stepper', line('STEP_CALL'))])
        self.assertEqual(self.step(client, 'next')[0], ('child', line('CHILD_FIRST') + 1))
        self.assertEqual(self.step(client, 'next')[0], ('child', line('CHILD_RETURN')))
        self.assertEqual(self.step(client, 'stepOut')[0], ('stepper', line('STEP_RETURN')))
        # stepper is a task's root coroutine awaited through gather by main: returning lands in main.
        self.assertEqual(self.step(client, 'next')[0][0], 'main')
        client.request('continue')
        code, out, _ = client.finish()
        self.assertEqual((code, out), (0, '[5, 780]\n'))

    def test_breakpoints_of_other_tasks_stop_during_a_step_over_await(self):
        client = self.launch([line('STEP_AWAIT'), line('WORKER_LINE')])
        stop, frames = client.stopped()
        while frames[0][0] != 'stepper':  # the worker may get there first
            client.request('continue')
            stop, frames = client.stopped()
        client.request('next', {'threadId': stop['threadId']})
        stop, frames = client.stopped()
        self.assertEqual(stop['reason'], 'breakpoint')
        self.assertEqual(frames[0], ('worker', line('WORKER_LINE')))
        client.request('setBreakpoints', {'path': PATH, 'breakpoints': []})
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)

    def test_step_over_on_a_suspended_tasks_pseudo_thread(self):
        client = self.launch([line('WORKER_LINE')])
        client.stopped()
        client.request('setBreakpoints', {'path': PATH, 'breakpoints': []})
        threads = client.request('threads')['threads']
        (stepper,) = [t for t in threads if t['name'].startswith('Task') and
                      client.stack(t['id']) and client.stack(t['id'])[-1]['name'] == 'stepper']
        self.assertEqual(client.stack(stepper['id'])[-1]['line'], line('STEP_AWAIT'))
        client.request('next', {'threadId': stepper['id']})
        _, frames = client.stopped()
        self.assertEqual(frames[0], ('stepper', line('STEP_AFTER_AWAIT')))
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)


if __name__ == '__main__':
    unittest.main()

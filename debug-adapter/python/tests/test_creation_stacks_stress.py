"""Task creation stacks turned on and off many times while three threads create tasks in their own
loops without pause (programs/creation_switch_stress.py): no exception reaches the program, the agent
reports no error of its own, and a task has a creation record exactly when it was made while
recording was on. A task made while a switch was under way may go either way; the test checks that
many tasks fall clearly on each side, so that it can fail."""
import json
import os
import shutil
import tempfile
import time
import unittest

from tests.agent_client import AgentClient, marker_line, program, tasks_by_name
from tests.test_tree import expand

SWITCHES = 40


def switch_intervals(switches, end):
    """[(start, end, state)] of the times when recording was surely on (True) or off (False), from
    [(request sent, response received, state asked for)]: from one response to the next request."""
    intervals = [(float('-inf'), switches[0][0], False)]  # off by default until the first switch
    for (_, done, state), following in zip(switches, switches[1:] + [(end, None, None)]):
        intervals.append((done, following[0], state))
    return intervals


class SwitchedWhileThreadsCreate(unittest.TestCase):
    def test_records_exist_exactly_for_tasks_made_while_on(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        results, stop, ready = (os.path.join(folder, name) for name in ('results.json', 'stop', 'ready'))
        path = program('creation_switch_stress.py')
        client = AgentClient([path, results, stop, ready])
        self.addCleanup(client.close)
        client.start(breakpoints={path: [marker_line(path, 'CHECK')]})
        deadline = time.monotonic() + 20
        while not os.path.exists(ready):
            self.assertLess(time.monotonic(), deadline, 'the program made no tasks')
            time.sleep(0.01)
        switches = []
        for number in range(SWITCHES):
            sent = time.monotonic()
            self.assertEqual(client.request('setTaskCreationStacks', {'enabled': number % 2 == 0}), {})
            switches.append((sent, time.monotonic(), number % 2 == 0))
            time.sleep(0.004 * (1 + number % 5))  # uneven gaps: switches land at different points of a creation
        open(stop, 'w').close()
        end = time.monotonic()  # recording stays as the last switch left it (off) from here on
        client.stopped()
        with open(results) as file:
            made = json.load(file)
        self.assertEqual(made['failures'], [])
        tasks = tasks_by_name(expand(client.request('coroutineTree')))
        intervals = switch_intervals(switches, end)
        verdicts = {True: 0, False: 0}
        for name, (before, after) in made['created'].items():
            surely = [state for start, stop_at, state in intervals if start <= before and after <= stop_at]
            response = client.request('taskCreationStack', {'taskId': tasks[name]['id']}, check=False)
            if not surely:
                continue  # made while a switch was under way
            verdicts[surely[0]] += 1
            if surely[0]:
                self.assertTrue(response['success'], (name, response.get('message')))
                innermost = response['body']['frames'][0]['name']
                self.assertIn(innermost, ('<lambda>', 'create_then_raise'), name)
            else:
                self.assertFalse(response['success'], name)
                self.assertIn('not recorded', response['message'])
        self.assertGreater(verdicts[True], 100, verdicts)
        self.assertGreater(verdicts[False], 100, verdicts)
        client.request('continue')
        code, out, err = client.finish()
        self.assertEqual((code, err), (0, ''), out)
        self.assertEqual([e['body'] for e in client.events if e['event'] == 'agentError'], [])


if __name__ == '__main__':
    unittest.main()

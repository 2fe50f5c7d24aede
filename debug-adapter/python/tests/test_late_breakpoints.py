"""Breakpoints set while the program runs reach code that started before them: on 3.12+ only the
code of files with breakpoints gets LINE events (tracer_monitoring.py), so code already running, or
suspended in a coroutine, must be found when the breakpoints arrive or when it resumes."""
import os
import shutil
import sys
import tempfile
import time
import unittest

from tests.agent_client import AgentClient, marker_line, program

PROGRAM = program('late_breakpoints.py')


class LateBreakpoints(unittest.TestCase):
    def setUp(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, True)
        self.stop_file = os.path.join(directory, 'stop')
        self.client = AgentClient([PROGRAM, self.stop_file])
        self.addCleanup(self.client.close)
        self.client.start()  # no breakpoint, no step: nothing is traced at all

    def wait_for_file(self, path):
        deadline = time.monotonic() + 20
        while not os.path.exists(path):
            self.assertLess(time.monotonic(), deadline, '%s never appeared' % path)
            time.sleep(0.02)
        time.sleep(0.1)  # well inside the loop by now

    def stop_at(self, marker):
        line = marker_line(PROGRAM, marker)
        self.client.request('setBreakpoints', {'path': PROGRAM, 'breakpoints': [{'line': line}]})
        stop, frames = self.client.stopped()
        self.assertEqual(stop['reason'], 'breakpoint')
        return frames[0], line

    def finish_without_stopping_again(self):
        self.client.request('setBreakpoints', {'path': PROGRAM, 'breakpoints': []})
        open(self.stop_file, 'w').close()
        self.client.request('continue')
        code, out, _ = self.client.finish()
        self.assertEqual((code, out), (0, 'done True\n'))
        self.assertEqual(len([e for e in self.client.events if e['event'] == 'stopped']), 1,
                         'a removed breakpoint stops nothing')

    def test_a_coroutine_suspended_before_the_breakpoint_stops_when_it_resumes(self):
        self.wait_for_file(self.stop_file + '.polling')
        top, line = self.stop_at('POLL')
        self.assertEqual(top, ('poll', line))
        self.finish_without_stopping_again()

    @unittest.skipIf(sys.version_info < (3, 12), 'settrace cannot reach a thread already running plain code '
                     '(docs/architecture-agent.md, "How tracing stays cheap")')
    def test_a_loop_running_before_the_breakpoint_stops_at_its_next_turn(self):
        self.wait_for_file(self.stop_file + '.spinning')
        top, line = self.stop_at('SPIN')
        self.assertEqual(top, ('spin', line))
        self.finish_without_stopping_again()


if __name__ == '__main__':
    unittest.main()

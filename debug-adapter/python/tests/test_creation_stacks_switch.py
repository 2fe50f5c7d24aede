"""--no-task-creation-stacks (the launch configuration's "taskCreationStacks": false): create_task is
left as asyncio made it, and the tree and taskCreationStack say that creation is not recorded, and
why. Each check is made on a session with creation stacks on too, so that it can fail."""
import contextlib
import io
import unittest

from coroutine_lens_agent import command_line
from tests.agent_client import AgentClient, marker_line, program, tasks_by_name
from tests.test_tree import expand

# Which hook records creations: a sys.monitoring tool of ours (3.12+) or a wrapper (3.9-3.11).
RECORDER = ("(getattr(__import__('asyncio').base_events.BaseEventLoop.create_task, '_coroutine_lens', False), "
            "[__import__('sys').monitoring.get_tool(t) for t in range(6)] if hasattr(__import__('sys'), 'monitoring') else [])")


class CreationStacksOff(unittest.TestCase):
    def session(self, agent_options):
        path = program('tree_constructs.py')
        client = AgentClient([path], agent_options=agent_options)
        self.addCleanup(client.close)
        client.start(breakpoints={path: [marker_line(path, 'CHECKPOINT')]})
        body, _ = client.stopped()
        frame_id = client.stack(body['threadId'])[0]['id']
        wire = client.request('coroutineTree')
        created = client.request('taskCreationStack', {'taskId': tasks_by_name(expand(wire))['chain']['id']}, check=False)
        recorder = client.request('evaluate', {'expression': RECORDER, 'frameId': frame_id})['result']
        client.request('continue')
        self.assertEqual(client.finish()[0], 0)
        return wire, created, recorder

    def test_creation_is_not_recorded_and_the_tree_says_why(self):
        on_wire, on_created, on_recorder = self.session(())
        off_wire, off_created, off_recorder = self.session(['--no-task-creation-stacks'])

        self.assertNotIn('creationNotRecorded', on_wire)
        self.assertIn('"taskCreationStacks": false', off_wire['creationNotRecorded'])
        # The rest of the tree is what it always is.
        self.assertEqual(sorted(tasks_by_name(expand(off_wire))), sorted(tasks_by_name(expand(on_wire))))

        self.assertTrue(on_created['success'])
        self.assertFalse(off_created['success'])
        self.assertIn('was not recorded', off_created['message'])
        self.assertIn('--no-task-creation-stacks', off_created['message'])

        self.assertTrue(on_recorder.startswith('(True,') or 'coroutine-lens-creations' in on_recorder, on_recorder)
        self.assertTrue(off_recorder.startswith('(False,') and 'coroutine-lens-creations' not in off_recorder, off_recorder)


class TheFlag(unittest.TestCase):
    def parse(self, *argv):
        return command_line.parse(['--connect', '127.0.0.1:9'] + list(argv) + ['program.py'])

    def test_off_only_when_given(self):
        self.assertFalse(self.parse().no_task_creation_stacks)
        self.assertTrue(self.parse('--no-task-creation-stacks').no_task_creation_stacks)
        self.assertTrue(self.parse('--no-task').no_task_creation_stacks)  # a unique prefix, as argparse allows

    def test_a_value_for_the_flag_is_a_usage_error(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit) as exit:
            self.parse('--no-task-creation-stacks=yes')
        self.assertEqual(exit.exception.code, 2)
        self.assertIn("argument --no-task-creation-stacks: ignored explicit argument 'yes'", stderr.getvalue())


if __name__ == '__main__':
    unittest.main()

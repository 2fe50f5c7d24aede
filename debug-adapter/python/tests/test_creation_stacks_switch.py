"""Task creation stacks are off by default (no --task-creation-stacks; the launch configuration's
"taskCreationStacks" is false unless set): create_task is left as asyncio made it, and the tree and
taskCreationStack say that creation is not recorded, and why; setTaskCreationStacks turns recording
on and off while the program runs. Each check is made with creation stacks on too, so that it can
fail."""
import asyncio.base_events
import contextlib
import io
import time
import unittest

from coroutine_lens_agent import command_line
from tests.agent_client import AgentClient, listening_agent, marker_line, program, tasks_by_name
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
        on_wire, on_created, on_recorder = self.session(['--task-creation-stacks'])
        off_wire, off_created, off_recorder = self.session(())

        self.assertNotIn('creationNotRecorded', on_wire)
        self.assertIn('task creation stacks are off', off_wire['creationNotRecorded'])
        # The rest of the tree is what it always is.
        self.assertEqual(sorted(tasks_by_name(expand(off_wire))), sorted(tasks_by_name(expand(on_wire))))

        self.assertTrue(on_created['success'])
        self.assertFalse(off_created['success'])
        self.assertIn('was not recorded', off_created['message'])
        self.assertIn('task creation stacks are off', off_created['message'])

        self.assertTrue(on_recorder.startswith('(True,') or 'coroutine-lens-creations' in on_recorder, on_recorder)
        self.assertTrue(off_recorder.startswith('(False,') and 'coroutine-lens-creations' not in off_recorder, off_recorder)


class TurnedOnAndOffWhileRunning(unittest.TestCase):
    """Launched with recording off; on before the second task is made, off again before the third."""

    def test_only_tasks_made_while_on_have_a_record_and_records_outlive_turning_off(self):
        path = program('creation_toggle.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        markers = ('FIRST', 'SECOND', 'THIRD')
        client.start(breakpoints={path: [marker_line(path, marker) for marker in markers]})
        seen = {}
        for marker, turn_on in zip(markers, (True, False, None)):
            body, _ = client.stopped()
            frame_id = client.stack(body['threadId'])[0]['id']
            wire = client.request('coroutineTree')
            created = {name: client.request('taskCreationStack', {'taskId': task['id']}, check=False)
                       for name, task in tasks_by_name(expand(wire)).items() if name in ('first', 'second', 'third')}
            recorder = client.request('evaluate', {'expression': RECORDER, 'frameId': frame_id})['result']
            seen[marker] = wire, created, recorder
            if turn_on is not None:
                self.assertEqual(client.request('setTaskCreationStacks', {'enabled': turn_on}), {})
                # Still paused: the tree captured at this stop says at once whether they are on.
                self.assertEqual('creationNotRecorded' in client.request('coroutineTree'), not turn_on)
            client.request('continue')
        self.assertEqual(client.finish()[0], 0)

        wire, created, recorder = seen['FIRST']
        self.assertIn('task creation stacks are off', wire['creationNotRecorded'])
        self.assertFalse(created['first']['success'])
        self.assertTrue(recorder.startswith('(False,') and 'coroutine-lens-creations' not in recorder, recorder)

        wire, created, recorder = seen['SECOND']  # on since FIRST
        self.assertNotIn('creationNotRecorded', wire)
        self.assertFalse(created['first']['success'])
        self.assertIn('while task creation stacks were off', created['first']['message'])
        self.assertTrue(created['second']['success'], created['second'])
        self.assertEqual([(f['name'], f['line']) for f in created['second']['body']['frames']][:1],
                         [('main', marker_line(path, 'FIRST') + 1)])
        self.assertTrue(recorder.startswith('(True,') or 'coroutine-lens-creations' in recorder, recorder)

        wire, created, recorder = seen['THIRD']  # off since SECOND
        self.assertIn('task creation stacks are off', wire['creationNotRecorded'])
        self.assertTrue(created['second']['success'], 'a record made while on stays')
        self.assertFalse(created['third']['success'])
        self.assertIn('task creation stacks are off', created['third']['message'])
        self.assertTrue(recorder.startswith('(False,') and 'coroutine-lens-creations' not in recorder, recorder)


class CreateTaskReplacedByTheProgram(unittest.TestCase):
    """The program wraps create_task itself after recording was turned on (a wrapper of the agent's
    is then under the program's, where it cannot be taken out), with functools.wraps (which copies
    the agent's mark and asyncio's name onto it) and a decorator that wraps another function too,
    with and without the sys.monitoring tool ids the agent records with: off stops recording all the
    same and leaves the program's wrapper in place, on again records each task once, and the
    decorator's other function costs no error."""

    def records(self, *program_args):
        path = program('creation_replaced.py')
        client = AgentClient([path] + list(program_args))
        self.addCleanup(client.close)
        markers = ('ON', 'OFF', 'ON_AGAIN', 'END')
        client.start(breakpoints={path: [marker_line(path, marker) for marker in markers]})
        for marker, turn_on in zip(markers, (True, False, True, None)):
            client.stopped()
            if turn_on is None:
                break
            client.request('setTaskCreationStacks', {'enabled': turn_on})
            client.request('continue')
        tasks = tasks_by_name(expand(client.request('coroutineTree')))
        created = {}
        for name in 'abcde':
            response = client.request('taskCreationStack', {'taskId': tasks[name]['id']}, check=False)
            created[name] = [f['name'] for f in response['body']['frames']] if response['success'] else None
        client.request('continue')
        code, out, err = client.finish()
        self.assertEqual((code, out, err), (0, "[('create_task', 3), ('unrelated', 2)]\n", ''))
        self.assertEqual([e['body'] for e in client.events if e['event'] == 'agentError'], [])
        return created

    def check(self, created):
        self.assertEqual({name for name, frames in created.items() if frames}, {'b', 'c', 'e'}, created)
        for name in 'bce':  # c through the program's wrapper: user code, but named asyncio's by functools.wraps
            self.assertEqual([frame for frame in created[name] if frame != 'create_task'][0], 'main', name)

    def test_with_the_tool_ids_free(self):
        self.check(self.records())

    def test_with_the_tool_ids_taken_by_the_program(self):
        self.check(self.records('--take-tools'))


class SwitchedBeforeAsyncioIsImported(unittest.TestCase):
    """Turned on, or on and off, while asyncio is not imported: asyncio's import then records or
    leaves create_task alone, as the last switch said."""

    def created_after(self, switches):
        path = program('creation_before_asyncio.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(breakpoints={path: [marker_line(path, 'BEFORE'), marker_line(path, 'AFTER')]})
        client.stopped()
        for enabled in switches:
            client.request('setTaskCreationStacks', {'enabled': enabled})
        client.request('continue')
        body, _ = client.stopped()
        frame_id = client.stack(body['threadId'])[0]['id']
        task = tasks_by_name(expand(client.request('coroutineTree')))['late']
        created = client.request('taskCreationStack', {'taskId': task['id']}, check=False)
        recorder = client.request('evaluate', {'expression': RECORDER, 'frameId': frame_id})['result']
        client.request('continue')
        code, out, err = client.finish()
        self.assertEqual((code, out, err), (0, 'asyncio imported: False\n', ''))
        self.assertEqual([e['body'] for e in client.events if e['event'] == 'agentError'], [])
        return created, recorder

    def test_on_records_once_asyncio_is_imported(self):
        for switches in ([True], [True, False, True]):
            created, recorder = self.created_after(switches)
            self.assertTrue(created['success'], (switches, created))
            self.assertEqual(created['body']['frames'][0]['name'], 'main')
            self.assertTrue(recorder.startswith('(True,') or 'coroutine-lens-creations' in recorder, recorder)

    def test_on_then_off_leaves_create_task_alone(self):
        created, recorder = self.created_after([True, False])
        self.assertFalse(created['success'])
        self.assertIn('task creation stacks are off', created['message'])
        self.assertTrue(recorder.startswith('(False,') and 'coroutine-lens-creations' not in recorder, recorder)


class SwitchedWhileAsyncioIsImported(unittest.TestCase):
    """Turned on while the program is inside asyncio.base_events' body (paused at a breakpoint there:
    the few milliseconds of a real import, made to last): the agent waits for the import to end and
    records from then on, where it once patched the half-built module and failed (agentError, and
    "on" with nothing recorded)."""

    def test_on_records_once_the_import_ends(self):
        base_events = asyncio.base_events.__file__  # the program's: it runs on this Python
        path = program('creation_before_asyncio.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(breakpoints={base_events: [marker_line(base_events, '_MIN_SCHEDULED_TIMER_HANDLES =', prefix=True)],
                                  path: [marker_line(path, 'IMPORTED'), marker_line(path, 'AFTER')]})
        body, _ = client.stopped()
        self.assertEqual(client.stack(body['threadId'])[0]['path'], base_events)
        client.request('setTaskCreationStacks', {'enabled': True})
        client.request('continue')
        client.stopped()  # IMPORTED: asyncio's import has ended, no task made yet
        client.request('continue')
        client.stopped()  # AFTER
        task = tasks_by_name(expand(client.request('coroutineTree')))['late']
        created = client.request('taskCreationStack', {'taskId': task['id']}, check=False)
        client.request('continue')
        self.assertEqual(client.finish(), (0, 'asyncio imported: False\n', ''))
        self.assertEqual([e['body'] for e in client.events if e['event'] == 'agentError'], [])
        self.assertTrue(created['success'], created)
        self.assertEqual(created['body']['frames'][0]['name'], 'main')


class AttachedSessions(unittest.TestCase):
    """An agent started by hand with --listen and no --task-creation-stacks: a session may turn
    recording on, and when it detaches the agent goes back to what its command line said, so the
    program runs on without paying for records nobody asked for; records made stay."""

    def test_a_session_s_switch_ends_with_it(self):
        process, port, token, stop_file = listening_agent(self, program('creation_ticker.py'))

        def session():
            client = AgentClient.attach(process, port, token)
            client.start()
            return client, client.request('coroutineTree'), client.request('evaluate', {'expression': RECORDER})['result']

        first, wire, recorder = session()
        self.assertIn('creationNotRecorded', wire)
        self.assertTrue(recorder.startswith('(False,') and 'coroutine-lens-creations' not in recorder, recorder)
        first.request('setTaskCreationStacks', {'enabled': True})
        time.sleep(0.05)
        recorder = first.request('evaluate', {'expression': RECORDER})['result']
        self.assertTrue(recorder.startswith('(True,') or 'coroutine-lens-creations' in recorder, recorder)
        first.detach()
        time.sleep(0.2)
        second, wire, recorder = session()
        self.assertIn('creationNotRecorded', wire)
        self.assertTrue(recorder.startswith('(False,') and 'coroutine-lens-creations' not in recorder, recorder)
        self.assertEqual([e['body'] for e in first.events + second.events if e['event'] == 'agentError'], [])
        second.detach()
        open(stop_file, 'w').close()
        out, err = process.communicate(timeout=20)
        self.assertEqual((process.returncode, out, err), (0, b'done\n', b''))


class TheFlag(unittest.TestCase):
    def parse(self, *argv):
        return command_line.parse(['--connect', '127.0.0.1:9'] + list(argv) + ['program.py'])

    def test_on_only_when_given(self):
        self.assertFalse(self.parse().task_creation_stacks)
        self.assertTrue(self.parse('--task-creation-stacks').task_creation_stacks)
        self.assertTrue(self.parse('--task').task_creation_stacks)  # a unique prefix, as argparse allows

    def test_a_value_for_the_flag_is_a_usage_error(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit) as exit:
            self.parse('--task-creation-stacks=yes')
        self.assertEqual(exit.exception.code, 2)
        self.assertIn("argument --task-creation-stacks: ignored explicit argument 'yes'", stderr.getvalue())


if __name__ == '__main__':
    unittest.main()

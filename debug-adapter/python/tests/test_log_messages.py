"""Logpoint messages: `{expression}` fields formatted as an f-string formats them (`!r`, `!s`, `!a`,
`:format` with nested fields, `=`), `{{` / `}}` as literal braces, a failing field logged as
`<error text>` without losing the others; and through the real agent, a logpoint's output event."""
import sys
import unittest

from coroutine_lens_agent.breakpoints import Breakpoint
from tests.agent_client import AgentClient, program


def logged(message, **names):
    frame = sys._getframe()
    frame.f_globals.update(names)  # unittest's module globals: the names the fields read
    try:
        action, text = Breakpoint(1, log_message=message).decide(frame)
    finally:
        for name in names:
            del frame.f_globals[name]
    assert action == 'log', action
    return text


class LogMessageFields(unittest.TestCase):
    def test_conversions_and_format_specs_as_an_f_string(self):
        self.assertEqual(logged('{word!r} {word!s} {word!a}', word='é'), "'é' é '\\xe9'\n")
        self.assertEqual(logged('[{n:>5}] [{n:05.1f}] [{n:{width}}]', n=2.5, width=4), '[  2.5] [002.5] [ 2.5]\n')
        self.assertEqual(logged('{n=} {n = !r}', n=3), 'n=3 n = 3\n')
        self.assertEqual(logged('{table["a:b"]} {table["}"]!r}', table={'a:b': 1, '}': 'x'}), "1 'x'\n")
        self.assertEqual(logged('{n != 3} {[n, n][0]:>3}', n=3), 'False   3\n')

    def test_doubled_braces_are_literal(self):
        self.assertEqual(logged('{{n}} = {n} }} {{', n=7), '{n} = 7 } {\n')

    def test_a_failing_field_logs_its_error_and_the_others_still_format(self):
        text = logged('{missing} {n!r} {n:%%%} {n!x}', n=1)
        self.assertTrue(text.startswith("<NameError: name 'missing' is not defined> 1 <ValueError: "), text)
        self.assertIn('<SyntaxError: ', text.rsplit('> ', 1)[1])

    def test_text_that_is_no_field_stays_as_written(self):
        self.assertEqual(logged('{} {  } alone } {unclosed'), '{} {  } alone } {unclosed\n')


class LogpointThroughTheAgent(unittest.TestCase):
    def test_logpoint_output_formats_fields(self):
        path = program('simple_loop.py')
        client = AgentClient([path])
        self.addCleanup(client.close)
        client.start(breakpoints={path: [{'line': 3, 'logMessage': '{{total}}={total!r:>4} {a!r}'}]})
        client.wait_event('exited')
        outputs = [e['body']['output'] for e in client.events if e['event'] == 'output']
        self.assertEqual(outputs, ['{total}=  10 0\n', '{total}=  11 1\n', '{total}=  12 2\n'])
        self.assertEqual(client.finish()[1], '[10, 11, 12]\n')


if __name__ == '__main__':
    unittest.main()

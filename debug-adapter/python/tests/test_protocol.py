"""The golden protocol messages (test/fixtures/protocol) against protocol.py, the agent's mirror of
debug-adapter/src/agentProtocol.ts; the unit tier checks the same files against the TypeScript side."""
import json
import os
import unittest

from coroutine_lens_agent import protocol

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test', 'fixtures', 'protocol')


def load(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as fixture:
        return json.load(fixture)


class GoldenMessages(unittest.TestCase):
    def setUp(self):
        self.files = sorted(f for f in os.listdir(FIXTURES) if f.endswith('.json'))

    def test_every_command_and_event_has_a_fixture(self):
        commands = [f[len('command-'):-len('.json')] for f in self.files if f.startswith('command-')]
        events = [f[len('event-'):-len('.json')] for f in self.files if f.startswith('event-')]
        self.assertEqual(sorted(commands), sorted(protocol.REQUESTS))
        self.assertEqual(sorted(events), sorted(protocol.EVENTS))

    def test_commands_conform(self):
        for name in (f for f in self.files if f.startswith('command-')):
            with self.subTest(name):
                pair = load(name)
                protocol.validate_message(pair['request'])
                protocol.validate_message(pair['response'])
                self.assertEqual(pair['response']['requestSeq'], pair['request']['seq'])
                body_fields = protocol.REQUESTS[pair['request']['command']][1]
                protocol.check_fields('response body', pair['response']['body'], body_fields)

    def test_events_and_hellos_conform(self):
        for name in (f for f in self.files if f.startswith(('event-', 'hello-', 'response-'))):
            with self.subTest(name):
                protocol.validate_message(load(name))

    def test_round_trip_through_the_line_codec(self):
        for name in (f for f in self.files if f.startswith('event-')):
            message = load(name)
            line = protocol.encode(message)
            self.assertTrue(line.endswith(b'\n'))
            self.assertEqual(line.count(b'\n'), 1, 'a message must be one line even with newlines inside')
            self.assertEqual(protocol.decode(line), message)

    def test_the_compact_tree_fixture_stands_for_the_expanded_one(self):
        from tests.test_tree import expand
        wire = load('command-coroutineTree.json')['response']['body']
        self.assertEqual(expand(wire), load('tree-expanded.json'))

    def test_raw_json_bodies_are_spliced_verbatim(self):
        line = protocol.encode(protocol.response(3, protocol.RawJSON('{"capturedAt":1,"loops":[]}')))
        self.assertEqual(json.loads(line), {'type': 'response', 'requestSeq': 3, 'success': True,
                                            'body': {'capturedAt': 1, 'loops': []}})

    def test_bad_messages_are_refused_with_a_reason(self):
        cases = [
            (b'not json\n', 'not a JSON line'),
            (b'{"type":"request","seq":1,"command":"stackTrace","arguments":{}}\n', "lacks required field 'threadId'"),
            (b'{"type":"request","seq":1,"command":"nope","arguments":{}}\n', 'unknown command'),
            (b'{"type":"event","event":"exited","body":{"exitCode":true}}\n', 'must be a number'),
        ]
        for line, reason in cases:
            with self.subTest(line):
                with self.assertRaises(protocol.ProtocolError) as caught:
                    protocol.decode(line)
                self.assertIn(reason, str(caught.exception))


if __name__ == '__main__':
    unittest.main()

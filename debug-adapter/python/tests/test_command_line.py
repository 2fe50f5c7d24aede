"""The agent's command line against the argparse parser it replaced (the oracle, built here as it
was): on every command line below, the same options, or the same message on the same stream and
the same exit code."""
import argparse
import contextlib
import io
import itertools
import os
import unittest
from unittest import mock

from coroutine_lens_agent import command_line
from coroutine_lens_agent.connection import parse_address


def argparse_parse(argv):
    parser = argparse.ArgumentParser(
        prog='coroutine_lens_agent', description='Run a Python program under the Coroutine Lens agent.')
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument('--connect', metavar='127.0.0.1:PORT', help='dial a launching debug adapter')
    where.add_argument('--listen', metavar='127.0.0.1:PORT', help='wait for an attaching debug adapter')
    parser.add_argument('--token-file', metavar='FILE',
                        help='attach token: read from FILE, or created there (mode 600) when FILE does not exist')
    parser.add_argument('--wait-for-client', action='store_true',
                        help='with --listen: run the program only once an adapter is configured')
    parser.add_argument('--task-creation-stacks', action='store_true',
                        help='record where each asyncio task is created from the start (each task then costs a record)')
    parser.add_argument('-m', dest='module', metavar='MODULE', help='run a library module as a script')
    parser.add_argument('rest', nargs=argparse.REMAINDER, help='program.py and its arguments')
    options = parser.parse_args(argv)
    rest = options.rest
    if rest and rest[0] == '--':
        rest = rest[1:]
    if options.module is None and len(rest) >= 2 and rest[0] == '-m':
        options.module, rest = rest[1], rest[2:]
    if options.module is None and not rest:
        parser.error('a program path or -m MODULE is required')
    options.rest = rest
    try:
        options.address = parse_address(options.connect or options.listen)
    except ValueError as error:
        parser.error(str(error))
    return options


FIELDS = ('connect', 'listen', 'token_file', 'module', 'wait_for_client', 'task_creation_stacks', 'rest', 'address')
WORDS = ('--connect', '--con=127.0.0.1:3', '127.0.0.1:1', '--listen', '--l', '--', '-m', '-mmod', '-m=mod',
         'prog.py', '-', '--token-file', '--tok=-', '-5', '-1.5', '-a b', '--wait', '--task-creation-stacks',
         '--ta=1', '-h', '--he', '-h=1', '-x', '--x', '---', '')


def outcome(parse, argv):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            options = parse(list(argv))
        except SystemExit as end:
            return end.code, stdout.getvalue(), stderr.getvalue()
    return tuple(getattr(options, name) for name in FIELDS)


class AsArgparseReadIt(unittest.TestCase):
    def setUp(self):
        columns = mock.patch.dict(os.environ, {'COLUMNS': '80'})  # argparse wraps its usage to the terminal
        columns.start()
        self.addCleanup(columns.stop)

    def assert_same(self, argv_list):
        for argv in argv_list:
            self.assertEqual(outcome(command_line.parse, argv), outcome(argparse_parse, argv), argv)

    def test_the_adapters_command_lines_and_their_forms(self):
        self.assert_same([
            ['--connect', '127.0.0.1:9', '--', 'prog.py', 'a', '-m', '--connect'],
            ['--connect', '127.0.0.1:9', '--', '-m', 'pkg.mod', 'x'],
            ['--connect', '127.0.0.1:9', '--task-creation-stacks', '--', 'prog.py'],
            ['--listen=127.0.0.1:9', '--token-file', '-', '--wait-for-client', 'prog.py', '-h'],
            ['--listen', 'localhost:9', '-m', 'pkg', '--wait'],
            ['--connect', '127.0.0.1:9', '-mpkg', 'arg'],
            ['--connect', '127.0.0.1:9', '-m=pkg', 'arg'],
            ['--connect', '127.0.0.1:9', '-5.5'],
            ['--connect', '127.0.0.1:9', '--token-file', '-7', 'prog.py'],
            ['--connect', '127.0.0.1:9', '--token-file', 'a file', 'prog.py'],
            ['--connect', '127.0.0.1:9', '-m'],
            ['--connect', '127.0.0.1:9', '--wait-for-client=1', 'prog.py'],
            ['--connect', '127.0.0.1:9', '--listen', '127.0.0.1:9', 'prog.py'],
            ['--connect', '10.0.0.1:9', 'prog.py'],
            ['--connect', '127.0.0.1:9', '--bogus', 'prog.py'],
            ['--connect', '127.0.0.1:9'],
            ['prog.py'],
            ['--connect', '127.0.0.1:9', '--help'],
            ['-h', '--connect'],
        ])

    def test_every_short_command_line_of_these_words(self):
        lines = [words for length in range(1, 4) for words in itertools.product(WORDS, repeat=length)]
        lines += [('--connect', '127.0.0.1:1') + words for words in itertools.product(WORDS, repeat=2)]
        self.assert_same([argv for argv in lines if not _empty_address(argv)])

    def test_an_empty_address_is_a_usage_error(self):
        code, stdout, stderr = outcome(command_line.parse, ['--connect=', 'prog.py'])
        self.assertEqual(code, command_line.USAGE_ERROR)
        self.assertTrue(stderr.endswith("coroutine_lens_agent: error: expected HOST:PORT, got ''\n"), stderr)


def _empty_address(argv):
    """argparse's version took '' as the address, then failed on it with an AttributeError."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            argparse_parse(list(argv))
    except AttributeError:
        return True
    except SystemExit:
        pass
    return False


if __name__ == '__main__':
    unittest.main()

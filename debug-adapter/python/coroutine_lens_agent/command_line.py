"""The agent's command line, read with argparse's grammar and messages but without argparse
(argparse, with the shutil and locale its help formatter imports, cost ~18 M instructions at every
start). What argparse accepted this accepts, with the same result, and it rejects the rest with
argparse's message and exit code 2."""
import sys

from .connection import parse_address

USAGE_ERROR = 2

if sys.version_info >= (3, 13):  # argparse wraps a mutually exclusive group's usage from 3.13 on
    _USAGE = """usage: coroutine_lens_agent [-h] (--connect 127.0.0.1:PORT |
                            --listen 127.0.0.1:PORT) [--token-file FILE]
                            [--wait-for-client] [--task-creation-stacks]
                            [-m MODULE]
                            ...
"""
else:
    _USAGE = """usage: coroutine_lens_agent [-h]
                            (--connect 127.0.0.1:PORT | --listen 127.0.0.1:PORT)
                            [--token-file FILE] [--wait-for-client]
                            [--task-creation-stacks] [-m MODULE]
                            ...
"""
_HELP = _USAGE + """
Run a Python program under the Coroutine Lens agent.

positional arguments:
  rest                  program.py and its arguments

%s:
  -h, --help            show this help message and exit
  --connect 127.0.0.1:PORT
                        dial a launching debug adapter
  --listen 127.0.0.1:PORT
                        wait for an attaching debug adapter
  --token-file FILE     attach token: read from FILE, or created there (mode
                        600) when FILE does not exist
  --wait-for-client     with --listen: run the program only once an adapter is
                        configured
  --task-creation-stacks
                        record where each asyncio task is created from the
                        start (each task then costs a record)
  -m MODULE             run a library module as a script
""" % ('options' if sys.version_info >= (3, 10) else 'optional arguments')  # argparse's heading changed in 3.10
# options that take a value -> their attribute, flags -> theirs; long options may be shortened
# to a unique prefix
_VALUED = {'--connect': 'connect', '--listen': 'listen', '--token-file': 'token_file', '-m': 'module'}
_FLAGS = {'--wait-for-client': 'wait_for_client', '--task-creation-stacks': 'task_creation_stacks'}
_LONG = ('--connect', '--listen', '--token-file', '--wait-for-client', '--task-creation-stacks', '--help')


class Options:
    connect = listen = token_file = module = None
    wait_for_client = task_creation_stacks = False
    rest = address = None


def _usage_error(message):
    """What argparse's parser.error does: usage and the message on stderr, exit code 2."""
    sys.stderr.write(_USAGE + 'coroutine_lens_agent: error: %s\n' % message)
    raise SystemExit(USAGE_ERROR)


def _long_option(word):
    """The long option `word` names (a unique prefix counts), or None."""
    matches = [name for name in _LONG if name.startswith(word)]
    if len(matches) > 1 and word not in matches:
        _usage_error('ambiguous option: %s could match %s' % (word, ', '.join(matches)))
    return word if word in matches else (matches[0] if matches else None)


def _is_negative_number(word):
    whole, dot, fraction = word[1:].partition('.')
    return fraction.isdecimal() and (not whole or whole.isdecimal()) if dot else whole.isdecimal()


def _read_option(word):
    """How argparse reads `word`: None for a positional word (a program path, '-', a negative
    number, a word with a space that names no option); else (option, explicit value or None), the
    option None for an unknown one. `-mMOD`, `-m=MOD` and `--opt=VALUE` carry their value."""
    if not word.startswith('-') or word == '-':
        return None
    if word.startswith('--'):
        name, equals, value = word.partition('=')
        option = _long_option(name)
        if option is not None:
            return option, (value if equals else None)
    elif word[:2] in ('-m', '-h'):
        value = word[2:]
        if value.startswith('='):
            value = value[1:]
        return word[:2], (value if len(word) > 2 else None)
    if _is_negative_number(word) or ' ' in word:
        return None
    return None, None


def parse(argv):
    """The command line's Options; a usage error or --help ends the process as argparse would."""
    options, unknown, index = Options(), [], 0
    while index < len(argv):
        word = argv[index]
        read = None if word == '--' else _read_option(word)
        if read is None:
            break  # the program and its arguments, '--' included (stripped below)
        option, value = read
        index += 1
        if option is None:
            unknown.append(word)
            continue
        if option in ('-h', '--help'):
            if value is not None:  # -hX: argparse's short-option clusters are not read
                _usage_error('argument -h/--help: ignored explicit argument %r' % value)
            sys.stdout.write(_HELP)
            raise SystemExit(0)
        if option in _FLAGS:
            if value is not None:
                _usage_error('argument %s: ignored explicit argument %r' % (option, value))
            setattr(options, _FLAGS[option], True)
            continue
        if value is None:
            if index == len(argv) or argv[index] == '--' or _read_option(argv[index]) is not None:
                _usage_error('argument %s: expected one argument' % option)
            value, index = argv[index], index + 1
        if option in ('--connect', '--listen'):
            other = '--listen' if option == '--connect' else '--connect'
            if getattr(options, other[2:]) is not None:
                _usage_error('argument %s: not allowed with argument %s' % (option, other))
        setattr(options, _VALUED[option], value)
    rest = argv[index:]
    if options.connect is None and options.listen is None:
        _usage_error('one of the arguments --connect --listen is required')
    if unknown:
        _usage_error('unrecognized arguments: %s' % ' '.join(unknown))
    if rest and rest[0] == '--':
        rest = rest[1:]
    if options.module is None and len(rest) >= 2 and rest[0] == '-m':  # `-- -m module args`
        options.module, rest = rest[1], rest[2:]
    if options.module is None and not rest:
        _usage_error('a program path or -m MODULE is required')
    options.rest = rest
    try:
        options.address = parse_address(options.listen if options.connect is None else options.connect)
    except ValueError as error:
        _usage_error(str(error))
    return options

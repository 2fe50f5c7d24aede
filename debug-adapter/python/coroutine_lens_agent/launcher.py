"""Command line, startup and program execution.

    python <dir>/coroutine_lens_agent --connect 127.0.0.1:PORT [--] program.py [args...]
    python <dir>/coroutine_lens_agent --connect 127.0.0.1:PORT -m module [args...]
    python -m coroutine_lens_agent --listen 127.0.0.1:PORT [--token-file F] [--wait-for-client] program.py ...

--no-task-creation-stacks (either mode): asyncio's create_task is left alone, so no task's creation
stack is recorded and creating a task costs what it costs without the agent.

The token comes from the environment variable COROUTINE_LENS_TOKEN (removed from the environment
before the program runs) or from --token-file; never from the command line. The program then runs
with sys.argv, sys.path[0], __main__, the working directory and the exit code that plain `python`
would give it.
"""
import atexit
import os
import sys

from . import protocol
from .connection import Listener, connect, parse_address
from .runtime import Agent

USAGE_ERROR = 2


_USAGE = """usage: coroutine_lens_agent [-h]
                            (--connect 127.0.0.1:PORT | --listen 127.0.0.1:PORT)
                            [--token-file FILE] [--wait-for-client]
                            [--no-task-creation-stacks] [-m MODULE]
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
  --no-task-creation-stacks
                        record no task's creation stack (create_task is left
                        as it is: no cost per task)
  -m MODULE             run a library module as a script
""" % ('options' if sys.version_info >= (3, 10) else 'optional arguments')  # argparse's heading changed in 3.10
# options that take a value -> their attribute, flags -> theirs; long options may be shortened
# to a unique prefix
_VALUED = {'--connect': 'connect', '--listen': 'listen', '--token-file': 'token_file', '-m': 'module'}
_FLAGS = {'--wait-for-client': 'wait_for_client', '--no-task-creation-stacks': 'no_task_creation_stacks'}
_LONG = ('--connect', '--listen', '--token-file', '--wait-for-client', '--no-task-creation-stacks', '--help')


class _Options:
    connect = listen = token_file = module = None
    wait_for_client = no_task_creation_stacks = False


def _usage_error(message):
    """What argparse's parser.error does: usage and the message on stderr, exit code 2."""
    sys.stderr.write(_USAGE + 'coroutine_lens_agent: error: %s\n' % message)
    raise SystemExit(USAGE_ERROR)


def _option_name(word):
    """The option `word` names (a unique prefix of a long one counts), or None."""
    if word == '-h' or word == '-m':
        return word
    if not word.startswith('--'):
        return None
    matches = [name for name in _LONG if name.startswith(word)]
    if len(matches) > 1 and word not in matches:
        _usage_error('ambiguous option: %s could match %s' % (word, ', '.join(matches)))
    return word if word in matches else (matches[0] if matches else None)


def _parse(argv):
    """The command line, with argparse's grammar and messages (argparse itself, with the shutil and
    locale its help formatter imports, cost ~18 M instructions at every start)."""
    options, unknown, index = _Options(), [], 0
    while index < len(argv):
        word = argv[index]
        if word == '--' or not word.startswith('-') or word == '-':
            break  # the program and its arguments, '--' included (stripped below, as before)
        name, value = word, None
        if word.startswith('--') and '=' in word:
            name, value = word.split('=', 1)
        elif word.startswith('-m') and word != '-m' and not word.startswith('--'):
            name, value = '-m', word[2:]
        option = _option_name(name)
        index += 1
        if option is None:
            unknown.append(word)
            continue
        if option in ('-h', '--help'):
            sys.stdout.write(_HELP)
            raise SystemExit(0)
        if option in _FLAGS:
            if value is not None:
                _usage_error('argument %s: ignored explicit argument %r' % (option, value))
            setattr(options, _FLAGS[option], True)
            continue
        if value is None:
            if index == len(argv) or (argv[index].startswith('-') and argv[index] != '-'):  # '-' is a value
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
        options.address = parse_address(options.connect or options.listen)
    except ValueError as error:
        _usage_error(str(error))
    return options


def _token(options):
    token = os.environ.pop(protocol.TOKEN_ENV, None)
    if options.token_file:
        try:
            with open(options.token_file, 'r') as token_file:
                token = token_file.read().strip()
        except FileNotFoundError:
            import secrets  # only here: with random, ~7 M instructions (~2 ms) at every start
            token = secrets.token_hex(32)
            descriptor = os.open(options.token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, 'w') as token_file:
                token_file.write(token)
    if not token:
        raise SystemExit('coroutine_lens_agent: no token: set %s or pass --token-file' % protocol.TOKEN_ENV)
    return token


class ProgramExit:
    """The exit code the program is leaving with, for the `exited` event."""
    code = 0
    interrupted = False  # ended by an uncaught KeyboardInterrupt


def _end_by_sigint_if_interrupted():
    """Python ends a program that an uncaught KeyboardInterrupt ends by killing itself with SIGINT
    once finalised, so that its parent (a shell) sees the interrupt. Registered before any other
    exit handler, so it runs last: only the interpreter's own finalisation is skipped."""
    if ProgramExit.interrupted and os.name == 'posix':
        import signal
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed or replaced stream: Python would not flush it either
                pass
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)


def _exit_code(system_exit):
    code = system_exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def _prepare_script(path, on_loading):
    """Set up `__main__`, sys.path[0] exactly as `python path` would; the returned function runs it
    (after telling on_loading which file it is about to run)."""
    import builtins
    import io
    from importlib.machinery import SourceFileLoader
    absolute = os.path.abspath(path)
    try:
        with io.open_code(absolute) as source_file:
            source = source_file.read()
    except OSError as error:
        interpreter = getattr(sys, 'orig_argv', [sys.executable])[0]  # as Python names itself
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n"
                         % (interpreter, absolute, error.errno, error.strerror))
        raise SystemExit(2)
    sys.path[0] = os.path.dirname(os.path.realpath(absolute))
    main_module = sys.modules['__main__']
    standard = {'__name__': '__main__', '__doc__': None, '__package__': None,
                '__loader__': SourceFileLoader('__main__', absolute), '__spec__': None,
                '__annotations__': {}, '__builtins__': builtins, '__file__': absolute, '__cached__': None}
    keep = set(main_module.__dict__) | {'__file__', '__cached__'}
    namespace = main_module.__dict__
    namespace.clear()
    namespace.update((k, v) for k, v in standard.items() if k in keep)

    def run():
        # Compiled here so that a SyntaxError is reported like any uncaught error of the program.
        code = compile(source, absolute, 'exec', dont_inherit=True)
        on_loading(absolute)
        exec(code, namespace)
    return run


def _is_importable_path(path):
    """A folder or a zip archive is run by its `__main__` module, as `python path` does."""
    if os.path.isdir(path):
        return True
    import zipimport
    try:
        zipimport.zipimporter(path)
    except (zipimport.ZipImportError, OSError):
        return False
    return True


def _prepare_module(name, path0, alter_argv=True):
    import runpy
    sys.path[0] = path0
    namespace = sys.modules['__main__'].__dict__
    builtins = namespace.get('__builtins__')
    namespace.clear()
    namespace['__builtins__'] = builtins
    # runpy's private entry is what `python -m` and `python folder` call (for -m it sets sys.argv[0] to
    # the module's file).
    return lambda: runpy._run_module_as_main(name, alter_argv=alter_argv)


def _run(agent, run_program):
    try:
        run_program()
    except SystemExit as system_exit:
        ProgramExit.code = _exit_code(system_exit)
        raise
    except BaseException as error:
        ProgramExit.code = 1
        if isinstance(error, KeyboardInterrupt) and os.name == 'posix':
            ProgramExit.code, ProgramExit.interrupted = 128 + 2, True  # as a shell shows SIGINT
        agent.on_uncaught(error)
        _print_uncaught(error)
        raise SystemExit(1)


def _print_uncaught(error):
    """What Python prints for an uncaught exception: the traceback from the first frame after the
    agent's own (with -m, runpy's frames stay, as under `python -m`)."""
    start = tb = error.__traceback__
    while tb is not None and (_is_agent_frame(tb.tb_frame) or _is_runpy_frame(tb.tb_frame)):
        if _is_agent_frame(tb.tb_frame):  # only the leading run: agent frames deeper down stay
            start = tb.tb_next
        tb = tb.tb_next
    sys.excepthook(type(error), error.with_traceback(start), start)  # the hook prints error.__traceback__


def _is_runpy_frame(frame):
    return frame.f_code.co_filename.endswith(('runpy.py', '<frozen runpy>'))


def _is_agent_frame(frame):
    from . import filters
    return filters.is_agent(frame.f_code.co_filename)


def main(argv=None):
    options = _parse(sys.argv[1:] if argv is None else argv)
    token = _token(options)
    agent = Agent(mode='listen' if options.listen else 'launch',
                  task_creation_stacks=not options.no_task_creation_stacks)
    atexit.register(_end_by_sigint_if_interrupted)
    atexit.register(lambda: agent.on_exit(ProgramExit.code))
    if options.connect:
        try:
            conn = connect(options.address, token)
        except OSError as error:
            raise SystemExit('coroutine_lens_agent: cannot reach the debug adapter at %s:%d: %s'
                             % (options.address[0], options.address[1], error))
        agent.serve_in_background(conn)
        agent.wait_until_configured()
    else:
        try:
            listener = Listener(options.address, token)
        except OSError as error:
            raise SystemExit('coroutine_lens_agent: cannot listen on %s:%d: %s'
                             % (options.address[0], options.address[1], error))
        agent.listen_in_background(listener)
        if options.wait_for_client:
            agent.wait_until_configured()
    agent.before_program()
    _run(agent, lambda: _prepare(options, agent.tracer.file_loading)())


def _prepare(options, on_loading):
    if options.module is not None:  # found through the import system, which tells the tracer
        sys.argv[:] = ['-m'] + options.rest
        return _prepare_module(options.module, os.getcwd())
    sys.argv[:] = options.rest
    path = options.rest[0]
    if _is_importable_path(path):  # sys.path[0] is the path made absolute without normalising it
        return _prepare_module('__main__', os.path.join(os.getcwd(), path), alter_argv=False)
    return _prepare_script(options.rest[0], on_loading)

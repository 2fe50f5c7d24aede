"""Startup and program execution (the command line itself is read by command_line.py).

    python <dir>/coroutine_lens_agent --connect 127.0.0.1:PORT [--] program.py [args...]
    python <dir>/coroutine_lens_agent --connect 127.0.0.1:PORT -m module [args...]
    python -m coroutine_lens_agent --listen 127.0.0.1:PORT [--token-file F] [--wait-for-client] program.py ...

--task-creation-stacks (either mode): record where each asyncio task is created from the start. Without
it asyncio's create_task is left alone (a task costs what it costs without the agent) until the
adapter's setTaskCreationStacks request turns recording on.

The token comes from the environment variable COROUTINE_LENS_TOKEN (removed from the environment
before the program runs) or from --token-file; never from the command line. The program then runs
with sys.argv, sys.path[0], __main__, the working directory and the exit code that plain `python`
would give it. main() starts the agent; `__main__` then execs what program() prepares, inside
ProgramRun, at its own module level (no function of the agent's below the program's frames).
"""
import atexit
import os
import sys

from . import command_line, protocol, recursion_limit
from .connection import Listener, connect
from .runtime import Agent


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
    """Set up `__main__` and sys.path[0] exactly as `python path` would; the program's code object."""
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
    # Compiled after the namespace is set up so that a SyntaxError is reported like any uncaught
    # error of the program.
    code = compile(source, absolute, 'exec', dont_inherit=True)
    on_loading(absolute)
    return code


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
    """What runpy._run_module_as_main does before its _run_code runs the module (`python -m name`,
    `python folder`): the module's code object, `__main__` set up for it."""
    import runpy
    sys.path[0] = path0
    namespace = sys.modules['__main__'].__dict__
    builtins = namespace.get('__builtins__')
    namespace.clear()
    namespace['__builtins__'] = builtins
    try:
        if alter_argv:
            name, spec, code = runpy._get_module_details(name, runpy._Error)
        else:
            name, spec, code = runpy._get_main_module_details(runpy._Error)
    except runpy._Error as error:
        raise SystemExit('%s: %s' % (sys.executable, error))
    if alter_argv:
        sys.argv[0] = spec.origin
    namespace.update(__name__='__main__', __file__=spec.origin, __cached__=spec.cached, __doc__=None,
                     __loader__=spec.loader, __package__=spec.parent, __spec__=spec)
    return code


class _Session:
    """What main() started, for program() and ProgramRun."""
    agent = options = None


def main(argv=None):
    """Parse the command line, start the agent and wait for the adapter as the mode asks. The
    program itself is run by `__main__` at module level (see program())."""
    options = command_line.parse(sys.argv[1:] if argv is None else argv)
    token = _token(options)
    agent = Agent(mode='listen' if options.listen else 'launch',
                  task_creation_stacks=options.task_creation_stacks)
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
    _Session.agent, _Session.options = agent, options


def program():
    """(code, namespace) of the program, for `exec` at the module level of `__main__` — its caller:
    so only the frames Python itself puts below any agent's module (runpy's, for a folder or `-m`)
    and that module's frame lie below the program's, and the recursion limit is raised by what they
    cost (the program reads the limit plain Python gives it). `__main__`'s namespace becomes the
    program's."""
    options = _Session.options
    if options.module is not None:  # found through the import system, which tells the tracer
        sys.argv[:] = ['-m'] + options.rest
        ProgramRun.run_by_runpy = True
        code = _prepare_module(options.module, os.getcwd())
    else:
        sys.argv[:] = options.rest
        path = options.rest[0]
        ProgramRun.run_by_runpy = _is_importable_path(path)
        if ProgramRun.run_by_runpy:  # sys.path[0] is the path made absolute without normalising it
            code = _prepare_module('__main__', os.path.join(os.getcwd(), path), alter_argv=False)
        else:
            code = _prepare_script(path, _Session.agent.tracer.file_loading)
    ProgramRun.code = code
    recursion_limit.compensate(recursion_limit.levels_below(sys._getframe(1))
                               - (recursion_limit.RUNPY_LEVELS if ProgramRun.run_by_runpy else 0))
    return code, sys.modules['__main__'].__dict__


class ProgramRun:
    """`with ProgramRun(): exec(*program())` at `__main__`'s module level: records the exit code and
    reports an uncaught error as plain Python would. A context manager, not a function around the
    exec, because a function would be one more frame below the program's."""
    code = None  # the program's code object, once program() has made it
    run_by_runpy = False  # plain Python would run it through runpy (-m, a folder or zip archive)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            return False
        if isinstance(error, SystemExit):
            ProgramExit.code = _exit_code(error)
            return False
        ProgramExit.code = 1
        if isinstance(error, KeyboardInterrupt) and os.name == 'posix':
            ProgramExit.code, ProgramExit.interrupted = 128 + 2, True  # as a shell shows SIGINT
        _Session.agent.on_uncaught(error)
        _print_uncaught(error, sys._getframe(1), self.run_by_runpy)
        raise SystemExit(1)


def _print_uncaught(error, module_frame, run_by_runpy):
    """What Python prints for an uncaught exception: the traceback from the first frame after the
    agent's own. When plain Python would run the program through runpy, runpy's frames come first
    as under `python -m`: those below the agent's module (its own runpy frames, at the same lines)
    for an error of the program's code; for an error while finding the module, _run_module_as_main
    at its call of the function that raised."""
    start = error.__traceback__
    while start is not None and _is_agent_frame(start.tb_frame):
        start = start.tb_next
    if run_by_runpy and start is not None:
        below = []
        frame = module_frame.f_back
        while frame is not None:
            below.append((frame, frame.f_lasti))
            frame = frame.f_back
        if start.tb_frame.f_code is not ProgramRun.code:  # raised while finding the module
            bottom = below[-1:] if below and below[-1][0].f_code.co_name == '_run_module_as_main' else []
            below = [(frame, offset) for frame, _ in bottom
                     for offset in _call_offsets(frame.f_code, start.tb_frame.f_code.co_name)[:1]]
        start = _traceback_through(below, start)
    sys.excepthook(type(error), error.with_traceback(start), start)  # the hook prints error.__traceback__


def _traceback_through(frames, tail):
    """`tail` preceded by entries for `frames` ((frame, instruction offset), innermost first)."""
    import dis
    import types
    for frame, offset in frames:
        line = next((line for start, line in reversed(list(dis.findlinestarts(frame.f_code)))
                     if start <= offset and line is not None), frame.f_lineno)
        tail = types.TracebackType(tail, frame, offset, line)
    return tail


def _call_offsets(code, name):
    """The offsets of the instructions of `code` that load the global `name` (the function it
    calls there)."""
    import dis
    return [instruction.offset for instruction in dis.get_instructions(code)
            if instruction.argval == name and instruction.opname == 'LOAD_GLOBAL']


def _is_agent_frame(frame):
    from . import filters
    return filters.is_agent(frame.f_code.co_filename)

"""Test helper: plays the debug adapter. Listens on 127.0.0.1, starts a real child Python under the
agent with --connect, checks the handshake and speaks agentProtocol over the real socket."""
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT_DIR = os.path.join(os.path.dirname(HERE), 'coroutine_lens_agent')
PROGRAMS = os.path.join(HERE, 'programs')
DEFAULT_TIMEOUT = 20.0


def program(name):
    return os.path.join(PROGRAMS, name)


def marker_line(path, marker, prefix=False):
    """The line of `path` that carries the comment `# MARKER` (prefix: the first line that starts with `marker`)."""
    with open(path, encoding='utf-8') as source:
        for number, text in enumerate(source, 1):
            if text.startswith(marker) if prefix else text.rstrip().endswith('# ' + marker):
                return number
    raise LookupError('%s has no line marked %s' % (path, marker))


def run_plain(args, cwd=None, timeout=DEFAULT_TIMEOUT):
    """The same program under plain Python: (exit code, stdout, stderr)."""
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    done = subprocess.run([sys.executable] + list(args), cwd=cwd, env=env, capture_output=True, timeout=timeout)
    return done.returncode, done.stdout.decode('utf-8', 'replace'), done.stderr.decode('utf-8', 'replace')


def listening_agent(test, program_path):
    """Starts `program_path` (which takes a stop file as its argument) under an agent that waits with
    --listen for an adapter to attach, as a user starts it by hand, and waits until the agent has
    written its token file and the program has had a moment to start. Returns (process, port, token,
    stop file): the program runs until the stop file exists; `test` kills it at cleanup if not."""
    folder = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, folder, True)
    token_file, stop_file = os.path.join(folder, 'token'), os.path.join(folder, 'stop')
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, AGENT_DIR, '--listen', '127.0.0.1:%d' % port, '--token-file', token_file,
                                program_path, stop_file], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    test.addCleanup(lambda: process.poll() is None and process.kill())
    deadline = time.monotonic() + 10
    while not os.path.exists(token_file):
        test.assertLess(time.monotonic(), deadline, 'the agent wrote no token file')
        time.sleep(0.05)
    time.sleep(0.2)  # the program has started (imports, first tasks)
    with open(token_file) as handle:
        return process, port, handle.read().strip(), stop_file


def _agent_entry(agent_dir, args, cwd):
    """What the adapter starts (agentCommandLine): the agent's __main__.py for a script, the agent
    folder for a module, a folder or a zip archive (which plain Python runs through runpy)."""
    if not args or args[0] == '-m':
        return agent_dir
    path = os.path.join(cwd or os.getcwd(), args[0])
    runs_main = os.path.isdir(path) or zipfile.is_zipfile(path)
    return agent_dir if runs_main else os.path.join(agent_dir, '__main__.py')


class AgentClient:
    """One debug session with one child process."""

    def __init__(self, args, cwd=None, env=None, token=None, connect=True, agent_dir=AGENT_DIR, agent_options=()):
        self.token = token or secrets.token_hex(16)
        self._server = socket.socket()
        self._server.bind(('127.0.0.1', 0))
        self._server.listen(1)
        port = self._server.getsockname()[1]
        child_env = dict(os.environ, **(env or {}))
        child_env['COROUTINE_LENS_TOKEN'] = self.token
        child_env.pop('PYTHONPATH', None)
        self.process = subprocess.Popen(
            [sys.executable, _agent_entry(agent_dir, args, cwd), '--connect', '127.0.0.1:%d' % port] + list(agent_options) + (list(args) if args and args[0] == '-m' else ['--'] + list(args)),
            cwd=cwd, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._reset()
        if connect:
            self._accept()

    def _reset(self):
        self._events = queue.Queue()
        self._responses = {}
        self._response_ready = threading.Condition()
        self._seq = 0
        self.events = []  # every event, in order
        self.hello = None
        self.sock = None

    def _accept(self):
        self._server.settimeout(DEFAULT_TIMEOUT)
        self.sock, _ = self._server.accept()
        self._file = self.sock.makefile('rb')
        self.hello = json.loads(self._file.readline())
        self._send({'type': 'hello', 'protocolVersion': 1, 'role': 'adapter'})
        threading.Thread(target=self._read, daemon=True).start()

    @classmethod
    def attach(cls, process, port, token):
        """A session with an agent started with --listen: the adapter side presents the token."""
        client = cls.__new__(cls)
        client.process, client.token, client._server = process, token, None
        client._reset()
        client.sock = socket.create_connection(('127.0.0.1', port), timeout=DEFAULT_TIMEOUT)
        client.sock.settimeout(None)
        client._file = client.sock.makefile('rb')
        client._send({'type': 'hello', 'protocolVersion': 1, 'role': 'adapter', 'token': token})
        line = client._file.readline()
        if not line:
            raise ConnectionError('the agent refused the attach')
        client.hello = json.loads(line)
        threading.Thread(target=client._read, daemon=True).start()
        return client

    def detach(self):
        self.request('disconnect', {'terminate': False})
        self._file.close()
        self.sock.close()

    def _send(self, message):
        self.sock.sendall((json.dumps(message) + '\n').encode('utf-8'))

    def _read(self):
        for line in self._file:
            message = json.loads(line)
            if message['type'] == 'response':
                with self._response_ready:
                    self._responses[message['requestSeq']] = message
                    self._response_ready.notify_all()
            elif message['type'] == 'event':
                self.events.append(message)
                self._events.put(message)
        self._events.put(None)

    def request(self, command, arguments=None, timeout=DEFAULT_TIMEOUT, check=True):
        self._seq += 1
        seq = self._seq
        self._send({'type': 'request', 'seq': seq, 'command': command, 'arguments': arguments or {}})
        deadline = time.monotonic() + timeout
        with self._response_ready:
            while seq not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError('no response to %s within %.0f s' % (command, timeout))
                self._response_ready.wait(left)
            response = self._responses.pop(seq)
        if check and not response['success']:
            raise AssertionError('%s failed: %s' % (command, response.get('message')))
        return response.get('body') if check else response

    def wait_event(self, name, timeout=DEFAULT_TIMEOUT, where=None):
        """The next event called `name` (others are kept in self.events)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError('no %s event within %.0f s; events: %s' % (name, timeout, self.events[-5:]))
            try:
                event = self._events.get(timeout=left)
            except queue.Empty:
                continue
            if event is None:
                raise AssertionError('connection closed while waiting for %s' % name)
            if event['event'] == name and (where is None or where(event['body'])):
                return event['body']

    def start(self, breakpoints=None, options=None, exception_filters=None):
        """initialize, setBreakpoints per file, configurationDone."""
        body = {'justMyCode': True, 'showTasksAsThreads': True, 'taskThreadLimit': 256,
                'blockedLoopThresholdMs': 0, 'stopOnEntry': False}
        body.update(options or {})
        self.request('initialize', body)
        for path, lines in (breakpoints or {}).items():
            specs = [line if isinstance(line, dict) else {'line': line} for line in lines]
            self.request('setBreakpoints', {'path': path, 'breakpoints': specs})
        if exception_filters:
            self.request('setExceptionBreakpoints', {'filters': exception_filters})
        self.request('configurationDone')

    def stack(self, thread_id):
        return self.request('stackTrace', {'threadId': thread_id})['stackFrames']

    def locals_of(self, frame_id):
        scopes = self.request('scopes', {'frameId': frame_id})['scopes']
        variables = self.request('variables', {'variablesReference': scopes[0]['variablesReference']})['variables']
        return {v['name']: v['value'] for v in variables}

    def tree(self):
        return self.request('coroutineTree')

    def finish(self, timeout=DEFAULT_TIMEOUT):
        """Waits for the child to end; returns (exit code, stdout text, stderr text)."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            self.close()
        return self.process.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')

    def stopped(self, timeout=DEFAULT_TIMEOUT):
        """Waits for a stop; returns (event body, [(function, line)] of the stopped thread)."""
        body = self.wait_event('stopped', timeout)
        return body, [(f['name'], f['line']) for f in self.stack(body['threadId'])]

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        # A child that ended by itself still has its pipes open here; the socket's file holds the
        # socket's descriptor open after sock.close() until it is closed too.
        for closable in (self.process.stdout, self.process.stderr, getattr(self, '_file', None), self.sock, self._server):
            try:
                if closable is not None:
                    closable.close()
            except OSError:
                pass


def tasks_by_name(tree):
    return {task['name']: task for loop in tree['loops'] for task in loop['tasks']}


def frame_names(task):
    return [frame['name'] for frame in task['frames']]

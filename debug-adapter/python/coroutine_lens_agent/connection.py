"""The agent's TCP link to the debug adapter: loopback only, token handshake, JSON lines.

`--connect`: the agent dials the adapter and proves itself with the token.
`--listen`: the agent waits; a peer proves itself with the token in its hello, and a peer that does
not is dropped without a byte of reply.
"""
import os
import socket
import sys
import threading

from . import protocol

try:  # what hmac.compare_digest is, without importing hmac and hashlib (~6 M instructions a start)
    from _operator import _compare_digest as compare_digest
except ImportError:  # an implementation without CPython's _operator
    from hmac import compare_digest

LOOPBACK_NAMES = ('127.0.0.1', 'localhost')
HANDSHAKE_TIMEOUT_S = 10.0
MAX_LINE_BYTES = 64 * 1024 * 1024


def parse_address(text):
    """'127.0.0.1:PORT' -> ('127.0.0.1', PORT); refuses anything but the loopback interface."""
    host, sep, port = text.rpartition(':')
    if not sep or not port.isdigit():
        raise ValueError('expected HOST:PORT, got %r' % text)
    if host not in LOOPBACK_NAMES:
        raise ValueError('only 127.0.0.1 is allowed, got %r' % host)
    return '127.0.0.1', int(port)


def tokens_match(expected, presented):
    if not isinstance(presented, str):
        return False
    return compare_digest(expected.encode('utf-8'), presented.encode('utf-8'))


# platform.python_implementation()'s names, without importing platform (~2 M instructions a start)
_IMPLEMENTATION_NAMES = {'cpython': 'CPython', 'pypy': 'PyPy', 'ironpython': 'IronPython', 'jython': 'Jython'}


def _agent_hello(token=None):
    name = sys.implementation.name
    return protocol.hello(
        'agent', token, pid=os.getpid(),
        pythonVersion='%d.%d.%d' % sys.version_info[:3],
        pythonImplementation=_IMPLEMENTATION_NAMES.get(name, name))


class Connection:
    """One handshaken peer. `send` may be called from any thread; `read` from one reader only."""

    def __init__(self, sock):
        # Small messages go out at once: with Nagle's algorithm a response written right after an
        # event (a pause's `stopped`, then its answer) waits for the peer's delayed ACK, ~40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._reader = sock.makefile('rb')
        self._send_lock = threading.Lock()
        self.closed = False

    def send(self, message):
        data = protocol.encode(message)
        with self._send_lock:
            if self.closed:
                return False
            try:
                self._sock.sendall(data)
                return True
            except OSError:
                self.closed = True
                return False

    def read(self):
        """The next decoded message, or None at the end of the stream. Raises ProtocolError."""
        line = self._reader.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        if len(line) > MAX_LINE_BYTES:
            raise protocol.ProtocolError('message longer than %d bytes' % MAX_LINE_BYTES)
        return protocol.decode(line)

    def close(self):
        with self._send_lock:
            self.closed = True
        for action in (lambda: self._sock.shutdown(socket.SHUT_RDWR), self._reader.close, self._sock.close):
            try:
                action()
            except OSError:
                pass

    def abandon(self):
        """After fork: drop this process's copy of the socket without touching the parent's link.
        The descriptor itself is closed (the reader's reference would keep it open): a child forked
        by the agent's own thread (`os.fork()` in the debug console) keeps that thread, and its next
        read must fail, not take the parent's requests."""
        self.closed = True
        try:
            os.close(self._sock.detach())
        except OSError:
            pass


def _drop(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _read_hello(conn):
    try:
        message = conn.read()
    except (protocol.ProtocolError, OSError):
        return None
    if message is None or message.get('type') != 'hello':
        return None
    if message.get('protocolVersion') != protocol.PROTOCOL_VERSION:
        return None
    return message


def connect(address, token):
    """Dials the adapter, presents the token and waits for its hello. Raises OSError or ConnectionError."""
    # Not socket.create_connection: its getaddrinfo imports the idna codec (~5 M instructions) for
    # a host name, and the address is always the literal 127.0.0.1 (parse_address).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(HANDSHAKE_TIMEOUT_S)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    conn = Connection(sock)
    conn.send(_agent_hello(token))
    peer = _read_hello(conn)
    if peer is None or peer.get('role') != 'adapter':
        conn.close()
        raise ConnectionError('the adapter at %s:%d did not answer with a protocol %d hello'
                              % (address[0], address[1], protocol.PROTOCOL_VERSION))
    sock.settimeout(None)
    return conn


class Listener:
    """Listens on the loopback interface for an adapter that presents the token.

    Each connection does its handshake on its own thread, so a peer that connects and says nothing
    holds up nobody; when too many are pending, the oldest is dropped to make room, so silent peers
    cannot lock the adapter out. One adapter is served at a time; a peer that completes the
    handshake while another is attached is dropped without a reply."""

    MAX_PENDING_HANDSHAKES = 16

    def __init__(self, address, token):
        self._token = token
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(address)
        self._server.listen(8)
        self.port = self._server.getsockname()[1]
        self._lock = threading.Condition(threading.Lock())
        self._attached = False
        self._ending = False  # the attached adapter said disconnect: its successor may wait for it
        self._pending = []  # sockets still in their handshake, oldest first

    def serve_forever(self, on_session, start_thread):
        """Accepts until closed; `on_session(conn)` runs for each adapter, one at a time."""
        while True:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self._pending.append(sock)
                evicted = self._pending.pop(0) if len(self._pending) > self.MAX_PENDING_HANDSHAKES else None
            if evicted is not None:
                _drop(evicted)  # its handshake thread sees the socket closed and ends
            start_thread(self._handshake, sock, on_session)

    def _handshake(self, sock, on_session):
        try:
            sock.settimeout(HANDSHAKE_TIMEOUT_S)
            conn = Connection(sock)
            peer = _read_hello(conn)
        finally:
            with self._lock:
                if sock in self._pending:
                    self._pending.remove(sock)
        if peer is None or peer.get('role') != 'adapter' or not tokens_match(self._token, peer.get('token')):
            conn.close()
            return
        with self._lock:
            if self._attached and self._ending:  # the adapter is leaving: a reconnect waits for it
                self._lock.wait_for(lambda: not self._attached, HANDSHAKE_TIMEOUT_S)
            busy, self._attached = self._attached, True
        if busy:
            conn.close()
            return
        try:
            sock.settimeout(None)
            conn.send(_agent_hello())
            on_session(conn)
        finally:
            with self._lock:
                self._attached = self._ending = False
                self._lock.notify_all()

    def session_ending(self):
        with self._lock:
            self._ending = True

    def close(self):
        try:
            self._server.close()
        except OSError:
            pass

/**
 * AgentConnection over real loopback sockets, with the peer played by a small scripted TCP end:
 * the handshake (tokens, versions), correlation of out-of-order responses, failures, timeouts,
 * events, and what a closed connection does to requests still open.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { AgentConnection, AgentError } from '../../debug-adapter/src/agentConnection';
import { PROTOCOL_VERSION } from '../../debug-adapter/src/agentProtocol';

/** A scripted peer: reads JSON lines, writes JSON lines. */
class Peer {
  private buffer = '';
  private readonly waiting: Array<(message: Record<string, unknown>) => void> = [];
  private readonly queued: Array<Record<string, unknown>> = [];
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, newline)) as Record<string, unknown>;
        this.buffer = this.buffer.slice(newline + 1);
        const waiter = this.waiting.shift();
        if (waiter) waiter(message);
        else this.queued.push(message);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static connect(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: '127.0.0.1', port }, () => resolve(new Peer(socket)));
      socket.on('error', reject);
    });
  }

  next(): Promise<Record<string, unknown>> {
    const queued = this.queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(message: object | string): void {
    this.socket.write(typeof message === 'string' ? message : `${JSON.stringify(message)}\n`);
  }
}

const agentHello = (token: string, extra: object = {}) => ({ type: 'hello', protocolVersion: PROTOCOL_VERSION, role: 'agent', token, pid: 4242, ...extra });

async function connectedPair(): Promise<{ agent: AgentConnection; peer: Peer }> {
  const listening = await AgentConnection.listen('secret', 5_000);
  const peer = await Peer.connect(listening.port);
  peer.send(agentHello('secret'));
  const agent = await listening.connection;
  assert.deepEqual(await peer.next(), { type: 'hello', protocolVersion: PROTOCOL_VERSION, role: 'adapter' });
  return { agent, peer };
}

test('listen: peers without the token are dropped unanswered; the right one is accepted and the listener closes', async () => {
  const listening = await AgentConnection.listen('secret', 5_000);
  const intruder = await Peer.connect(listening.port);
  intruder.send(agentHello('wrong'));
  await intruder.closed;
  const oldVersion = await Peer.connect(listening.port);
  oldVersion.send(agentHello('secret', { protocolVersion: PROTOCOL_VERSION + 1 }));
  await oldVersion.closed;
  const garbage = await Peer.connect(listening.port);
  garbage.send('GET / HTTP/1.1\r\n\r\n');
  await garbage.closed;

  const agentPeer = await Peer.connect(listening.port);
  agentPeer.send(agentHello('secret'));
  const agent = await listening.connection;
  assert.equal(agent.peer.pid, 4242);
  assert.equal((await agentPeer.next()).role, 'adapter');
  await assert.rejects(Peer.connect(listening.port), /ECONNREFUSED/, 'nothing listens once the agent is connected');
  agent.close();
});

test('listen: nobody connecting ends in a timeout with the reason', async () => {
  const listening = await AgentConnection.listen('secret', 200);
  await assert.rejects(listening.connection, (error: AgentError) => /did not connect within 0\.2 s/.test(error.message));
  await assert.rejects(Peer.connect(listening.port), /ECONNREFUSED/);
});

test('requests: out-of-order responses reach their callers; failures carry the agent message', async () => {
  const { agent, peer } = await connectedPair();
  const threads = agent.request('threads', {});
  const tree = agent.request('coroutineTree', {});
  const evaluate = agent.request('evaluate', { expression: '1/0' });
  const [first, second, third] = [await peer.next(), await peer.next(), await peer.next()];
  assert.deepEqual([first.command, second.command, third.command], ['threads', 'coroutineTree', 'evaluate']);
  const evaluateFailed = assert.rejects(evaluate, (error: AgentError) => error.message === 'ZeroDivisionError: division by zero' && error.command === 'evaluate');
  peer.send({ type: 'response', requestSeq: third.seq, success: false, message: 'ZeroDivisionError: division by zero' });
  peer.send({ type: 'response', requestSeq: second.seq, success: true, body: { capturedAt: 1, loops: [] } });
  peer.send({ type: 'response', requestSeq: first.seq, success: true, body: { threads: [{ id: 1, name: 'MainThread' }] } });
  assert.deepEqual(await threads, { threads: [{ id: 1, name: 'MainThread' }] });
  assert.deepEqual(await tree, { capturedAt: 1, loops: [] });
  await evaluateFailed;
  agent.close();
});

test('requests: an unanswered request times out; a late answer is ignored', async () => {
  const { agent, peer } = await connectedPair();
  const pending = agent.request('stackTrace', { threadId: 1 }, 100);
  const sent = await peer.next();
  await assert.rejects(pending, /did not answer 'stackTrace' within 0\.1 s/);
  peer.send({ type: 'response', requestSeq: sent.seq, success: true, body: {} });
  const next = agent.request('threads', {});
  const nextSent = await peer.next();
  peer.send({ type: 'response', requestSeq: nextSent.seq, success: true, body: { threads: [] } });
  assert.deepEqual(await next, { threads: [] });
  agent.close();
});

test('events arrive in order, also a line split inside a multi-byte character', async () => {
  const { agent, peer } = await connectedPair();
  const received: Array<[string, unknown]> = [];
  agent.onEvent((event, body) => received.push([event, body]));
  const line = Buffer.from(`${JSON.stringify({ type: 'event', event: 'output', body: { category: 'console', output: 'naïve → ✓' } })}\n`);
  const cut = line.indexOf(Buffer.from('→')) + 1; // inside the three bytes of the arrow
  peer.socket.write(line.subarray(0, cut));
  await new Promise((resolve) => setTimeout(resolve, 30));
  peer.socket.write(line.subarray(cut));
  peer.send({ type: 'event', event: 'exited', body: { exitCode: 3 } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(received, [
    ['output', { category: 'console', output: 'naïve → ✓' }],
    ['exited', { exitCode: 3 }],
  ]);
  agent.close();
});

test('a closed connection fails open requests with the reason and reports the close once', async () => {
  const { agent, peer } = await connectedPair();
  const reasons: string[] = [];
  agent.onClose((reason) => reasons.push(reason));
  const pending = agent.request('continue', {});
  await peer.next();
  peer.socket.destroy();
  await assert.rejects(pending, /the agent closed the connection/);
  await assert.rejects(agent.request('threads', {}), /the agent closed the connection/);
  assert.deepEqual(reasons, ['the agent closed the connection']);
  assert.equal(agent.isClosed, true);
});

test('a line that is not a protocol message closes the connection with a readable reason', async () => {
  const { agent, peer } = await connectedPair();
  const pending = agent.request('threads', {});
  await peer.next();
  peer.send('Traceback (most recent call last):\n');
  await assert.rejects(pending, /not a protocol message: Traceback/);
});

/** A listening "agent" for attach: checks the adapter's token, answers with its hello or hangs up. */
async function fakeListeningAgent(token: string): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((socket) => {
    const peer = new Peer(socket);
    void peer.next().then((hello) => {
      if (hello.token === token && hello.role === 'adapter') peer.send(agentHello(undefined as unknown as string, { token: undefined }));
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server };
}

test('attach: the right token connects, a wrong one is refused with a message that says so', async () => {
  const { port, server } = await fakeListeningAgent('letmein');
  try {
    await assert.rejects(AgentConnection.attach('127.0.0.1', port, 'wrong'), /closed the connection during the handshake: the token does not match/);
    const agent = await AgentConnection.attach('127.0.0.1', port, 'letmein');
    assert.equal(agent.peer.pid, 4242);
    agent.close();
  } finally {
    server.close();
  }
});

/**
 * The adapter's end of the agent wire protocol (./agentProtocol): newline-delimited JSON over TCP on
 * the loopback interface, the hello handshake with the one-time token, request/response correlation,
 * events, timeouts and a clean close. It knows nothing of DAP; the session translates.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import {
  PROTOCOL_VERSION,
  type Command,
  type Event,
  type EventMap,
  type EventName,
  type Hello,
  type Message,
  type RequestArguments,
  type Response,
  type ResponseBody,
} from './agentProtocol';

/** A failed agent request, a timeout, or a connection that ended while a request was open. */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** Where protocol lines go when tracing is on; `direction` is 'send' or 'receive'. */
export type TraceSink = (direction: 'send' | 'receive', line: string) => void;

export type AgentEventHandler = <E extends EventName>(event: E, body: EventMap[E]) => void;

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 5_000;

/** A fresh token for one launch: 128 random bits, hex. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

interface PendingRequest {
  command: string;
  /** The body is wanted as JSON text, not parsed (see requestRaw). */
  raw: boolean;
  resolve: (body: unknown) => void;
  reject: (error: AgentError) => void;
  timer: NodeJS.Timeout;
}

/** How the agent starts a successful response whose body it wrote as JSON text (protocol.py RawJSON). */
const RAW_RESPONSE_HEAD = /^\{"type":"response","requestSeq":(\d+),"success":true,"body":/;

/** Splits a byte stream into lines without breaking multi-byte characters. */
class LineReader {
  /** Pieces of the line not yet ended; joined once, so a multi-megabyte tree costs linear time. */
  private partial: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): string[] {
    const text = this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      this.partial.push(text.slice(start, newline));
      const line = this.partial.join('');
      this.partial = [];
      if (line.trim().length > 0) lines.push(line);
      start = newline + 1;
    }
    if (start < text.length) this.partial.push(text.slice(start));
    return lines;
  }
}

function parseMessage(line: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') return value as Message;
  } catch {
    // Not JSON: the caller treats it as a protocol violation.
  }
  return undefined;
}

function isValidHello(message: Message | undefined, role: Hello['role'], token?: string): message is Hello {
  return (
    message?.type === 'hello' &&
    message.role === role &&
    message.protocolVersion === PROTOCOL_VERSION &&
    (token === undefined || message.token === token)
  );
}

export interface ListenResult {
  /** The port the agent is told to connect to (127.0.0.1 only). */
  port: number;
  /** Resolves with the first peer that presents the token; the listener is closed by then. */
  connection: Promise<AgentConnection>;
  /** Stops listening and fails `connection` with `reason` if nothing has connected yet. */
  cancel(reason: string): void;
}

export class AgentConnection {
  /** The agent's hello: its pid and Python version. */
  readonly peer: Hello;
  private readonly socket: net.Socket;
  private readonly pending = new Map<number, PendingRequest>();
  private nextSeq = 1;
  private closed = false;
  private closeReason = 'the connection to the agent is closed';
  private readonly eventHandlers: AgentEventHandler[] = [];
  private readonly closeHandlers: Array<(reason: string) => void> = [];

  private constructor(socket: net.Socket, peer: Hello, reader: LineReader, private readonly trace?: TraceSink) {
    this.socket = socket;
    this.peer = peer;
    // Small request/response pairs: do not let Nagle's algorithm hold a request back.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) this.receive(line);
    });
    socket.on('error', (error) => this.finish(`the connection to the agent failed: ${error.message}`));
    socket.on('close', () => this.finish('the agent closed the connection'));
  }

  /**
   * Launch mode: listen on 127.0.0.1 (a free port) for the agent started with `--connect`. Peers whose
   * first line is not a hello with `token` are dropped without a reply; the listener stays open for
   * the right one until `timeoutMs` passes, then `connection` fails with the reason.
   */
  static listen(token: string, timeoutMs: number, trace?: TraceSink): Promise<ListenResult> {
    return new Promise((resolveListening, rejectListening) => {
      const server = net.createServer();
      let settle: { resolve: (c: AgentConnection) => void; reject: (e: AgentError) => void } | undefined;
      const connection = new Promise<AgentConnection>((resolve, reject) => (settle = { resolve, reject }));
      // Nobody may be awaiting yet when an early cancel rejects; the caller reads the reason later.
      connection.catch(() => undefined);
      const candidates = new Set<net.Socket>();
      let done = false;
      const stop = (): void => {
        done = true;
        clearTimeout(timer);
        server.close();
        for (const socket of candidates) socket.destroy();
      };
      const timer = setTimeout(() => {
        if (done) return;
        stop();
        settle?.reject(new AgentError(`the agent did not connect within ${(timeoutMs / 1000).toFixed(1)} s`));
      }, timeoutMs);
      server.on('connection', (socket) => {
        candidates.add(socket);
        const reader = new LineReader();
        const onData = (chunk: Buffer): void => {
          const lines = reader.push(chunk);
          if (lines.length === 0) return;
          socket.off('data', onData);
          candidates.delete(socket);
          trace?.('receive', lines[0].replace(token, '<token>'));
          const hello = parseMessage(lines[0]);
          if (done || !isValidHello(hello, 'agent', token)) {
            socket.destroy();
            return;
          }
          stop();
          const agent = new AgentConnection(socket, hello, reader, trace);
          agent.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, role: 'adapter' });
          for (const line of lines.slice(1)) agent.receive(line);
          settle?.resolve(agent);
        };
        socket.on('data', onData);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => candidates.delete(socket));
      });
      server.on('error', (error) => rejectListening(new AgentError(`cannot listen for the agent: ${error.message}`)));
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as net.AddressInfo;
        resolveListening({
          port: address.port,
          connection,
          cancel: (reason) => {
            if (done) return;
            stop();
            settle?.reject(new AgentError(reason));
          },
        });
      });
    });
  }

  /**
   * Attach mode: connect to an agent started with `--listen` and prove ourselves with `token`. An
   * agent that rejects the token closes the connection without a reply.
   */
  static attach(host: string, port: number, token: string, trace?: TraceSink): Promise<AgentConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host, port });
      const reader = new LineReader();
      const where = `${host}:${port}`;
      let settled = false;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new AgentError(message));
      };
      const timer = setTimeout(
        () => fail(`the agent at ${where} did not answer the handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`),
        HANDSHAKE_TIMEOUT_MS,
      );
      socket.on('connect', () => {
        const hello: Hello = { type: 'hello', protocolVersion: PROTOCOL_VERSION, role: 'adapter', token };
        const line = JSON.stringify(hello);
        trace?.('send', line.replace(token, '<token>'));
        socket.write(`${line}\n`);
      });
      const onData = (chunk: Buffer): void => {
        const lines = reader.push(chunk);
        if (lines.length === 0) return;
        socket.off('data', onData);
        trace?.('receive', lines[0]);
        const hello = parseMessage(lines[0]);
        const peerVersion = hello?.type === 'hello' ? hello.protocolVersion : undefined;
        if (!isValidHello(hello, 'agent')) {
          const version = peerVersion !== undefined ? ` (agent protocol ${peerVersion}, adapter ${PROTOCOL_VERSION})` : '';
          fail(`the program at ${where} is not a compatible Coroutine Lens agent${version}`);
          return;
        }
        settled = true;
        clearTimeout(timer);
        const agent = new AgentConnection(socket, hello, reader, trace);
        for (const line of lines.slice(1)) agent.receive(line);
        resolve(agent);
      };
      socket.on('data', onData);
      socket.on('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'ECONNREFUSED'
            ? `nothing is listening at ${where}; start the program with \`python -m coroutine_lens_agent --listen ${where} program.py\``
            : `cannot connect to the agent at ${where}: ${error.message}`,
        ),
      );
      socket.on('close', () => fail(`the agent at ${where} closed the connection during the handshake: the token does not match`));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onEvent(handler: AgentEventHandler): void {
    this.eventHandlers.push(handler);
  }

  /** Called once, with the reason, when the connection ends for any cause. */
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  request<C extends Command>(command: C, args: RequestArguments<C>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<ResponseBody<C>> {
    return this.open(command, args, timeoutMs, false) as Promise<ResponseBody<C>>;
  }

  /**
   * Like `request`, but resolves with the response body as JSON text, unparsed: for a large body
   * that is only passed on (the coroutine tree). A body the agent did not write as raw JSON text
   * comes back serialised again.
   */
  requestRaw<C extends Command>(command: C, args: RequestArguments<C>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<string> {
    return this.open(command, args, timeoutMs, true) as Promise<string>;
  }

  private open(command: Command, args: unknown, timeoutMs: number, raw: boolean): Promise<unknown> {
    if (this.closed) return Promise.reject(new AgentError(this.closeReason, command));
    const seq = this.nextSeq++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new AgentError(`the agent did not answer '${command}' within ${(timeoutMs / 1000).toFixed(1)} s`, command));
      }, timeoutMs);
      this.pending.set(seq, { command, raw, resolve, reject, timer });
      this.send({ type: 'request', seq, command, arguments: args });
    });
  }

  /** Ends the connection; open requests fail with `reason`. */
  close(reason = 'the adapter closed the connection'): void {
    this.finish(reason);
    this.socket.destroy();
  }

  private send(message: Message): void {
    const line = JSON.stringify(message);
    this.trace?.('send', line);
    this.socket.write(`${line}\n`);
  }

  private receive(line: string): void {
    this.trace?.('receive', line);
    const rawHead = RAW_RESPONSE_HEAD.exec(line.slice(0, 80));
    const pending = rawHead ? this.pending.get(Number(rawHead[1])) : undefined;
    if (rawHead && pending?.raw && line.endsWith('}')) {
      this.pending.delete(Number(rawHead[1]));
      clearTimeout(pending.timer);
      pending.resolve(line.slice(rawHead[0].length, -1));
      return;
    }
    const message = parseMessage(line);
    if (message?.type === 'response') this.settle(message);
    else if (message?.type === 'event') this.dispatch(message);
    else this.close(`the agent sent a line that is not a protocol message: ${line.slice(0, 200)}`);
  }

  private settle(response: Response): void {
    const pending = this.pending.get(response.requestSeq);
    if (!pending) return; // answered after its timeout: nobody waits for it any more
    this.pending.delete(response.requestSeq);
    clearTimeout(pending.timer);
    if (response.success) pending.resolve(pending.raw ? JSON.stringify(response.body ?? {}) : (response.body ?? {}));
    else pending.reject(new AgentError(response.message ?? `the agent could not do '${pending.command}'`, pending.command));
  }

  private dispatch(event: Event): void {
    for (const handler of this.eventHandlers) handler(event.event as EventName, event.body as never);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    for (const [, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new AgentError(reason, pending.command));
    }
    this.pending.clear();
    for (const handler of this.closeHandlers) handler(reason);
  }
}

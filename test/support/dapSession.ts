/**
 * Drives the real adapter bundle (`node dist/debugAdapter.js`) over DAP with DebugClient, against
 * real Python debuggees, and checks after each session that nothing is left behind: the debuggee's
 * process and process group are gone, the adapter has no child process and holds no listening socket.
 */
import * as assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** From out/test/support back to the repository root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const ADAPTER = path.join(REPO_ROOT, 'dist', 'debugAdapter.js');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'dap');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** The 1-based line of the line holding `# MARK: name` in a fixture, so tests survive edits. */
export function markedLine(file: string, name: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => new RegExp(`#\\s*MARK:\\s*${name}\\b`).test(line));
  assert.ok(index >= 0, `no '# MARK: ${name}' in ${file}`);
  return index + 1;
}

type Venvs = Record<string, string>;
let venvs: Promise<Venvs> | undefined;

/** { '3.9': venv python, … } with Tornado installed (scripts/python-envs.mjs); `versions` limits the set. */
export function testVenvs(packages?: string[], name?: string, versions?: string[]): Promise<Venvs> {
  const load = async (): Promise<Venvs> => {
    const module = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts', 'python-envs.mjs')).href)) as {
      ensureVenvs(packages?: string[], name?: string, versions?: string[]): Venvs;
    };
    return module.ensureVenvs(packages, name, versions);
  };
  if (packages) return load();
  venvs ??= load();
  return venvs;
}

const minor = (version: string): number => Number(version.split('.')[1]);

/** The interpreter the DAP tests run on: COROUTINE_LENS_DAP_PYTHON (e.g. "3.11"), else the newest. */
export async function testPython(): Promise<string> {
  const all = await testVenvs();
  const wanted = process.env.COROUTINE_LENS_DAP_PYTHON;
  if (wanted) {
    assert.ok(all[wanted], `COROUTINE_LENS_DAP_PYTHON=${wanted} but the venvs are ${Object.keys(all).join(', ')}`);
    return all[wanted];
  }
  const newest = Object.keys(all).sort((a, b) => minor(b) - minor(a))[0];
  return all[newest];
}

/** The oldest supported interpreter (3.9 where present): exercises the sys.settrace path. */
export async function oldestTestPython(): Promise<string> {
  const all = await testVenvs();
  return all[Object.keys(all).sort((a, b) => minor(a) - minor(b))[0]];
}

// ---------------------------------------------------------------------------------------------
// Process and socket checks (Linux /proc; elsewhere only the pid check runs)

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of live (non-zombie) processes in process group `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return processExists(pgid) ? [pgid] : [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) in parentheses: state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return members;
}

/** Pids of live (non-zombie) children of `pid`. */
export function childProcesses(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** TCP ports in LISTEN state held by `pid`. */
export function listeningPorts(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9])) ports.push(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return ports;
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Asserts the debuggee and everything in its process group are gone (within a grace period). */
export async function assertProcessGone(pid: number): Promise<void> {
  await waitUntil(() => !processExists(pid) && processGroupMembers(pid).length === 0, 5_000, `debuggee ${pid} and its group are gone`);
}

// ---------------------------------------------------------------------------------------------

/** Answers the adapter's runInTerminal by spawning the command, as a terminal would. */
interface ReverseRequestHandling {
  terminalProcesses: ChildProcess[];
  terminalRequests: DebugProtocol.RunInTerminalRequestArguments[];
}

export class DapSession {
  readonly client: DebugClient;
  readonly output: DebugProtocol.OutputEvent[] = [];
  /** Every event of interest (output included) in arrival order. */
  readonly events: DebugProtocol.Event[] = [];
  debuggeePid: number | undefined;
  /** How many events of each name the test has taken with nextEvent. */
  private readonly consumed = new Map<string, number>();
  private readonly reverse: ReverseRequestHandling = { terminalProcesses: [], terminalRequests: [] };

  /** The runInTerminal requests the adapter made. */
  get terminalRequests(): DebugProtocol.RunInTerminalRequestArguments[] {
    return this.reverse.terminalRequests;
  }

  constructor(readonly timeoutMs = 20_000) {
    this.client = new DebugClient(process.execPath, ADAPTER, 'coroutine-lens', { cwd: REPO_ROOT }, !!process.env.COROUTINE_LENS_DAP_STDERR);
    this.client.defaultTimeout = timeoutMs;
    this.client.on('output', (event: DebugProtocol.OutputEvent) => {
      this.output.push(event);
      this.events.push(event);
    });
    this.client.on('process', (event: DebugProtocol.ProcessEvent) => (this.debuggeePid = event.body.systemProcessId));
    for (const name of ['initialized', 'stopped', 'continued', 'exited', 'terminated', 'thread', 'blockedLoop', 'coroutineTreeChanged', 'invalidated']) {
      this.client.on(name, (event: DebugProtocol.Event) => this.events.push(event));
    }
    this.interceptReverseRequests();
    this.readInLinearTime();
  }

  /**
   * DebugClient appends every chunk to one Buffer (Buffer.concat per chunk), quadratic in the size
   * of a message: a 50 MB coroutineTree would measure the test client, not the adapter. This reader
   * joins a message's chunks once.
   */
  private readInLinearTime(): void {
    const client = this.client as unknown as { handleData(data: Buffer): void; dispatch(body: string): void };
    let pending: Buffer[] = [];
    let pendingLength = 0;
    let contentLength = -1;
    const separator = Buffer.from('\r\n\r\n');
    client.handleData = (data: Buffer): void => {
      pending.push(data);
      pendingLength += data.length;
      for (;;) {
        if (contentLength < 0) {
          const buffer = pending.length === 1 ? pending[0] : Buffer.concat(pending);
          pending = [buffer];
          const end = buffer.indexOf(separator);
          if (end < 0) return;
          const header = /Content-Length: *(\d+)/i.exec(buffer.toString('utf8', 0, end));
          if (!header) throw new Error(`DAP header without Content-Length: ${buffer.toString('utf8', 0, end)}`);
          contentLength = Number(header[1]);
          const rest = buffer.subarray(end + separator.length);
          pending = [rest];
          pendingLength = rest.length;
        }
        if (pendingLength < contentLength) return;
        const buffer = pending.length === 1 ? pending[0] : Buffer.concat(pending);
        const body = buffer.toString('utf8', 0, contentLength);
        const rest = buffer.subarray(contentLength);
        pending = [rest];
        pendingLength = rest.length;
        contentLength = -1;
        client.dispatch(body);
      }
    };
  }

  get adapterPid(): number {
    return this.adapterProcess.pid as number;
  }

  /** DebugClient ignores requests from the adapter; a real client answers runInTerminal. */
  private interceptReverseRequests(): void {
    const client = this.client as unknown as { dispatch(body: string): void; outputStream?: NodeJS.WritableStream; _outputStream?: NodeJS.WritableStream };
    const original = client.dispatch.bind(client);
    client.dispatch = (body: string): void => {
      // Parse twice only what may be a request (a multi-megabyte tree response must not be).
      if (!body.includes('"type":"request"')) {
        original(body);
        return;
      }
      const message = JSON.parse(body) as DebugProtocol.ProtocolMessage;
      if (message.type !== 'request') {
        original(body);
        return;
      }
      const request = message as DebugProtocol.RunInTerminalRequest;
      const respond = (success: boolean, extra: object): void => {
        const response = JSON.stringify({ type: 'response', seq: 0, request_seq: request.seq, command: request.command, success, ...extra });
        const stream = (client as unknown as { outputStream: NodeJS.WritableStream }).outputStream;
        stream.write(`Content-Length: ${Buffer.byteLength(response, 'utf8')}\r\n\r\n${response}`, 'utf8');
      };
      if (request.command !== 'runInTerminal') {
        respond(false, { message: `the test client does not handle '${request.command}'` });
        return;
      }
      this.reverse.terminalRequests.push(request.arguments);
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const [key, value] of Object.entries(request.arguments.env ?? {})) {
        if (value === null) delete env[key];
        else env[key] = value;
      }
      const [command, ...args] = request.arguments.args;
      const child = spawn(command, args, { cwd: request.arguments.cwd, env, stdio: 'ignore' });
      this.reverse.terminalProcesses.push(child);
      child.once('spawn', () => respond(true, { body: { processId: child.pid } }));
      child.once('error', (error) => respond(false, { message: error.message }));
    };
  }

  /** For an adapter that is already dead: drop the client without the disconnect it cannot answer. */
  abandon(): void {
    (this.client as unknown as { stopAdapter(): void }).stopAdapter();
  }

  async start(): Promise<void> {
    await this.client.start();
    // end() disconnects again after a test's own disconnect; an adapter that has exited by then
    // fails that write with EPIPE, an 'error' event on its stdin nothing would listen to (and the
    // request is never answered: end() waits for the answer or the adapter's exit). Its being gone
    // is what end() checks.
    this.adapterProcess.stdin?.on('error', () => undefined);
  }

  private get adapterProcess(): ChildProcess {
    return (this.client as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  }

  /** Resolves once the adapter process has exited (at once if it already has). */
  private adapterExited(): Promise<void> {
    const adapter = this.adapterProcess;
    return new Promise((resolve) => {
      if (adapter.exitCode !== null || adapter.signalCode !== null) resolve();
      else adapter.once('exit', () => resolve());
    });
  }

  async initialize(): Promise<DebugProtocol.InitializeResponse> {
    return this.client.initializeRequest({
      adapterID: 'coroutine-lens',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
      supportsRunInTerminalRequest: true,
      supportsInvalidatedEvent: true,
    });
  }

  /** initialize + launch; resolves when `initialized` has come (breakpoints may be set next). */
  async launch(args: Record<string, unknown>): Promise<void> {
    await this.initialize();
    await this.client.launchRequest({ python: await testPython(), ...args } as DebugProtocol.LaunchRequestArguments);
    await this.nextEvent('initialized');
  }

  /** launch, then breakpoints and exception filters, then configurationDone: the program runs. */
  async run(
    args: Record<string, unknown>,
    breakpoints: Array<{ file: string; breakpoints: DebugProtocol.SourceBreakpoint[] }> = [],
    exceptionFilters: string[] = [],
  ): Promise<DebugProtocol.Breakpoint[][]> {
    await this.launch(args);
    const results = [];
    for (const { file, breakpoints: specs } of breakpoints) results.push(await this.setBreakpoints(file, specs));
    await this.client.setExceptionBreakpointsRequest({ filters: exceptionFilters });
    await this.client.configurationDoneRequest();
    return results;
  }

  /** Resolves once the program's stdout contains `text`. */
  async waitForStdout(text: string, timeoutMs = this.timeoutMs): Promise<void> {
    await waitUntil(() => this.stdout().includes(text), timeoutMs, `stdout contains '${text}'`);
  }

  async setBreakpoints(file: string, breakpoints: DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    const response = await this.client.setBreakpointsRequest({ source: { path: file }, breakpoints });
    return response.body.breakpoints;
  }

  /**
   * The next not yet taken event called `name`, from the recorded ones first: an event that came in
   * the same chunk as a response would be missed by DebugClient.waitForEvent registered after it.
   */
  async nextEvent<E extends DebugProtocol.Event = DebugProtocol.Event>(name: string, timeoutMs = this.timeoutMs): Promise<E> {
    const taken = this.consumed.get(name) ?? 0;
    const matching = (): DebugProtocol.Event[] => this.events.filter((e) => e.event === name);
    await waitUntil(() => matching().length > taken, timeoutMs, `event '${name}' #${taken + 1} arrives`);
    this.consumed.set(name, taken + 1);
    return matching()[taken] as E;
  }

  /** Waits for `terminated`; returns the `exited` event if there was one. */
  async terminated(timeoutMs = this.timeoutMs): Promise<DebugProtocol.ExitedEvent | undefined> {
    await this.nextEvent('terminated', timeoutMs);
    return this.events.find((e) => e.event === 'exited') as DebugProtocol.ExitedEvent | undefined;
  }

  /** Waits for the next `stopped` and returns its thread's top frame. */
  async stopped(reason?: string): Promise<{ event: DebugProtocol.StoppedEvent; frame: DebugProtocol.StackFrame; frames: DebugProtocol.StackFrame[] }> {
    const event = await this.nextEvent<DebugProtocol.StoppedEvent>('stopped');
    if (reason) assert.equal(event.body.reason, reason);
    const trace = await this.client.stackTraceRequest({ threadId: event.body.threadId as number });
    return { event, frame: trace.body.stackFrames[0], frames: trace.body.stackFrames };
  }

  /** Local variables of a frame, by name. */
  async locals(frameId: number): Promise<Map<string, DebugProtocol.Variable>> {
    const scopes = await this.client.scopesRequest({ frameId });
    const local = scopes.body.scopes.find((scope) => /local/i.test(scope.name)) ?? scopes.body.scopes[0];
    const variables = await this.client.variablesRequest({ variablesReference: local.variablesReference });
    return new Map(variables.body.variables.map((v) => [v.name, v]));
  }

  stdout(): string {
    return this.output.filter((e) => e.body.category === 'stdout').map((e) => e.body.output).join('');
  }

  /**
   * Ends the session as VS Code does (disconnect), then asserts nothing is left: the debuggee and its
   * group are gone, the adapter listens on no port, the adapter itself exits.
   */
  /** The adapter runs no program and listens on no port (while the adapter itself lives on). */
  async assertNothingRunning(): Promise<void> {
    assert.deepEqual(listeningPorts(this.adapterPid), [], 'the adapter still listens');
    await waitUntil(() => childProcesses(this.adapterPid).length === 0, 5_000, 'the adapter has no child process left');
  }

  async end(disconnect: DebugProtocol.DisconnectArguments = {}): Promise<void> {
    const adapterPid = this.adapterPid;
    // A session that ended by itself must have cleaned up already, before any disconnect.
    if (this.events.some((e) => e.event === 'terminated')) await this.assertNothingRunning();
    try {
      await Promise.race([this.client.disconnectRequest(disconnect), this.adapterExited()]);
    } catch {
      // An adapter that already ended its session may be gone; the checks below still apply.
    }
    try {
      if (this.debuggeePid) await assertProcessGone(this.debuggeePid);
      if (processExists(adapterPid)) {
        assert.deepEqual(listeningPorts(adapterPid), [], 'the adapter still listens after the session');
        await waitUntil(() => childProcesses(adapterPid).length === 0, 5_000, 'the adapter has no child process left');
      }
    } finally {
      for (const child of this.reverse.terminalProcesses) child.kill('SIGKILL');
      // Not client.stop(): it disconnects again, and an adapter that already exited never answers.
      this.abandon();
    }
    await waitUntil(() => !processExists(adapterPid), 5_000, `the adapter ${adapterPid} exited`);
  }
}

/** Runs `body` with a started session and always ends it with the leftover checks. */
export async function withSession(body: (session: DapSession) => Promise<void>, timeoutMs?: number): Promise<void> {
  const session = new DapSession(timeoutMs);
  await session.start();
  try {
    await body(session);
  } finally {
    await session.end();
  }
}

/**
 * Debugger soak cycles through the real adapter bundle, each followed by leak checks: the
 * debuggee and its group are gone, no process still runs the soak's programs, nothing listens for
 * them, no temp file of ours is left, the program's output arrived complete and in order, and the
 * exit code is the program's. Used by `test/dap/reliability-soak.test.ts` (short) and
 * `test/bench/soak.ts` (long).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapSession, REPO_ROOT, assertProcessGone, listeningPorts, processExists, testPython, waitUntil } from './dapSession';

/** Prints LINES numbered lines (mostly unflushed, so the last ones leave only at exit), with a
 * suspended task for the tree and a breakpoint half-way; writes to stderr; exits with 3. */
const LAUNCH_PROGRAM = `import asyncio
import sys

LINES = int(sys.argv[1])


async def helper(i):
    await asyncio.sleep(0.001)
    return i


async def main():
    sleeper = asyncio.ensure_future(asyncio.sleep(60))
    for i in range(LINES):
        print('line %d' % i, flush=(i % 50 == 0))
        if i == LINES // 2:
            await helper(i)  # MARK: half
    sleeper.cancel()
    sys.stderr.write('stderr end\\n')


asyncio.run(main())
sys.exit(3)
`;

/** For attach: beats until the stop file appears, then prints how many beats and exits with 5. */
const ATTACH_PROGRAM = `import asyncio
import os
import sys


async def main(stop):
    beat = 0
    while not os.path.exists(stop):
        await asyncio.sleep(0.02)
        beat += 1  # MARK: beat
        print('beat %d' % beat, flush=True)
    print('stopped after %d' % beat, flush=True)


asyncio.run(main(sys.argv[1]))
sys.exit(5)
`;

export function lineOf(text: string, mark: string): number {
  return text.split('\n').findIndex((line) => line.includes(`# MARK: ${mark}`)) + 1;
}

export interface SoakCounts {
  launchCycles: number;
  attachCycles: number;
  abruptSessions: number;
  leaks: string[];
  outputChecks: number;
}

/** The folder the soak's programs live in: any process whose command line names it is ours. */
export class SoakWorkspace {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-soak-'));
  readonly launchProgram = path.join(this.dir, 'numbered.py');
  readonly attachProgram = path.join(this.dir, 'beats.py');
  readonly counts: SoakCounts = { launchCycles: 0, attachCycles: 0, abruptSessions: 0, leaks: [], outputChecks: 0 };
  /**
   * The temp folder the adapters and debuggees of this soak see (TMPDIR, inherited): whatever is
   * left in it after a cycle leaked — the machine's shared temp folder would mix in others' files.
   */
  readonly tmp = path.join(this.dir, 'tmp');
  private readonly previousTmpdir = process.env.TMPDIR;

  constructor() {
    writeFileSync(this.launchProgram, LAUNCH_PROGRAM);
    writeFileSync(this.attachProgram, ATTACH_PROGRAM);
    mkdirSync(this.tmp);
    process.env.TMPDIR = this.tmp;
  }

  /** Processes (not zombies) whose command line mentions the soak folder. */
  ourProcesses(): number[] {
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(this.dir)) found.push(Number(entry));
      } catch {
        // ended while we looked
      }
    }
    return found;
  }

  /** Leak checks after a cycle; a leak is recorded (and cleaned up) rather than thrown, so a long soak counts them all. */
  async checkLeaks(cycle: string, keep: number[] = []): Promise<void> {
    const deadline = Date.now() + 5_000;
    let orphans = this.ourProcesses().filter((pid) => !keep.includes(pid));
    while (orphans.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      orphans = this.ourProcesses().filter((pid) => !keep.includes(pid));
    }
    for (const pid of orphans) {
      this.counts.leaks.push(`${cycle}: orphan process ${pid} (${readCmdline(pid)})`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const name of readdirSync(this.tmp)) {
      this.counts.leaks.push(`${cycle}: temp entry left: ${name}`);
      rmSync(path.join(this.tmp, name), { recursive: true, force: true });
    }
  }

  dispose(): void {
    for (const pid of this.ourProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (this.previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.previousTmpdir;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '?';
  }
}

export function assertNumberedLines(text: string, prefix: string, count: number): void {
  const lines = text.split('\n').filter((l) => l.startsWith(prefix));
  assert.equal(lines.length, count, `expected ${count} '${prefix}…' lines, got ${lines.length}`);
  lines.forEach((line, i) => assert.equal(line, `${prefix}${i}`, `line ${i} out of order or damaged`));
}

function stderrOf(session: DapSession): string {
  return session.output.filter((e) => e.body.category === 'stderr').map((e) => e.body.output).join('');
}

async function coroutineTree(session: DapSession): Promise<{ loops: Array<{ tasks: Array<{ name: string }> }> }> {
  return (await session.client.customRequest('coroutineTree')).body as { loops: Array<{ tasks: Array<{ name: string }> }> };
}

/**
 * launch → breakpoint → coroutineTree → continue → the program ends by itself (exit code 3, all
 * output), or, every `terminateEvery`th cycle, terminate while paused.
 */
export async function launchCycle(ws: SoakWorkspace, index: number, lines = 400, terminateEvery = 5): Promise<void> {
  const session = new DapSession();
  await session.start();
  const name = `launch #${index}`;
  try {
    await session.run({ program: ws.launchProgram, args: [String(lines)], console: 'internalConsole' }, [
      { file: ws.launchProgram, breakpoints: [{ line: lineOf(LAUNCH_PROGRAM, 'half') }] },
    ]);
    const { event } = await session.stopped('breakpoint');
    const tree = await coroutineTree(session);
    assert.ok(tree.loops.some((loop) => loop.tasks.length >= 2), `${name}: the tree shows main and the sleeper`);
    const pid = session.debuggeePid as number;
    if (index % terminateEvery === terminateEvery - 1) {
      await session.client.terminateRequest();
      await session.terminated();
      await assertProcessGone(pid);
    } else {
      await session.client.continueRequest({ threadId: event.body.threadId as number });
      const exited = await session.terminated();
      assert.equal(exited?.body.exitCode, 3, `${name}: exit code`);
      assertNumberedLines(session.stdout(), 'line ', lines);
      assert.equal(stderrOf(session), 'stderr end\n', `${name}: stderr`);
      ws.counts.outputChecks++;
    }
    await session.end();
  } catch (error) {
    session.abandon();
    throw error;
  }
  await ws.checkLeaks(name);
  ws.counts.launchCycles++;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A program started with `-m coroutine_lens_agent --listen` from dist/python, output captured. */
export class ListeningProgram {
  readonly child: ChildProcess;
  readonly tokenFile: string;
  readonly stopFile: string;
  stdout = '';
  stderr = '';
  private readonly exit: Promise<number | null>;

  private constructor(ws: SoakWorkspace, python: string, readonly port: number) {
    this.tokenFile = path.join(ws.dir, `token-${port}`);
    this.stopFile = path.join(ws.dir, `stop-${port}`);
    this.child = spawn(python, ['-m', 'coroutine_lens_agent', '--listen', `127.0.0.1:${port}`, '--token-file', this.tokenFile, ws.attachProgram, this.stopFile], {
      env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'dist', 'python') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exit = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  static async start(ws: SoakWorkspace): Promise<ListeningProgram> {
    const program = new ListeningProgram(ws, await testPython(), await freePort());
    // Ready once it listens (probing with a connection would occupy the agent's handshake).
    await waitUntil(() => listeningPorts(program.child.pid as number).includes(program.port), 10_000, 'the agent listens');
    return program;
  }

  /** Asks the program to stop; resolves with its exit code once its pipes have closed. */
  async stop(): Promise<number | null> {
    writeFileSync(this.stopFile, '');
    return this.exit;
  }
}

/** attach → breakpoint → tree → clear breakpoints → continue → detach; the program runs on. */
export async function attachCycle(ws: SoakWorkspace, program: ListeningProgram, index: number): Promise<void> {
  const session = new DapSession();
  await session.start();
  const name = `attach #${index}`;
  try {
    await session.initialize();
    await session.client.attachRequest({ port: program.port, tokenFile: program.tokenFile } as DebugProtocol.AttachRequestArguments);
    await session.nextEvent('initialized');
    await session.setBreakpoints(ws.attachProgram, [{ line: lineOf(ATTACH_PROGRAM, 'beat') }]);
    await session.client.configurationDoneRequest();
    const { event } = await session.stopped('breakpoint');
    const tree = await coroutineTree(session);
    assert.ok(tree.loops.some((loop) => loop.tasks.length >= 1), `${name}: the tree shows the main task`);
    await session.setBreakpoints(ws.attachProgram, []);
    await session.client.continueRequest({ threadId: event.body.threadId as number });
    const adapterPid = session.adapterPid;
    await session.client.disconnectRequest({});
    session.abandon();
    await waitUntil(() => !processExists(adapterPid), 5_000, `${name}: the adapter exits after detaching`);
  } catch (error) {
    session.abandon();
    throw error;
  }
  assert.ok(processExists(program.child.pid as number), `${name}: detaching left the program running`);
  await waitUntil(() => listeningPorts(program.child.pid as number).includes(program.port), 5_000, `${name}: the agent listens again`);
  await ws.checkLeaks(name, [program.child.pid as number]);
  ws.counts.attachCycles++;
}

/** After the attach cycles: the program, never disturbed, ends with all its beats and exit code 5. */
export async function finishAttachedProgram(ws: SoakWorkspace, program: ListeningProgram): Promise<void> {
  const code = await program.stop();
  assert.equal(code, 5, `the attached program's exit code (stderr: ${program.stderr.slice(-500)})`);
  const beats = program.stdout.split('\n').filter((l) => l.startsWith('beat '));
  beats.forEach((line, i) => assert.equal(line, `beat ${i + 1}`, 'a beat lost or out of order'));
  assert.match(program.stdout, new RegExp(`stopped after ${beats.length}\\n$`));
  ws.counts.outputChecks++;
  await ws.checkLeaks('attached program');
}

export type AbruptEnd = 'adapter killed' | 'debuggee killed' | 'socket dropped';
export const ABRUPT_ENDS: AbruptEnd[] = ['adapter killed', 'debuggee killed', 'socket dropped'];

/** Closes every TCP socket of the debuggee from inside it: the link to the adapter drops mid-request. */
const DROP_SOCKETS = "[__import__('socket').socket.shutdown(s, 2) for s in __import__('gc').get_objects() if isinstance(s, __import__('socket').socket) and s.fileno() >= 0 and s.family == 2]";

/** A session ended abruptly while paused at a breakpoint; nothing may be left behind. */
export async function abruptCycle(ws: SoakWorkspace, how: AbruptEnd, index: number): Promise<void> {
  const session = new DapSession();
  await session.start();
  const name = `abrupt #${index} (${how})`;
  const adapterPid = session.adapterPid;
  try {
    await session.run({ program: ws.launchProgram, args: ['400'], console: 'internalConsole' }, [
      { file: ws.launchProgram, breakpoints: [{ line: lineOf(LAUNCH_PROGRAM, 'half') }] },
    ]);
    const { frame } = await session.stopped('breakpoint');
    const pid = session.debuggeePid as number;
    if (how === 'adapter killed') {
      process.kill(adapterPid, 'SIGKILL');
      await assertProcessGone(pid);
      session.abandon();
    } else if (how === 'debuggee killed') {
      process.kill(pid, 'SIGKILL');
      const exited = await session.terminated();
      assert.equal(exited?.body.exitCode, 137, `${name}: exit code of a SIGKILLed program`);
      await session.end();
    } else {
      // The evaluate's own answer is lost with the socket: the request fails or times out; either way
      // the session must end and take the launched program with it.
      await session.client.evaluateRequest({ expression: DROP_SOCKETS, frameId: frame.id, context: 'repl' }).catch(() => undefined);
      await session.terminated();
      await assertProcessGone(pid);
      await session.end();
    }
  } catch (error) {
    session.abandon();
    throw error;
  }
  await waitUntil(() => !processExists(adapterPid), 5_000, `${name}: the adapter exits`);
  await ws.checkLeaks(name);
  ws.counts.abruptSessions++;
}

/**
 * Debug adapter benchmark (a report, not a pass/fail test), everything through DAP with DebugClient:
 *  1. pause → stopped → threads → coroutineTree round trip with 1,000 / 10,000 / 100,000 suspended
 *     tasks: after a stop VS Code lists the threads (with tasks as threads, the suspended tasks too),
 *     then the Coroutines view asks for the tree in the compact shape and decodes it; the DESIGN.md
 *     shape any DAP client gets is timed apart; the first capture after launch is shown apart;
 *  2. launch → first breakpoint in a Tornado app, for Coroutine Lens and for debugpy in the same
 *     harness (debugpy's own adapter, `python <debugpy>/adapter`, over stdio).
 * Usage: npm run bench:dap  (COROUTINE_LENS_BENCH_QUICK=1 runs fewer repetitions and sizes;
 * COROUTINE_LENS_BENCH_TREE_ONLY=1 runs part 1 without debugpy)
 */
import { execFileSync, spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AgentConnection, newToken } from '../../debug-adapter/src/agentConnection';
import { TOKEN_ENV, expandCoroutineTree, type CompactCoroutineTree, type CoroutineTree } from '../../debug-adapter/src/agentProtocol';
import { ADAPTER, DapSession, REPO_ROOT, fixture, markedLine, testVenvs } from '../support/dapSession';

const quick = !!process.env.COROUTINE_LENS_BENCH_QUICK;
const treeOnly = !!process.env.COROUTINE_LENS_BENCH_TREE_ONLY;
const TASK_COUNTS = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const TREE_REPEATS = quick ? 2 : 5;
const LAUNCH_REPEATS = quick ? 2 : 5;
const DEBUGPY_PYTHON = '3.11';
/** How long a pause may take before it counts as not answered. */
const PAUSE_PATIENCE_MS = 10_000;

const median = (values: number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value: number): string => `${value.toFixed(1)} ms`.padStart(11);

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

interface TreeFigures {
  tasks: number;
  pauseToStopped: number[];
  /** The `threads` request VS Code sends after each stop. */
  threads: number[];
  /** The first capture of the run (compact): the agent's per-file and per-code caches are empty. */
  first: number;
  /** Later captures, compact, decoded into a CoroutineTree as the client does. */
  compact: number[];
  /** Later captures in the DESIGN.md shape (the adapter expands it). */
  full: number[];
  /** pause → stopped → threads → compact tree decoded. */
  total: number[];
  compactBytes: number;
  fullBytes: number;
}

function countTasks(tree: CoroutineTree): number {
  return tree.loops.reduce((sum, loop) => sum + loop.tasks.length, 0);
}

async function treeRoundTrip(python: string, count: number, mode: 'ticking' | 'idle' = 'ticking'): Promise<TreeFigures> {
  const session = new DapSession(300_000);
  await session.start();
  const figures: TreeFigures = { tasks: count, pauseToStopped: [], threads: [], first: NaN, compact: [], full: [], total: [], compactBytes: 0, fullBytes: 0 };
  try {
    await session.run({ program: fixture('many_tasks.py'), args: [String(count), mode], python });
    await session.waitForStdout(`ready ${count}`, 300_000);
    for (let i = 0; i <= TREE_REPEATS; i++) {
      const start = process.hrtime.bigint();
      await session.client.pauseRequest({ threadId: 0 });
      const { event } = await session.stopped('pause');
      const stopped = elapsed(start);
      const threadsStart = process.hrtime.bigint();
      await session.client.threadsRequest();
      const threads = elapsed(threadsStart);
      const treeStart = process.hrtime.bigint();
      const wire = (await session.client.customRequest('coroutineTree', { format: 'compact' })).body as CompactCoroutineTree;
      const decoded = expandCoroutineTree(wire);
      const compactTime = elapsed(treeStart);
      const total = elapsed(start);
      if (countTasks(decoded) < count) throw new Error(`coroutineTree returned ${countTasks(decoded)} tasks, expected at least ${count}`);
      const fullStart = process.hrtime.bigint();
      const full = (await session.client.customRequest('coroutineTree')).body as CoroutineTree;
      const fullTime = elapsed(fullStart);
      if (countTasks(full) !== countTasks(decoded)) throw new Error(`the two shapes disagree: ${countTasks(full)} and ${countTasks(decoded)} tasks`);
      if (i === 0) {
        figures.first = compactTime;
        figures.compactBytes = JSON.stringify(wire).length;
        figures.fullBytes = JSON.stringify(full).length;
      } else {
        figures.pauseToStopped.push(stopped);
        figures.threads.push(threads);
        figures.compact.push(compactTime);
        figures.full.push(fullTime);
        figures.total.push(total);
      }
      await session.client.continueRequest({ threadId: event.body.threadId as number });
    }
  } finally {
    await session.end();
  }
  return figures;
}

/**
 * The same round trip straight over the agent socket (no adapter, no DAP): separates the agent's
 * capture from what the adapter and the DAP transfer add.
 */
async function agentOnlyTree(python: string, count: number): Promise<number[]> {
  const token = newToken();
  const listening = await AgentConnection.listen(token, 60_000);
  const child = spawn(
    python,
    [path.join(REPO_ROOT, 'dist', 'python', 'coroutine_lens_agent'), '--connect', `127.0.0.1:${listening.port}`, '--', fixture('many_tasks.py'), String(count)],
    { env: { ...process.env, [TOKEN_ENV]: token }, stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  const ready = new Promise<void>((resolve) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(`ready ${count}`)) resolve();
    });
  });
  const times: number[] = [];
  try {
    const agent = await listening.connection;
    await agent.request('initialize', { justMyCode: true, showTasksAsThreads: true, taskThreadLimit: 256, blockedLoopThresholdMs: 0, stopOnEntry: false });
    await agent.request('configurationDone', {});
    await ready;
    for (let i = 0; i < TREE_REPEATS; i++) {
      const start = process.hrtime.bigint();
      await agent.request('coroutineTree', {}, 300_000);
      times.push(elapsed(start));
    }
    await agent.request('disconnect', { terminate: true }, 5_000).catch(() => undefined);
    agent.close();
  } finally {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return times;
}

/**
 * debugpy's nearest equivalent, for scale: pause → stopped → threads + the paused thread's stack
 * (debugpy has no suspension tree), on the same program and Python.
 */
async function debugpyPauseRoundTrip(
  python: string,
  debugpyDir: string,
  count: number,
  mode: 'ticking' | 'idle',
): Promise<{ pause: number[]; total: number[]; unanswered: number }> {
  const client = new DebugClient(python, path.join(debugpyDir, 'adapter'), 'python', { cwd: REPO_ROOT });
  client.defaultTimeout = 300_000;
  const figures = { pause: [] as number[], total: [] as number[], unanswered: 0 };
  await client.start();
  try {
    let stdout = '';
    client.on('output', (event: DebugProtocol.OutputEvent) => {
      if (event.body.category === 'stdout') stdout += event.body.output;
    });
    const initialized = client.waitForEvent('initialized', 60_000);
    await client.initializeRequest({ adapterID: 'bench', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const launched = client.launchRequest({
      program: fixture('many_tasks.py'),
      args: [String(count), mode],
      console: 'internalConsole',
      justMyCode: true,
    } as DebugProtocol.LaunchRequestArguments);
    await initialized;
    await client.setExceptionBreakpointsRequest({ filters: [] });
    await client.configurationDoneRequest();
    await launched;
    while (!stdout.includes(`ready ${count}`)) await new Promise((resolve) => setTimeout(resolve, 50));
    const threadId = (await client.threadsRequest()).body.threads[0].id;
    for (let i = 0; i < TREE_REPEATS; i++) {
      const stopped = client.waitForEvent('stopped', PAUSE_PATIENCE_MS).catch(() => undefined);
      const start = process.hrtime.bigint();
      await client.pauseRequest({ threadId });
      const event = (await stopped) as DebugProtocol.StoppedEvent | undefined;
      if (!event) {
        figures.unanswered++;
        break;
      }
      figures.pause.push(elapsed(start));
      await client.threadsRequest();
      await client.stackTraceRequest({ threadId: event.body.threadId as number });
      figures.total.push(elapsed(start));
      await client.continueRequest({ threadId: event.body.threadId as number });
    }
  } finally {
    await client.disconnectRequest({ terminateDebuggee: true }).catch(() => undefined);
    (client as unknown as { stopAdapter(): void }).stopAdapter();
  }
  return figures;
}

/** From the initialize request to the first `stopped` at a breakpoint; the adapter runs already. */
async function launchToBreakpoint(client: DebugClient, launchArgs: object, file: string, line: number): Promise<number> {
  const start = process.hrtime.bigint();
  const initialized = client.waitForEvent('initialized', 60_000);
  const stopped = client.waitForEvent('stopped', 60_000);
  await client.initializeRequest({ adapterID: 'bench', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  // debugpy answers launch only after configurationDone, so configuration must not wait for it.
  const launched = client.launchRequest(launchArgs as DebugProtocol.LaunchRequestArguments);
  await initialized;
  await client.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line }] });
  await client.setExceptionBreakpointsRequest({ filters: [] });
  await client.configurationDoneRequest();
  await launched;
  const event = (await stopped) as DebugProtocol.StoppedEvent;
  const time = elapsed(start);
  if (event.body.reason !== 'breakpoint') throw new Error(`stopped for '${event.body.reason}', not at the breakpoint`);
  const trace = await client.stackTraceRequest({ threadId: event.body.threadId as number, levels: 1 });
  if (trace.body.stackFrames[0].line !== line) throw new Error(`stopped at line ${trace.body.stackFrames[0].line}, not ${line}`);
  return time;
}

async function launchSeries(name: string, makeClient: () => DebugClient, launchArgs: object): Promise<{ name: string; times: number[] }> {
  const app = fixture('tornado_app.py');
  const times: number[] = [];
  for (let i = 0; i < LAUNCH_REPEATS; i++) {
    const client = makeClient();
    client.defaultTimeout = 60_000;
    await client.start();
    try {
      times.push(await launchToBreakpoint(client, { program: app, cwd: path.dirname(app), ...launchArgs }, app, markedLine(app, 'handler')));
    } finally {
      await client.disconnectRequest({ terminateDebuggee: true }).catch(() => undefined);
      // Not client.stop(): it would disconnect a second time from an adapter that may have exited.
      (client as unknown as { stopAdapter(): void }).stopAdapter();
    }
  }
  return { name, times };
}

async function main(): Promise<void> {
  // The package mirror has debugpy for one Python only; both debuggers run on that one.
  const venvs = await testVenvs(['tornado', 'debugpy'], 'dap-bench', [DEBUGPY_PYTHON]);
  const versions = Object.keys(venvs);
  if (!venvs[DEBUGPY_PYTHON]) throw new Error(`the benchmark needs Python ${DEBUGPY_PYTHON} (debugpy's wheel); found ${versions.join(', ') || 'none'}`);
  const python = venvs[DEBUGPY_PYTHON];
  const debugpyDir = execFileSync(python, ['-c', 'import debugpy, os; print(os.path.dirname(debugpy.__file__))'], { encoding: 'utf8' }).trim();
  const debugpyVersion = execFileSync(python, ['-c', 'import debugpy; print(debugpy.__version__)'], { encoding: 'utf8' }).trim();
  console.log(`Coroutine Lens DAP benchmark — Python ${versions[0]} (${python}), node ${process.version}, ${new Date().toISOString()}`);
  console.log(`repetitions: tree ${TREE_REPEATS}, launch ${LAUNCH_REPEATS}; medians (min in brackets)\n`);

  console.log('1. pause → stopped → threads → coroutineTree, through DAP (N tasks waiting on one Event, and a ticker)');
  console.log('   threads: the request VS Code sends after a stop; compact: format \'compact\', decoded by the client, as the');
  console.log('   Coroutines view does (the capture threads made); round trip: pause → stopped → threads → compact decoded;');
  console.log('   full: the DESIGN.md shape of the same capture, expanded by the adapter; agent alone: a capture while running');
  console.log('   tasks   pause→stopped    threads  compact (min)          round trip   first compact   full           compact / full JSON   agent alone (socket)');
  for (const count of TASK_COUNTS) {
    const f = await treeRoundTrip(python, count);
    const alone = await agentOnlyTree(python, count);
    console.log(
      `   ${String(f.tasks).padStart(7)} ${ms(median(f.pauseToStopped))} ${ms(median(f.threads))} ${ms(median(f.compact))} (${Math.min(...f.compact).toFixed(1)}) ${ms(median(f.total))} ${ms(f.first)} ${ms(median(f.full))}   ` +
        `${(f.compactBytes / 1e6).toFixed(2).padStart(6)} / ${(f.fullBytes / 1e6).toFixed(2).padStart(6)} MB ${ms(median(alone))}`,
    );
  }
  if (treeOnly) return printLoad();

  console.log(`\n   debugpy ${debugpyVersion}, same programs: pause → stopped → threads + stackTrace (it has no suspension tree)`);
  console.log('   tasks      pause→stopped     + threads, stack');
  for (const count of TASK_COUNTS) {
    const f = await debugpyPauseRoundTrip(python, debugpyDir, count, 'ticking');
    console.log(`   ${String(count).padStart(7)} ${ms(median(f.pause))} ${ms(median(f.total))}`);
  }
  const idle = await debugpyPauseRoundTrip(python, debugpyDir, TASK_COUNTS[0], 'idle');
  const idleLens = await treeRoundTrip(python, TASK_COUNTS[0], 'idle');
  console.log(
    `   idle loop (no ticker, main thread in select), ${TASK_COUNTS[0]} tasks: debugpy ` +
      (idle.unanswered ? `did not stop within ${PAUSE_PATIENCE_MS / 1000} s` : `stopped in ${median(idle.pause).toFixed(1)} ms`) +
      `; Coroutine Lens stopped in ${median(idleLens.pauseToStopped).toFixed(1)} ms`,
  );

  console.log('\n2. launch → first breakpoint in a Tornado app (initialize request → stopped event)');
  const series = [
    await launchSeries('Coroutine Lens', () => new DebugClient(process.execPath, ADAPTER, 'coroutine-lens', { cwd: REPO_ROOT }), { python }),
    await launchSeries(`debugpy ${debugpyVersion}`, () => new DebugClient(python, path.join(debugpyDir, 'adapter'), 'python', { cwd: REPO_ROOT }), {
      console: 'internalConsole',
      justMyCode: true,
    }),
  ];
  for (const { name, times } of series) console.log(`   ${name.padEnd(20)} ${ms(median(times))}  (min ${Math.min(...times).toFixed(1)} ms)`);
  printLoad();
}

function printLoad(): void {
  console.log(`\nMachine: ${os.cpus().length} CPUs, load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

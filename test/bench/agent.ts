/**
 * `npm run bench:agent`: what the Coroutine Lens agent costs a running program, side by side with
 * plain Python and with debugpy, and how long a coroutineTree capture takes. A report, never a
 * pass/fail.
 *
 * Workloads (written to a temporary folder):
 *   asyncio  100,000 tasks through asyncio.gather, then 100,000 items through an asyncio.Queue
 *   tornado  a Tornado HTTPServer answering 5,000 local AsyncHTTPClient requests (10 at a time)
 * Configurations, each the wall time from spawn to exit and the CPU time (user + sys) the workload's
 * process has used when its last line runs (read by the workload itself, so the wall clock's
 * sensitivity to the machine's load does not blur the comparison), medians of --runs (default 3),
 * the configurations interleaved run by run (a change of the machine's load then touches them all):
 *   plain      python program.py
 *   agent      the agent launched like the adapter does by default (--connect, token, initialize,
 *              configurationDone; task creation stacks off: create_task left alone)
 *   agent+bp   the same with a breakpoint set in a file the workload never runs
 *   agent+cs   the agent with task creation stacks on (--task-creation-stacks, what the launch
 *              attribute "taskCreationStacks": true passes): where each task is created is recorded
 *   debugpy    python -m debugpy --listen … --wait-for-client program.py, driven by a minimal DAP client
 *              (initialize, attach, configurationDone) — debugpy from pip, where a wheel exists
 * Tree capture: a program with N suspended tasks (groups of 10 under gather, half sleeping, half on
 * an Event) stopped at a breakpoint; the time from sending coroutineTree to the parsed response,
 * each time a fresh capture (an evaluate between requests drops the pause's shared one).
 *
 *   node out/test/bench/agent.js [--runs=N] [--versions=3.11,3.12] [--tree-only | --overhead-only] [--agent=DIR]
 * (--agent: another copy of the coroutine_lens_agent folder, e.g. an older commit's, to compare.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const args = process.argv.slice(2);
const agentDir = path.resolve(args.find((a) => a.startsWith('--agent='))?.split('=')[1] ?? path.join(repoRoot, 'debug-adapter', 'python', 'coroutine_lens_agent'));
const RUNS = Number(args.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 3);
const VERSIONS = args.find((a) => a.startsWith('--versions='))?.split('=')[1]?.split(',');
const TREE_ONLY = args.includes('--tree-only');
const OVERHEAD_ONLY = args.includes('--overhead-only');
const TREE_SIZES = [1000, 10000, 100000];

const ASYNCIO_WORKLOAD = `
import asyncio


async def leaf(i):
    await asyncio.sleep(0)
    return i * 2


async def producer(queue, count):
    for i in range(count):
        await queue.put(i)
    await queue.put(None)


async def consumer(queue):
    total = 0
    while True:
        item = await queue.get()
        if item is None:
            return total
        total += item


async def main(count):
    results = await asyncio.gather(*(leaf(i) for i in range(count)))
    queue = asyncio.Queue(maxsize=100)
    _, total = await asyncio.gather(producer(queue, count), consumer(queue))
    assert total == sum(range(count)) and len(results) == count


asyncio.run(main(100000))
`;

const TORNADO_WORKLOAD = `
import asyncio

from tornado import httpclient, httpserver, netutil, web


class Hello(web.RequestHandler):
    async def get(self):
        await asyncio.sleep(0)
        self.write('hello %s' % self.get_argument('n'))


async def main(requests, concurrency):
    sockets = netutil.bind_sockets(0, '127.0.0.1')
    server = httpserver.HTTPServer(web.Application([('/', Hello)]))
    server.add_sockets(sockets)
    url = 'http://127.0.0.1:%d/?n=' % sockets[0].getsockname()[1]
    client = httpclient.AsyncHTTPClient(max_clients=concurrency)
    pending = iter(range(requests))

    async def worker():
        for n in pending:
            response = await client.fetch(url + str(n))
            assert response.body == b'hello %d' % n

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    server.stop()


asyncio.run(main(5000, 10))
`;

// Appended to each workload: its own process CPU time at its end, written where the harness reads it.
const CPU_FILE_ENV = 'COROUTINE_LENS_BENCH_CPU_FILE';
const CPU_REPORT = `
import os as _bench_os
with open(_bench_os.environ['${CPU_FILE_ENV}'], 'w') as _bench_file:
    _bench_times = _bench_os.times()
    _bench_file.write(repr(_bench_times.user + _bench_times.system))
`;

const UNRELATED = `
def never_called():
    return 'the breakpoint sits here'
`;

// The python tier's many-tasks program: N suspended tasks in gathers of 10, stopped at a checkpoint line.
const TREE_PROGRAM = path.join(repoRoot, 'debug-adapter', 'python', 'tests', 'programs', 'many_tasks.py');
const TREE_CHECKPOINT_LINE = readFileSync(TREE_PROGRAM, 'utf8').split('\n').findIndex((l) => l.includes('# CHECKPOINT')) + 1;

interface Workspace {
  dir: string;
  asyncio: string;
  tornado: string;
  unrelated: string;
  tree: string;
  cpuFile: string;
}

function writeWorkspace(): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-bench-agent-'));
  const file = (name: string, text: string): string => {
    const full = path.join(dir, name);
    writeFileSync(full, text.trimStart());
    return full;
  };
  return {
    dir,
    asyncio: file('asyncio_workload.py', ASYNCIO_WORKLOAD + CPU_REPORT),
    tornado: file('tornado_workload.py', TORNADO_WORKLOAD + CPU_REPORT),
    unrelated: file('unrelated.py', UNRELATED),
    tree: TREE_PROGRAM,
    cpuFile: path.join(dir, 'cpu-seconds'),
  };
}

/** Splits a socket's bytes into lines; scans each chunk once, so a 50 MB line costs linear time. */
function lineReader(socket: net.Socket, onLine: (line: string) => void): void {
  let pieces: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      pieces.push(chunk.slice(start, newline));
      const line = pieces.join('');
      pieces = [];
      if (line) onLine(line);
      start = newline + 1;
    }
    if (start < chunk.length) pieces.push(chunk.slice(start));
  });
}

/** Milliseconds: wall from spawn to exit; CPU as the workload reported it (none from other programs). */
interface Cost {
  wall: number;
  cpu?: number;
}

/** The environment of a run whose workload reports its CPU time into `cpuFile`. */
function reportingTo(cpuFile: string | undefined, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return cpuFile === undefined ? env : { ...env, [CPU_FILE_ENV]: cpuFile };
}

/** Spawns, waits for the exit; a non-zero exit is an error. */
function runToExit(python: string, argv: string[], env: NodeJS.ProcessEnv = process.env): { started: number; done: Promise<Cost> } {
  const started = performance.now();
  const cpuFile = env[CPU_FILE_ENV];
  if (cpuFile !== undefined) rmSync(cpuFile, { force: true });
  const child = spawn(python, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Cost>((resolve, reject) => {
    child.on('error', reject);
    // 'exit', not 'close': debugpy's adapter subprocess inherits stderr and outlives the debuggee.
    child.on('exit', (code) => {
      const wall = performance.now() - started;
      if (code !== 0) return reject(new Error(`${python} ${argv.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      resolve(cpuFile === undefined ? { wall } : { wall, cpu: Number(readFileSync(cpuFile, 'utf8')) * 1000 });
    });
  });
  return { started, done };
}

async function plainRun(python: string, program: string, cpuFile: string): Promise<Cost> {
  return runToExit(python, [program], reportingTo(cpuFile)).done;
}

/** An agent session the way the adapter runs one: listen, spawn with the token, configure. */
async function agentSession(
  python: string,
  programArgs: string[],
  breakpoints: Record<string, number[]>,
  whileStopped?: (request: (command: string, args?: object) => Promise<unknown>) => Promise<void>,
  cpuFile?: string,
  agentOptions: readonly string[] = [],
): Promise<Cost> {
  const token = randomBytes(16).toString('hex');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  // a script, started as the adapter starts one (agentCommandLine): the agent's __main__.py
  const run = runToExit(python, [path.join(agentDir, '__main__.py'), '--connect', `127.0.0.1:${port}`, ...agentOptions, '--', ...programArgs], reportingTo(cpuFile, {
    ...process.env,
    COROUTINE_LENS_TOKEN: token,
  }));
  const socket = await new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  server.close();
  let seq = 0;
  const pending = new Map<number, (message: { success: boolean; body?: unknown; message?: string }) => void>();
  let onStopped: (() => void) | undefined;
  lineReader(socket, (line) => {
    const message = JSON.parse(line) as { type: string; requestSeq?: number; event?: string; success: boolean };
    if (message.type === 'response') pending.get(message.requestSeq!)?.(message);
    if (message.type === 'event' && message.event === 'stopped') onStopped?.();
  });
  socket.on('error', () => undefined);
  const request = (command: string, body: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      seq += 1;
      pending.set(seq, (m) => (m.success ? resolve(m.body) : reject(new Error(`${command}: ${m.message}`))));
      socket.write(JSON.stringify({ type: 'request', seq, command, arguments: body }) + '\n');
    });
  const stopped = new Promise<void>((resolve) => (onStopped = resolve));
  socket.write(JSON.stringify({ type: 'hello', protocolVersion: 1, role: 'adapter' }) + '\n');
  await request('initialize', { justMyCode: true, showTasksAsThreads: false, taskThreadLimit: 0, blockedLoopThresholdMs: 100, stopOnEntry: false });
  for (const [file, lines] of Object.entries(breakpoints)) {
    await request('setBreakpoints', { path: file, breakpoints: lines.map((line) => ({ line })) });
  }
  await request('configurationDone');
  if (whileStopped) {
    await stopped;
    await whileStopped(request);
    await request('disconnect', { terminate: true }).catch(() => undefined);
    socket.destroy();
    await run.done.catch(() => undefined);
    return { wall: 0 };
  }
  return run.done;
}

/** A minimal DAP client for debugpy: Content-Length framing, initialize / attach / configurationDone. */
async function debugpyRun(python: string, program: string, breakpoints: Record<string, number[]>, cpuFile: string): Promise<Cost> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const run = runToExit(python, ['-m', 'debugpy', '--listen', `127.0.0.1:${port}`, '--wait-for-client', program], reportingTo(cpuFile));
  let socket: net.Socket | undefined;
  for (let attempt = 0; attempt < 200 && !socket; attempt++) {
    socket = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', () => resolve(undefined));
    });
    if (!socket) await new Promise((r) => setTimeout(r, 25));
  }
  if (!socket) throw new Error('debugpy did not listen');
  const connected = socket;
  connected.on('error', () => undefined);
  let seq = 0;
  let buffer = Buffer.alloc(0);
  const waiting = new Map<number, (body: unknown) => void>();
  let initialized: () => void = () => undefined;
  const initializedEvent = new Promise<void>((resolve) => (initialized = resolve));
  connected.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())![1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as {
        type: string;
        request_seq?: number;
        event?: string;
        body?: unknown;
      };
      buffer = buffer.subarray(headerEnd + 4 + length);
      if (message.type === 'response') waiting.get(message.request_seq!)?.(message.body);
      if (message.type === 'event' && message.event === 'initialized') initialized();
    }
  });
  const send = (command: string, body: object): Promise<unknown> => {
    seq += 1;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: body });
    connected.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return new Promise((resolve) => waiting.set(seq, resolve));
  };
  await send('initialize', { adapterID: 'bench', clientID: 'coroutine-lens-bench', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
  const attached = send('attach', { justMyCode: true, subProcess: false });
  await initializedEvent;
  for (const [file, lines] of Object.entries(breakpoints)) {
    await send('setBreakpoints', { source: { path: file }, breakpoints: lines.map((line) => ({ line })) });
  }
  await send('configurationDone', {});
  await attached;
  const cost = await run.done;
  await Promise.race([send('disconnect', {}), new Promise((r) => setTimeout(r, 2000))]);
  connected.destroy();
  return cost;
}

/** The medians of wall and of CPU, each on its own, over `runs` runs. */
/** Each configuration run `runs` times, one run of each in turn; the median cost of each (undefined for a configuration that is absent). */
async function interleavedMedians(runs: number, configurations: Array<(() => Promise<Cost>) | undefined>): Promise<Array<Cost | undefined>> {
  const costs: Cost[][] = configurations.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [index, once] of configurations.entries()) if (once) costs[index]!.push(await once());
  }
  const middle = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return costs.map((of) => {
    if (of.length === 0) return undefined;
    const cpus = of.flatMap((cost) => (cost.cpu === undefined ? [] : [cost.cpu]));
    return { wall: middle(of.map((cost) => cost.wall)), cpu: cpus.length === of.length ? middle(cpus) : undefined };
  });
}

/** Whether the agent copy under test knows `option` (an older one given with --agent=DIR may not). */
function agentKnows(python: string, option: string): boolean {
  const help = spawnSync(python, [agentDir, '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes(option);
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '—' : (ms / 1000).toFixed(2));
const ratio = (ms: number | undefined, base: number | undefined): string =>
  ms === undefined || base === undefined ? '—' : `${(ms / base).toFixed(2)}×`;

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const envs = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'python-envs.mjs')).href)) as {
    findInterpreters(): Record<string, string>;
    ensureVenvs(packages: string[], name: string, versions?: string[]): Record<string, string>;
  };
  const versions = Object.keys(envs.findInterpreters()).filter((v) => !VERSIONS || VERSIONS.includes(v));
  const pythons = envs.ensureVenvs(['tornado'], 'test', versions);
  const debugpys: Record<string, string | undefined> = {};
  for (const version of versions) {
    try {
      debugpys[version] = envs.ensureVenvs(['tornado', 'debugpy'], 'agent-bench', [version])[version];
    } catch (error) {
      console.error(`[bench:agent] debugpy for Python ${version}: not installable here (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const workspace = writeWorkspace();
  try {
    for (const [label, program] of TREE_ONLY ? [] : [
      ['asyncio: 100,000 tasks through gather + 100,000 items through a Queue', workspace.asyncio],
      ['Tornado: HTTPServer answering 5,000 local AsyncHTTPClient requests', workspace.tornado],
    ] as const) {
      const wallRows: string[][] = [];
      const cpuRows: string[][] = [];
      for (const version of versions) {
        const python = pythons[version]!;
        const unrelatedBreakpoint = { [workspace.unrelated]: [2] };
        const cpuFile = workspace.cpuFile;
        const debugpyPython = debugpys[version];
        const creationStacksOn = ['--task-creation-stacks'];
        const [plain, agent, agentBp, agentCs, debugpy] = await interleavedMedians(RUNS, [
          () => plainRun(python, program, cpuFile),
          () => agentSession(python, [program], {}, undefined, cpuFile),
          () => agentSession(python, [program], unrelatedBreakpoint, undefined, cpuFile),
          agentKnows(python, creationStacksOn[0]!) ? () => agentSession(python, [program], {}, undefined, cpuFile, creationStacksOn) : undefined,
          debugpyPython ? () => debugpyRun(debugpyPython, program, unrelatedBreakpoint, cpuFile) : undefined,
        ]);
        for (const [rows, of] of [[wallRows, (cost?: Cost) => cost?.wall], [cpuRows, (cost?: Cost) => cost?.cpu]] as const) {
          const [p, a, b, c, d] = [of(plain), of(agent), of(agentBp), of(agentCs), of(debugpy)];
          rows.push([version, seconds(p), seconds(a), seconds(b), seconds(c), seconds(d), ratio(a, p), ratio(b, p), ratio(c, p), ratio(d, p)]);
        }
        console.error(`[bench:agent] ${label.split(':')[0]} on ${version} done`);
      }
      const header = ['Python', 'plain', 'agent', 'agent+bp', 'agent+cs', 'debugpy', 'agent/plain', 'agent+bp/plain', 'agent+cs/plain', 'debugpy/plain'];
      table(`${label} — wall seconds, median of ${RUNS} (load average now ${loadAverage()})`, header, wallRows);
      table(`${label} — CPU seconds of the workload's process (user + sys, at its last line), median of ${RUNS}`, header, cpuRows);
      console.log('(agent and agent+bp: the defaults, task creation stacks off; agent+cs: on, "taskCreationStacks": true)');
    }
    const treeRows: string[][] = [];
    for (const version of OVERHEAD_ONLY ? [] : versions) {
      const row = [version];
      for (const size of TREE_SIZES) {
        let tasks = 0;
        const times: number[] = [];
        await agentSession(pythons[version]!, [workspace.tree, String(size)], { [workspace.tree]: [TREE_CHECKPOINT_LINE] }, async (request) => {
          for (let i = 0; i < 3; i++) {
            // While paused one capture serves every coroutineTree until something may change the
            // program, as an evaluate may: each repetition times a capture of its own.
            if (i > 0) await request('evaluate', { expression: '0', context: 'repl' });
            const started = performance.now();
            const tree = (await request('coroutineTree')) as { loops: Array<{ tasks: unknown[] }> };
            times.push(performance.now() - started);
            tasks = tree.loops.reduce((n, loop) => n + loop.tasks.length, 0);
          }
        });
        times.sort((a, b) => a - b);
        row.push(`${times[1]!.toFixed(0)} ms (${tasks} tasks)`);
      }
      treeRows.push(row);
    }
    if (!OVERHEAD_ONLY) table('coroutineTree end to end (request sent → response parsed), median of 3', ['Python', ...TREE_SIZES.map((n) => `${n.toLocaleString('en')} suspended`)], treeRows);
    console.log(`\nMachine: ${cpus().length} CPUs, load average ${loadAverage()}`);
  } finally {
    rmSync(workspace.dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

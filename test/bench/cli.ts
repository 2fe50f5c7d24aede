/**
 * `npm run bench:cli`: the CLI against ruff's ASYNC rules on the same corpus, side by side.
 * Corpus (the issue's): a venv with tornado, aiohttp, trio, anyio, httpx, requests (+ ruff)
 * installed by pip, plus that Python's standard library — built the same way on any machine.
 * `npm run bench:cli -- --corpus=applications`: a second one, the site-packages of a venv with
 * applications and drivers built on those frameworks (Jupyter, Bokeh, Starlette, database clients
 * …), where the engine's precision was checked again on code it was not tuned on;
 * `--corpus=services`, a third: service clients and servers (Streamlit's Tornado server, MCP, the
 * OpenAI and Anthropic SDKs, Supabase, MQTT, Modbus, Neo4j, Playwright …).
 * Prints wall time, peak RSS, files, lines and findings for: this CLI cold (no cache), warm (cache
 * filled by a previous run), and `ruff check --select ASYNC --no-cache --isolated`; the ratios;
 * and where the two disagree on the codes both implement. A report, never a pass/fail.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
interface Corpus {
  /** What pip installs into the corpus venv (ruff included: the peer runs from it). */
  packages: string[];
  /** The venv's name under `.cache/venvs/`. */
  venv: string;
  /** The Python standard library is part of it too. */
  stdlib: boolean;
}

const CORPORA: Record<string, Corpus> = {
  libraries: { packages: ['tornado', 'aiohttp', 'trio', 'anyio', 'httpx', 'requests', 'ruff'], venv: 'bench', stdlib: true },
  applications: {
    packages: ['bokeh', 'jupyter-server', 'jupyter-client', 'ipykernel', 'terminado', 'pyzmq', 'motor', 'starlette', 'uvicorn', 'websockets', 'redis', 'asyncpg', 'aiomysql', 'aiosqlite', 'fastapi', 'nats-py', 'sqlalchemy', 'aiofiles', 'psycopg', 'sse-starlette', 'ruff'],
    venv: 'bench-applications',
    stdlib: false,
  },
  services: {
    packages: ['streamlit', 'mcp', 'openai', 'anthropic', 'supabase', 'aiomqtt', 'apscheduler', 'pymodbus', 'neo4j', 'playwright', 'pyee', 'janus', 'trio-websocket', 'async-lru', 'aiofile', 'ruff'],
    venv: 'bench-services',
    stdlib: false,
  },
};

function chosenCorpus(): Corpus {
  const name = /^--corpus=(.+)$/.exec(process.argv.find((arg) => arg.startsWith('--corpus=')) ?? '')?.[1] ?? 'libraries';
  const corpus = CORPORA[name];
  if (!corpus) throw new Error(`unknown corpus '${name}' (known: ${Object.keys(CORPORA).join(', ')})`);
  return corpus;
}
/** The codes both tools implement (ruff's ASYNC1xx rules are about other things). */
const SHARED = ['ASYNC210', 'ASYNC212', 'ASYNC220', 'ASYNC221', 'ASYNC222', 'ASYNC230', 'ASYNC240', 'ASYNC250', 'ASYNC251'];
const RUNS = 3;

interface Measured {
  wallMs: number;
  /** User + system CPU time (undefined without GNU time). */
  cpuMs?: number;
  peakKb: number;
  stdout: string;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);

/**
 * Runs a command, measuring wall time, CPU time and peak resident set: through GNU time when the
 * machine has it (exact peak, CPU time — the fair figure on a machine shared with other work),
 * else by polling VmHWM in /proc.
 */
function measure(command: string, args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = hasGnuTime
      ? spawn(GNU_TIME, ['-f', '@@time %U %S %M', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    let peakKb = 0;
    const poll = (): void => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // the process has ended between polls
      }
    };
    const timer = hasGnuTime ? undefined : setInterval(poll, 5);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      if (timer) clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const timed = /@@time ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      resolve({
        wallMs,
        ...(timed ? { cpuMs: (Number(timed[1]) + Number(timed[2])) * 1000 } : {}),
        peakKb: timed ? Number(timed[3]) : peakKb,
        stdout: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

/** Median of RUNS measurements (by wall time). */
async function median(command: string, args: string[], before?: () => void): Promise<Measured> {
  const results: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    before?.();
    results.push(await measure(command, args));
  }
  results.sort((a, b) => a.wallMs - b.wallMs);
  return results[Math.floor(RUNS / 2)]!;
}

async function corpusPython({ packages, venv }: Corpus): Promise<string> {
  const envs = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'python-envs.mjs')).href)) as {
    findInterpreters(): Record<string, string>;
    ensureVenvs(packages: string[], name: string, versions?: string[]): Record<string, string>;
  };
  // aiohttp wheels exist for some Python versions only: take the first version that installs all.
  const preferred = ['3.11', '3.12', '3.13', '3.10', '3.9'].filter((v) => v in envs.findInterpreters());
  for (const version of preferred) {
    try {
      return envs.ensureVenvs(packages, venv, [version])[version]!;
    } catch (error) {
      console.error(`[bench] Python ${version}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no Python could install ${packages.join(', ')}`);
}

function countLines(files: string[]): number {
  let lines = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) lines++;
  }
  return lines;
}

type Key = string; // path:line:code

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const corpus = chosenCorpus();
  const python = await corpusPython(corpus);
  const paths = (JSON.parse(execFileSync(python, ['-c', 'import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps([p["purelib"], p["stdlib"]]))'], { encoding: 'utf8' })) as string[]).slice(0, corpus.stdlib ? 2 : 1);
  const ruff = path.join(path.dirname(python), 'ruff');
  const version = execFileSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
  const ruffVersion = execFileSync(ruff, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`corpus: site-packages of a venv with ${corpus.packages.join(', ')}${corpus.stdlib ? ` + the standard library of Python ${version}` : ` (Python ${version})`}`);
  for (const p of paths) console.log(`  ${p}`);

  const ruffFiles = execFileSync(ruff, ['check', '--select', 'ASYNC', '--no-cache', '--isolated', '--show-files', ...paths], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter((l) => l.endsWith('.py'));
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-bench-'));
  try {
    const loadAverage = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    // One untimed run of each warms the OS page cache, so every timed run reads from memory.
    await measure(ruff, ['check', '--select', 'ASYNC', '--no-cache', '--isolated', '--exit-zero', ...paths]);
    const ours = ['check', '--format', 'json', '--statistics'];
    const cold = await median(process.execPath, [cli, ...ours, '--no-cache', ...paths]);
    // The same without worker threads: what the pool gains (or costs) on this machine.
    const coldOneThread = await median(process.execPath, [cli, ...ours, '--no-cache', '--workers', '0', ...paths]);
    const coldAsync = await median(process.execPath, [cli, ...ours, '--no-cache', '--select', 'ASYNC', ...paths]);
    await measure(process.execPath, [cli, ...ours, '--cache-dir', cacheDir, ...paths]);
    const warm = await median(process.execPath, [cli, ...ours, '--cache-dir', cacheDir, ...paths]);
    const ruffRun = await median(ruff, ['check', '--select', 'ASYNC', '--no-cache', '--isolated', '--exit-zero', '--output-format', 'json', ...paths]);

    const report = JSON.parse(cold.stdout) as { files: number; findings: Array<{ path: string; start: { line: number }; code: string }>; statistics: Record<string, number> };
    const warmReport = JSON.parse(warm.stdout) as { findings: unknown[] };
    const ruffFindings = JSON.parse(ruffRun.stdout) as Array<{ code: string; filename: string; location: { row: number } }>;
    const lines = countLines(ruffFiles);

    const cpu = (m: Measured): string => (m.cpuMs === undefined ? '     n/a' : `${(m.cpuMs / 1000).toFixed(2).padStart(6)} s`);
    const cpuRatio = (m: Measured): string => (m.cpuMs === undefined || !ruffRun.cpuMs ? '  n/a' : `${(m.cpuMs / ruffRun.cpuMs).toFixed(2).padStart(5)}×`);
    const row = (name: string, m: Measured, files: number, findings: number): string =>
      `| ${name.padEnd(38)} | ${(m.wallMs / 1000).toFixed(2).padStart(6)} s | ${cpu(m)} | ${(m.peakKb / 1024).toFixed(0).padStart(5)} MB | ${String(files).padStart(5)} | ${String(findings).padStart(8)} | ${(m.wallMs / ruffRun.wallMs).toFixed(2).padStart(5)}× | ${cpuRatio(m)} |`;
    console.log(`\nmedian of ${RUNS} runs; lines: ${lines.toLocaleString('en')} in ruff's file set (${ruffFiles.length} files); ${os.availableParallelism()} cores; load average at start: ${loadAverage}, at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    console.log('| run                                    |   wall   |   CPU    |  peak RSS | files | findings | wall vs ruff | CPU vs ruff |');
    console.log('|----------------------------------------|----------|----------|-----------|-------|----------|---------|---------|');
    console.log(row('coroutine-lens cold (--no-cache)', cold, report.files, report.findings.length));
    console.log(row('coroutine-lens cold, --workers 0', coldOneThread, report.files, (JSON.parse(coldOneThread.stdout) as { findings: unknown[] }).findings.length));
    console.log(row('coroutine-lens cold, --select ASYNC', coldAsync, report.files, (JSON.parse(coldAsync.stdout) as { findings: unknown[] }).findings.length));
    console.log(row('coroutine-lens warm (cache)', warm, report.files, warmReport.findings.length));
    console.log(row(`ruff ${ruffVersion.replace('ruff ', '')} --select ASYNC --no-cache`, ruffRun, ruffFiles.length, ruffFindings.length));
    console.log(`\ngoals (wall): cold ≤ 2× ruff → ${(cold.wallMs / ruffRun.wallMs).toFixed(2)}×; warm < ruff cold → ${(warm.wallMs / ruffRun.wallMs).toFixed(2)}×; peak < 400 MB → ${(Math.max(cold.peakKb, warm.peakKb) / 1024).toFixed(0)} MB`);

    console.log('\nfindings of coroutine-lens by code:', JSON.stringify(report.statistics));
    const ruffByCode: Record<string, number> = {};
    for (const f of ruffFindings) ruffByCode[f.code] = (ruffByCode[f.code] ?? 0) + 1;
    console.log('findings of ruff by code:          ', JSON.stringify(ruffByCode));

    // Disagreements on shared codes, matched by file, line and code.
    const cwd = process.cwd();
    const ourKeys = new Set<Key>(report.findings.filter((f) => SHARED.includes(f.code)).map((f) => `${path.resolve(cwd, f.path)}:${f.start.line}:${f.code}`));
    const ruffKeys = new Set<Key>(ruffFindings.filter((f) => SHARED.includes(f.code)).map((f) => `${f.filename}:${f.location.row}:${f.code}`));
    const onlyOurs = [...ourKeys].filter((k) => !ruffKeys.has(k));
    const onlyRuff = [...ruffKeys].filter((k) => !ourKeys.has(k));
    console.log(`\nshared codes (${SHARED.join(' ')}): both ${[...ourKeys].filter((k) => ruffKeys.has(k)).length}, only coroutine-lens ${onlyOurs.length}, only ruff ${onlyRuff.length}`);
    const show = (title: string, keys: Key[]): void => {
      console.log(`\n${title}:`);
      for (const key of keys.sort()) {
        const [file, line, code] = key.split(/:(?=\d+:[A-Z])|:(?=[A-Z]+\d+$)/) as [string, string, string];
        const source = readFileSync(file, 'utf8').split('\n')[Number(line) - 1]?.trim() ?? '';
        const root = paths.find((p) => file.startsWith(p + path.sep)) ?? '';
        console.log(`  ${code} ${path.basename(root)}/${path.relative(root, file)}:${line}  ${source.slice(0, 90)}`);
      }
    };
    show('only coroutine-lens', onlyOurs);
    show('only ruff', onlyRuff);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

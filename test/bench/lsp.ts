// `npm run bench:lsp`: this language server, `ruff server` (ruff from pip) and `pyright-langserver`
// (pyright, a devDependency; a global one is used when the local one is missing) measured by one LSP client on the same generated files:
//   - time from didOpen to the first publishDiagnostics of a 5,000-line file;
//   - time from didChange to the publishDiagnostics for that version, over 200 single-character edits
//     typed in a comment, then over 200 typed into the name a coroutine calls (facts change each time);
//   - index time and RSS for a 200,000-line workspace, and the warm re-open from the on-disk cache.
// A report, not a test: nothing here passes or fails.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { coroutineLensServer, LspClient, makeWorkspace, repoRoot, type ServerCommand } from '../support/lspClient';

const EDITS = 200;
const FILE_LINES = 5_000;
const WORKSPACE_LINES = 200_000;
const WORKSPACE_FILE_LINES = 500;

/** About 25 lines of everyday asyncio code per block; some blocks block (time.sleep, a helper that reads a file). */
function block(i: number): string {
  return `async def handler_${i}(request):
    """Handle request ${i}."""
    data = await fetch_${i}(request)
    total = 0
    for item in data:
        total += item * ${i}
    if total > ${i % 7 === 0 ? 10 : 100_000}:
        ${i % 7 === 0 ? 'time.sleep(0.1)' : 'await asyncio.sleep(0)'}
    result = helper_${i}(total)
    await asyncio.sleep(0)
    return {"id": ${i}, "result": result, "name": f"handler-{request}"}


def helper_${i}(value):
    values = [value, value + 1, value + 2]
    ${i % 11 === 0 ? 'open("/tmp/log.txt").read()' : 'values.sort()'}
    return sum(values) // len(values)


async def fetch_${i}(request):
    await asyncio.sleep(0.01)
    return [1, 2, 3, ${i}]


`;
}

/** A module of about `lines` lines; `calls` adds a call into another module of the workspace (cross-file chains). */
function pythonModule(lines: number, offset: number, calls?: string): string {
  let text = 'import asyncio\nimport time\n' + (calls ? `from ${calls} import helper_${offset}\n` : '') + '\n\n';
  for (let i = offset; text.split('\n').length < lines; i++) text += block(i);
  return text;
}

function rssMegabytes(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Latency {
  p50: number;
  p95: number;
  max: number;
}

interface Row {
  server: string;
  firstMs?: number;
  /** didChange → publishDiagnostics, typing in a comment / into a call in a coroutine (typingPlace). */
  comment?: Latency;
  call?: Latency;
  indexMs?: number;
  rssMb?: number;
  warmMs?: number;
  note?: string;
}

/** Waits for the publication for `version`, or — for a server that does not send versions — the next one. */
async function publicationAfter(client: LspClient, uri: string, seen: number, version: number): Promise<void> {
  await client.waitFor(
    () => client.diagnostics.get(uri)?.slice(seen).find((p) => p.version === version || p.version === undefined || p.version === null),
    `diagnostics for version ${version}`,
    60_000,
  );
}

/**
 * Where the 200 characters are typed: on a line made a comment in the middle of the file (facts stay
 * the same), or into the name a coroutine calls (`helper_N(total)` → `helper_Na(total)` …: its facts change with every key).
 */
type Typing = 'comment' | 'call';

/** The line typed on, its text before the first measured edit, and the column typing starts at. */
function typingPlace(source: string, typing: Typing): { line: number; text: string; column: number } {
  const lines = source.split('\n');
  const middle = Math.floor(FILE_LINES / 2);
  if (typing === 'comment') return { line: middle, text: '# typing here: ', column: 15 };
  const line = lines.findIndex((text, index) => index >= middle && text.includes('result = helper_'));
  const column = lines[line]!.indexOf('(');
  return { line, text: `${lines[line]!.slice(0, column)}_${lines[line]!.slice(column)}`, column: column + 1 };
}

async function editLatency(server: ServerCommand, row: Row, options: Parameters<typeof LspClient.start>[1]): Promise<void> {
  const source = pythonModule(FILE_LINES, 0);
  const workspace = makeWorkspace({ 'big_module.py': source });
  const uri = workspace.uri('big_module.py');
  const client = await LspClient.start(server, { root: workspace.root, ...options });
  try {
    if (server.name === 'coroutine-lens') await client.progressEnded();
    let started = performance.now();
    await client.open(uri, source, 1);
    await publicationAfter(client, uri, 0, 1);
    row.firstMs = performance.now() - started;
    let version = 1;
    const lines = source.split('\n');
    for (const typing of ['comment', 'call'] as const) {
      // Back to the original text, then the line prepared for typing (neither measured).
      const place = typingPlace(source, typing);
      version++;
      await client.change(uri, version, [{ text: source }]);
      await publicationAfter(client, uri, client.publications(uri), version);
      version++;
      await client.change(uri, version, [{ range: { start: { line: place.line, character: 0 }, end: { line: place.line, character: lines[place.line]!.length } }, text: place.text }]);
      await publicationAfter(client, uri, client.publications(uri), version);
      const times: number[] = [];
      for (let i = 0; i < EDITS; i++) {
        version++;
        const seen = client.publications(uri);
        const at = { line: place.line, character: place.column + i };
        started = performance.now();
        await client.change(uri, version, [{ range: { start: at, end: at }, text: 'abcdefghij'[i % 10]! }]);
        await publicationAfter(client, uri, seen, version);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      row[typing] = { p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1)! };
    }
  } finally {
    await client.stop();
    workspace.remove();
  }
}

/** The same edits straight into the engine (updateFile + analyzeFile), no LSP: what the server cannot go below. */
async function engineLatency(row: Row): Promise<void> {
  const source = pythonModule(FILE_LINES, 0);
  const engine = await AnalysisEngine.create({ wasmDir: path.join(repoRoot, 'dist') });
  const root = path.join(tmpdir(), 'coroutine-lens-bench-engine');
  const file = path.join(root, 'big_module.py');
  engine.setConfiguration(root, defaultConfiguration());
  let started = performance.now();
  engine.updateFile(file, source);
  engine.analyzeFile(file);
  row.firstMs = performance.now() - started;
  for (const typing of ['comment', 'call'] as const) {
    const place = typingPlace(source, typing);
    const lines = source.split('\n');
    lines[place.line] = place.text;
    engine.updateFile(file, lines.join('\n'));
    engine.analyzeFile(file);
    const times: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const text = lines[place.line]!;
      lines[place.line] = text.slice(0, place.column + i) + 'abcdefghij'[i % 10]! + text.slice(place.column + i);
      const edited = lines.join('\n');
      started = performance.now();
      engine.updateFile(file, edited);
      engine.analyzeFile(file);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    row[typing] = { p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1)! };
  }
}

function workspaceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const count = WORKSPACE_LINES / WORKSPACE_FILE_LINES;
  for (let i = 0; i < count; i++) {
    // Every fourth module calls a helper of the next one: chains across files for the index to summarise.
    files[`pkg${Math.floor(i / 50)}/mod${i}.py`] = pythonModule(WORKSPACE_FILE_LINES, i * 1000, i % 4 === 0 ? `pkg${Math.floor((i + 1) / 50)}.mod${i + 1}` : undefined);
  }
  for (let p = 0; p * 50 < count; p++) files[`pkg${p}/__init__.py`] = '';
  return files;
}

/** Ours: time to the end of the index progress, RSS then; then a restart on the same cache (warm). */
async function indexOurs(row: Row, files: Record<string, string>): Promise<void> {
  const workspace = makeWorkspace(files);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-bench-cache-'));
  try {
    for (const pass of ['cold', 'warm'] as const) {
      const started = performance.now();
      const client = await LspClient.start(coroutineLensServer(), { root: workspace.root, initializationOptions: { cacheDir } });
      await client.progressEnded(300_000);
      const elapsed = performance.now() - started;
      if (pass === 'cold') Object.assign(row, { indexMs: elapsed, rssMb: rssMegabytes(client.pid) });
      else row.warmMs = elapsed;
      await client.stop();
    }
  } finally {
    workspace.remove();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** Peers do not index ahead: RSS after start-up and one opened module of the same workspace. */
async function rssPeer(server: ServerCommand, row: Row, files: Record<string, string>, options: Parameters<typeof LspClient.start>[1]): Promise<void> {
  const workspace = makeWorkspace(files);
  const client = await LspClient.start(server, { root: workspace.root, ...options });
  try {
    const uri = workspace.uri('pkg0/mod0.py');
    await client.open(uri, files['pkg0/mod0.py'], 1);
    await publicationAfter(client, uri, 0, 1);
    row.rssMb = rssMegabytes(client.pid);
    row.note = 'RSS after start-up + one open module (no workspace index)';
  } finally {
    await client.stop();
    workspace.remove();
  }
}

async function ruffServer(): Promise<ServerCommand | undefined> {
  try {
    const { ensureVenvs } = (await import(path.join(repoRoot, 'scripts', 'python-envs.mjs'))) as {
      ensureVenvs(packages: string[], name: string): Record<string, string>;
    };
    const python = Object.values(ensureVenvs(['ruff'], 'lsp-bench')).at(-1)!;
    const ruff = path.join(path.dirname(python), process.platform === 'win32' ? 'ruff.exe' : 'ruff');
    const version = execFileSync(ruff, ['--version'], { encoding: 'utf8' }).trim();
    return { name: version.replace(/^ruff/, 'ruff server'), command: ruff, args: ['server'] };
  } catch (error) {
    console.error(`[bench:lsp] ruff unavailable: ${(error as Error).message}`);
    return undefined;
  }
}

function pyrightServer(): ServerCommand | undefined {
  const local = path.join(repoRoot, 'node_modules', '.bin', 'pyright-langserver');
  if (existsSync(local)) return { name: 'pyright-langserver', command: local, args: ['--stdio'] };
  try {
    execFileSync('pyright-langserver', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return { name: 'pyright-langserver', command: 'pyright-langserver', args: ['--stdio'] };
  } catch {
    return undefined;
  }
}

const ms = (value: number | undefined): string => (value === undefined ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(0));

function printTable(rows: Row[]): void {
  const header = ['server', 'first diag ms', 'edit p50 ms', 'edit p95 ms', 'edit max ms', 'call p50 ms', 'call p95 ms', 'call max ms', '200k index ms', 'RSS MB', 'warm re-open ms'];
  const cells = rows.map((r) => [
    r.server,
    ms(r.firstMs),
    ms(r.comment?.p50),
    ms(r.comment?.p95),
    ms(r.comment?.max),
    ms(r.call?.p50),
    ms(r.call?.p95),
    ms(r.call?.max),
    ms(r.indexMs),
    r.rssMb === undefined ? '—' : r.rssMb.toFixed(0),
    ms(r.warmMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(`\nLSP benchmark: ${FILE_LINES}-line file, ${EDITS} single-character edits; ${WORKSPACE_LINES}-line workspace (${WORKSPACE_LINES / WORKSPACE_FILE_LINES} files)`);
  console.log(`load average at the end: ${loadavg().map((load) => load.toFixed(2)).join(' ')} (${availableParallelism()} cores)\n`);
  console.log(line(header));
  for (const c of cells) console.log(line(c));
  console.log('  edit: typing in a comment (facts unchanged); call: typing into the name a coroutine calls (its facts change every key)');
  for (const r of rows) if (r.note) console.log(`  ${r.server}: ${r.note}`);
  console.log('\nGoals: edit p95 ≤ 15 ms and ≤ ruff server\'s p95; 200k-line index < 3000 ms; warm re-open < 500 ms.');
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const files = workspaceFiles();
  const ours: Row = { server: 'coroutine-lens' };
  rows.push(ours);
  await editLatency(coroutineLensServer(), ours, {});
  await indexOurs(ours, files);
  const engineOnly: Row = { server: '  its engine, in-process', note: 'updateFile + analyzeFile without LSP: the floor under the server\'s figures' };
  rows.push(engineOnly);
  await engineLatency(engineOnly);

  const ruff = await ruffServer();
  if (ruff) {
    const row: Row = { server: ruff.name };
    rows.push(row);
    // The ASYNC rules on top of ruff's defaults: the closest ruff gets to this server's checks.
    const options = { initializationOptions: { settings: { lint: { extendSelect: ['ASYNC'] } } } };
    await editLatency(ruff, row, options);
    await rssPeer(ruff, row, files, options);
  } else {
    rows.push({ server: 'ruff server', note: 'not available (pip install of ruff failed)' });
  }

  const pyright = pyrightServer();
  if (pyright) {
    const row: Row = { server: pyright.name };
    rows.push(row);
    await editLatency(pyright, row, {});
    await rssPeer(pyright, row, files, {});
  } else {
    rows.push({ server: 'pyright-langserver', note: 'not installed (run npm install: pyright is a devDependency)' });
  }
  printTable(rows);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});

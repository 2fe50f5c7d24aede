/**
 * A file's findings must not depend on how the engine gets to them: which files were analysed
 * before it (the transitive summaries memoised by earlier files), whether blocks are parsed
 * lazily, or which thread analyses it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration, loadPyprojectConfiguration, mergeConfiguration, type FileResult } from '../../server/src/analysis';
import { fixturesRoot, repoRoot, wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-order-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function workspace(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** Each file's CORO120 chains, analysing the files in `order`. */
async function chains(root: string, order: string[]): Promise<Record<string, string[]>> {
  const engine = await AnalysisEngine.create({ wasmDir });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  const result: Record<string, string[]> = {};
  for (const file of order) {
    result[file] = engine
      .analyzeFile(path.join(root, file))
      .findings.filter((f) => f.code === 'CORO120')
      .map((f) => f.chain!.map((hop) => hop.description).join(' → '));
  }
  return result;
}

// `through_f` reaches time.sleep in two ways: f → short (shortest) and f → long1 → long2 (longer, and
// first in f's call order). Analysing `through_long` first memoises long1's summary; that must not
// make f's chain the longer one.
const helpers = `import time

def long2():
    time.sleep(1)

def long1():
    long2()

def short():
    time.sleep(1)

def f():
    long1()
    short()
`;

test('a CORO120 chain is the shortest whichever file was analysed first', async () => {
  const root = workspace('memo', {
    'helpers.py': helpers,
    'through_long.py': 'from helpers import long1\n\nasync def a():\n    long1()\n',
    'through_f.py': 'from helpers import f\n\nasync def b():\n    f()\n',
  });
  const forward = await chains(root, ['through_long.py', 'through_f.py']);
  const backward = await chains(root, ['through_f.py', 'through_long.py']);
  assert.deepEqual(forward['through_f.py'], ['f() → short() → time.sleep()']);
  assert.deepEqual(forward, backward);
});

/** `file:line CODE` of every finding, each file analysed by a fresh engine. */
async function findingLines(root: string, options: { lazyParsing: boolean }): Promise<string[]> {
  const engine = await AnalysisEngine.create({ wasmDir, lazyParsing: options.lazyParsing });
  engine.setConfiguration(root, mergeConfiguration(defaultConfiguration(), { severity: { CORO202: 'warning' } }));
  await engine.indexWorkspace(root);
  return engine.indexedFiles(root).flatMap((file) => engine.analyzeFile(file).findings.map((f) => `${path.basename(file)}:${f.range.start.line + 1} ${f.code}`));
}

test('a dropped library coroutine or @gen.coroutine call in a lazy synchronous function is found as with whole parsing', async () => {
  const root = workspace('drops', {
    'tasks.py': 'import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n\ndef forget():\n    asyncio.sleep(1)\n',
    'legacy.py': 'from tornado import gen\n\n@gen.coroutine\ndef fetch():\n    yield gen.sleep(0)\n\ndef kick():\n    fetch()\n',
  });
  const lazy = await findingLines(root, { lazyParsing: true });
  assert.deepEqual(lazy, ['legacy.py:8 CORO202', 'tasks.py:7 CORO200']);
  assert.deepEqual(lazy, await findingLines(root, { lazyParsing: false }));
});

const workerScript = path.join(repoRoot, 'dist', 'cli.js');
const fixtureWorkspaces = readdirSync(fixturesRoot).map((name) => path.join(fixturesRoot, name));
/** Tornado from a test venv, when there is one: cross-module chains in real code. */
const tornado = ['3.9', '3.10', '3.11', '3.12', '3.13']
  .map((v) => path.join(repoRoot, '.cache', 'venvs', `test-py${v}`, 'lib', `python${v}`, 'site-packages', 'tornado'))
  .find((p) => existsSync(p));

/** Every result of every workspace, as JSON, analysed by `analyze`. */
async function results(roots: string[], workers: number, analyze: (engine: AnalysisEngine, files: string[]) => Promise<FileResult[]>): Promise<string[]> {
  const engine = await AnalysisEngine.create({ wasmDir, workers, workerScript, poolMinFiles: 1 });
  for (const root of roots) engine.setConfiguration(root, (await loadPyprojectConfiguration(root)).config);
  for (const root of roots) await engine.indexWorkspace(root);
  const files = engine.indexedFiles().filter((file) => engine.mayHaveFindings(file));
  return (await analyze(engine, files)).map((result) => JSON.stringify(result));
}

test('files shared out to worker threads get the results this thread gives them', { skip: existsSync(workerScript) ? false : 'dist/cli.js is missing (npm run build)' }, async () => {
  const roots = [...fixtureWorkspaces, ...(tornado ? [tornado] : [])];
  const alone = await results(roots, 0, async (engine, files) => files.map((file) => engine.analyzeFile(file)));
  const shared = await results(roots, 2, (engine, files) => engine.analyzeFiles(files));
  assert.ok(alone.length > 10, `the workspaces have files that may have findings (${alone.length})`);
  assert.deepEqual(shared, alone);
});

test('a cold and a warm CLI run over a workspace large enough for worker threads both end', { skip: existsSync(workerScript) ? false : 'dist/cli.js is missing (npm run build)' }, () => {
  // 320 files (the pool starts from 300): one with a finding, the rest plain. The warm run reads
  // everything from the cache, so no worker has anything to do, and none may keep the process alive.
  const files: Record<string, string> = { 'app.py': 'import time\n\nasync def main():\n    time.sleep(1)\n' };
  for (let i = 0; i < 319; i++) files[`pkg/m${i}.py`] = `def f${i}():\n    return ${i}\n`;
  const root = workspace('many', files);
  const cacheDir = path.join(root, '.cache');
  for (const run of ['cold', 'warm']) {
    const child = spawnSync(process.execPath, [workerScript, 'check', '--workers', '1', '--cache-dir', cacheDir, root], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, `the ${run} run ended by itself (not killed after 60 s)`);
    assert.equal(child.status, 1, `${run}: ${child.stderr}`);
    assert.match(child.stdout, /app\.py:4:5: ASYNC251/);
  }
});

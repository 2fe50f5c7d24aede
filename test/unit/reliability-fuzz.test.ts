/**
 * Short seeded engine fuzz (the long run is `npm run fuzz`): mutated copies of the examples and the
 * engine fixtures never make the engine throw or stall, and give the same findings twice and from a
 * warm cache. A failure names the seed and the mutations, so `fuzz.js --seed` reproduces it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { analyseInChild, corpusProject, fuzzEngine, MUTATIONS, Random } from '../support/reliabilityFuzz';
import { fixturesRoot, repoRoot, wasmDir } from './engineHarness';

const projects = [
  corpusProject(path.join(repoRoot, 'examples')),
  ...['broken', 'chains', 'config', 'direct', 'frameworks', 'tornado_app', 'unawaited'].map((name) => corpusProject(path.join(fixturesRoot, name))),
];

test('the mutator is deterministic for a seed', () => {
  const source = Buffer.from('import time\n\nasync def f():\n    time.sleep(1)\n');
  for (const name of Object.keys(MUTATIONS)) {
    const a = MUTATIONS[name]!(source, new Random(7));
    const b = MUTATIONS[name]!(source, new Random(7));
    assert.deepEqual(a, b, name);
  }
});

test('200 mutated inputs: no throw, bounded time, deterministic, cold = cached', { timeout: 150_000 }, async () => {
  const stats = await fuzzEngine({ wasmDir, projects, seed: 20261125, inputs: 200, perBatch: 10, maxInputMs: 5_000 });
  assert.equal(stats.inputs, 200);
  assert.deepEqual(stats.failures, [], JSON.stringify(stats.failures, null, 2));
});

// Found by the fuzz (a lazy block parsed on demand added its syntax problem to facts that were then
// cached, so only a warm run reported it); fixed in the engine, kept as a regression test.
test('a syntax error in a lazily parsed block is reported the same cold and from the cache', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-lazy-'));
  try {
    mkdirSync(path.join(workspace, 'app'));
    writeFileSync(path.join(workspace, 'app', '__init__.py'), '');
    writeFileSync(path.join(workspace, 'app', 'a_service.py'), 'def process():\n    reimport tuyield rn step_two()\n\n\nasync def generated():\n    pass\n');
    writeFileSync(path.join(workspace, 'app', 'b_server.py'), 'from . import a_service\n\n\nasync def handler():\n    a_service.process()\n');
    const notesOf = async (cacheDir?: string): Promise<string[]> => {
      const engine = await AnalysisEngine.create({ wasmDir, ...(cacheDir ? { cacheDir } : {}) });
      engine.setConfiguration(workspace, defaultConfiguration());
      await engine.indexWorkspace(workspace);
      const notes = engine.indexedFiles(workspace).flatMap((file) => engine.analyzeFile(file).notes.map((n) => `${path.basename(n.path)}: ${n.message}`));
      await engine.flushCache();
      return notes;
    };
    const cacheDir = path.join(workspace, '.cache');
    const cold = await notesOf();
    await notesOf(cacheDir);
    assert.deepEqual(await notesOf(cacheDir), cold);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});

// Found by the long fuzz: a Python name that is also a member of Object.prototype (`constructor`,
// `toString`, …) made resolution read the prototype's function as a binding and throw, failing the
// whole file (CLI: internal error). Fixed in resolve.ts (own properties only).
const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
const NAME_CASES: Record<string, { source: (name: string) => string; codes: string[] }> = {
  'a call of an unknown name': { source: (n) => `import time\n\nasync def f():\n    ${n}()\n    time.sleep(1)\n`, codes: ['ASYNC251'] },
  'an import alias': { source: (n) => `from time import sleep as ${n}\n\nasync def f():\n    ${n}(1)\n`, codes: ['ASYNC251'] },
  'a module-level assignment': { source: (n) => `import time\n${n} = time.sleep\n\nasync def f():\n    ${n}(1)\n`, codes: ['ASYNC251'] },
  'an unknown attribute of self': { source: (n) => `import time\n\nclass C:\n    async def f(self):\n        self.${n}()\n        time.sleep(1)\n`, codes: ['ASYNC251'] },
  'a blocking method': { source: (n) => `import time\n\nclass C:\n    def ${n}(self):\n        time.sleep(1)\n\n    async def f(self):\n        self.${n}()\n`, codes: ['CORO120'] },
};

test('names that are also Object.prototype members resolve like any other name', async () => {
  const engine = await AnalysisEngine.create({ wasmDir });
  const file = path.join(repoRoot, 'examples', 'prototype_names.py');
  for (const name of PROTOTYPE_NAMES) {
    for (const [label, { source, codes }] of Object.entries(NAME_CASES)) {
      engine.updateFile(file, source(name));
      assert.deepEqual(engine.analyzeFile(file).findings.map((f) => f.code), codes, `${name}: ${label}`);
    }
  }
});

test('`__proto__` as an import alias or a module-level name resolves', { todo: 'facts.ts stores bindings in plain objects: `imports["__proto__"] = …` sets the prototype instead of a binding, so the blocking call behind it is missed' }, async () => {
  const engine = await AnalysisEngine.create({ wasmDir });
  const file = path.join(repoRoot, 'examples', 'prototype_names.py');
  for (const label of ['an import alias', 'a module-level assignment']) {
    engine.updateFile(file, NAME_CASES[label]!.source('__proto__'));
    assert.deepEqual(engine.analyzeFile(file).findings.map((f) => f.code), ['ASYNC251'], label);
  }
});

/** Inputs each fuzz mutation family can grow into, at sizes a generated file can reach. */
const pathological: Record<string, string> = {
  'nested parentheses x100000': 'x = ' + '('.repeat(100_000) + ')'.repeat(100_000),
  'nested async defs x3000': Array.from({ length: 3000 }, (_, d) => ' '.repeat(d) + 'async def f():\n').join('') + ' '.repeat(3000) + 'time.sleep(1)\n',
  'awaits x50000': 'async def f():\n    x = ' + 'await '.repeat(50_000) + 'y\n',
  'subscripts x2000': 'async def f():\n    a' + '[0]'.repeat(2000) + '\n',
  'unary minus x200000': 'x = ' + '-'.repeat(200_000) + '1\n',
  'binary chain x100000': 'x = 1' + ' + 1'.repeat(100_000) + '\n',
  'decorators x1000': '@gen.coroutine\n'.repeat(1000) + 'def f():\n    time.sleep(1)\n',
  'alias chain x1000': 'import time as t0\n' + Array.from({ length: 1000 }, (_, i) => `t${i + 1} = t${i}`).join('\n') + '\nasync def f():\n    t1000.sleep(1)\n',
  'lone surrogates': 'async def f():\n    s = "\ud800\udfff\udc00"\n    time.sleep(1)\n',
};

for (const [name, text] of Object.entries(pathological)) {
  test(`pathological input analysed within 10 s without throwing: ${name}`, () => {
    const run = analyseInChild(wasmDir, text, 10_000);
    assert.equal(run.outcome, 'ok', run.detail);
  });
}

// Defects found by this harness, left to the engine's owner; `todo` runs them and shows the result
// without failing the tier. Remove the `todo` once fixed.
const ATTRIBUTE_CHAIN = 'import time\nasync def f():\n    time' + '.sleep'.repeat(2000) + '(1)\n';
test('attribute chain x2000 (`time.sleep.sleep…(1)`) analysed within 10 s', { todo: 'resolve.ts qualified() re-splits and re-joins every prefix of the dotted name for each attribute step: cubic, 6–10 s at 1000 segments, 40–72 s at 2000' }, () => {
  const run = analyseInChild(wasmDir, ATTRIBUTE_CHAIN, 10_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

const DOTTED_IMPORT = Array.from({ length: 2000 }, (_, i) => `m${i}`).join('.');
test('import of a 2000-part dotted module analysed within 10 s', { todo: 'resolve.ts qualified(): same cubic cost through an import (4–8 s at 1000 parts, 34 s at 2000)' }, () => {
  const run = analyseInChild(wasmDir, `import ${DOTTED_IMPORT}\nasync def f():\n    ${DOTTED_IMPORT}()\n`, 10_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

const CALL_CHAIN = 'import time\nasync def f():\n    time' + '.sleep(1)'.repeat(4000) + '\n';
test('method-call chain x4000 (`time.sleep(1).sleep(1)…`) does not overflow the stack', { todo: 'facts.ts dotted() recurses once per call/attribute and is re-run for every call node: RangeError (maximum call stack size) at 4000 links, 11 s at 2000' }, () => {
  const run = analyseInChild(wasmDir, CALL_CHAIN, 20_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

// Found by the long fuzz (stdlib __phello__/spam.py, lines joined by "(", 50,000 statements, 360
// nested blocks): the raw parse takes 1–4 s, facts extraction 25–90 s, nearly all of it in
// Query.captures over the error-recovered tree. The input is kept, gzipped, in test/reliability/.
test('a 1.5 MB file that tree-sitter recovers into a giant error tree is analysed within 20 s', { todo: 'facts.ts extractFacts: Query.captures is pathological on this error tree (25–90 s)' }, () => {
  const text = gunzipSync(readFileSync(path.join(repoRoot, 'test', 'reliability', 'slow-error-tree.py.gz'))).toString('utf8');
  const run = analyseInChild(wasmDir, text, 20_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

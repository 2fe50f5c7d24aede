/**
 * Inputs the fuzz mutations grow into, at sizes generated code reaches, each analysed in a child
 * process with a time bound (a spinning or stack-overflowing engine cannot take the run down).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { analyseInChild } from '../support/reliabilityFuzz';
import { repoRoot, wasmDir } from './engineHarness';

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

// Defects this harness found, fixed, kept as regression tests.
const ATTRIBUTE_CHAIN = 'import time\nasync def f():\n    time' + '.sleep'.repeat(2000) + '(1)\n';
test('attribute chain x2000 (`time.sleep.sleep…(1)`) analysed within 10 s', () => {
  const run = analyseInChild(wasmDir, ATTRIBUTE_CHAIN, 10_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

const DOTTED_IMPORT = Array.from({ length: 2000 }, (_, i) => `m${i}`).join('.');
test('import of a 2000-part dotted module analysed within 10 s', () => {
  const run = analyseInChild(wasmDir, `import ${DOTTED_IMPORT}\nasync def f():\n    ${DOTTED_IMPORT}()\n`, 10_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

const CALL_CHAIN = 'import time\nasync def f():\n    time' + '.sleep(1)'.repeat(4000) + '\n';
test('method-call chain x4000 (`time.sleep(1).sleep(1)…`) does not overflow the stack', () => {
  const run = analyseInChild(wasmDir, CALL_CHAIN, 20_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

// Found by the long fuzz (stdlib __phello__/spam.py, lines joined by "(", 50,000 statements, 360
// nested blocks): the raw parse takes 1–4 s, facts extraction 25–90 s, nearly all of it in
// Query.captures over the error-recovered tree. The input is kept, gzipped, in test/reliability/.
test('a 1.5 MB file that tree-sitter recovers into a giant error tree is analysed within 20 s', () => {
  const text = gunzipSync(readFileSync(path.join(repoRoot, 'test', 'reliability', 'slow-error-tree.py.gz'))).toString('utf8');
  const run = analyseInChild(wasmDir, text, 20_000);
  assert.equal(run.outcome, 'ok', run.detail);
});

/**
 * What a file's findings are must not depend on which files were analysed before it (the
 * transitive summaries memoised by earlier files), nor on which thread analyses it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { wasmDir } from './engineHarness';

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

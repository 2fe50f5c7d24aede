/**
 * The CLI and the language server agree, finding for finding (code and range), on every file of the
 * examples and of the engine fixtures (the long run over the standard library is in `npm run soak`).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../support/lspClient';
import { differential } from '../support/reliabilityDifferential';
import { pythonFilesUnder } from '../support/reliabilityFuzz';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-differential-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'engine');
const corpora = [path.join(repoRoot, 'examples'), ...readdirSync(fixtures).map((name) => path.join(fixtures, name))];

/** A copy, so neither side writes a cache into the repository. */
function copyOf(source: string): string {
  const root = path.join(scratch, path.basename(source));
  cpSync(source, root, { recursive: true, force: true });
  return root;
}

for (const source of corpora) {
  test(`CLI = language server on ${path.relative(repoRoot, source)}`, async () => {
    const root = copyOf(source);
    const result = await differential(root, pythonFilesUnder(root));
    assert.ok(result.files > 0, 'no file compared');
    assert.deepEqual(result.mismatches, [], `${result.files} files, ${result.findings} CLI findings`);
  });
}

test('CLI = language server on a file with NUL bytes (Python refuses it: both skip it with a note)', async () => {
  const root = copyOf(path.join(fixtures, 'broken'));
  const result = await differential(root, ['nul_bytes.py']);
  assert.deepEqual(result.mismatches, []);
});

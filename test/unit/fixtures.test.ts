/**
 * The fixture suite: every folder of test/fixtures/engine is a workspace (with its own
 * pyproject.toml where it needs configuration); every .py file's findings must match its
 * `# expect:` comments exactly, analysed as the CLI analyses them.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { compare, engineFor, expectationsIn, fixturesRoot } from './engineHarness';

for (const workspace of readdirSync(fixturesRoot, { withFileTypes: true }).filter((d) => d.isDirectory())) {
  test(`fixtures: ${workspace.name}`, async () => {
    const root = path.join(fixturesRoot, workspace.name);
    const engine = await engineFor(root);
    const files = engine.indexedFiles(root);
    assert.ok(files.length > 0, 'the workspace has Python files');
    const problems: string[] = [];
    let expectations = 0;
    for (const file of files) {
      const expected = expectationsIn(file);
      expectations += expected.length;
      // As the CLI does: a file the prefilters rule out is not analysed, so their misses show here.
      const result = engine.mayHaveFindings(file) ? engine.analyzeFile(file) : { path: file, findings: [], notes: [] };
      problems.push(...compare(result, expected));
    }
    assert.ok(expectations > 0, 'the workspace declares expectations');
    assert.deepEqual(problems, []);
  });
}

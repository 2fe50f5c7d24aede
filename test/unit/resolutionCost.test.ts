/**
 * What a helper returns is worked out once per form of its `return`s: helpers that return other
 * helpers' results must cost the sum of their returns, not the product. Counted by the module
 * look-ups resolution makes (each level lives in its own module), not by time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import type { WorkspaceView } from '../../server/src/analysis/resolve';
import { wasmDir } from './engineHarness';

test('a chain of helpers each returning the next one\'s result from many branches is resolved once per helper', async () => {
  const returnsPerHelper = 8;
  const levels = 4;
  const root = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-returns-'));
  try {
    writeFileSync(path.join(root, 'm0.py'), 'import requests\n\ndef h0(n):\n    return requests.Session()\n');
    for (let level = 1; level <= levels; level++) {
      const branches = Array.from({ length: returnsPerHelper }, (_, i) => `    if n == ${i}:\n        return h${level - 1}(n + ${i})\n`).join('');
      writeFileSync(path.join(root, `m${level}.py`), `from m${level - 1} import h${level - 1}\n\ndef h${level}(n):\n${branches}    return h${level - 1}(n)\n`);
    }
    writeFileSync(path.join(root, 'app.py'), `from m${levels} import h${levels}\n\nasync def main():\n    s = h${levels}(3)\n    s.get("u")\n`);
    const engine = await AnalysisEngine.create({ wasmDir });
    engine.setConfiguration(root, defaultConfiguration());
    await engine.indexWorkspace(root);
    // The engine's view of the workspace, which every checker's resolver asks for modules.
    const view = (engine as unknown as { view: WorkspaceView }).view;
    const lookUp = view.module.bind(view);
    let lookups = 0;
    view.module = (name) => {
      lookups++;
      return lookUp(name);
    };
    const { findings } = engine.analyzeFile(path.join(root, 'app.py'));
    assert.deepEqual(
      findings.map((f) => `${f.range.start.line + 1} ${f.code}`),
      ['5 ASYNC212'],
    );
    // One look-up per level and a few more; once per return statement was 9^4 (7,386 measured).
    assert.ok(lookups < 10 * levels, `${lookups} module look-ups`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

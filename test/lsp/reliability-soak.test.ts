/**
 * Short language-server soak (the long one is `npm run soak`): 300 seeded operations on a copy of
 * the examples; every edit is answered, and the final diagnostics equal a fresh CLI run.
 * Latency and memory are printed as test diagnostics, not asserted (they are benchmark figures).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/lspClient';
import { describeLspSoak, lspSoak } from '../support/reliabilityLspSoak';

test('300 random edits, opens, closes, saves, renames and configuration changes', { timeout: 120_000 }, async (t) => {
  const report = await lspSoak({ source: path.join(repoRoot, 'examples'), operations: 300, seed: 1125 });
  for (const line of describeLspSoak(report)) t.diagnostic(line);
  assert.equal(report.operations, 300);
  assert.deepEqual(report.unanswered, [], 'edits whose diagnostics never came');
  assert.deepEqual(report.finalMismatches, [], 'final diagnostics ≠ a fresh CLI run');
  assert.ok(report.finalFiles > 0);
});

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const cli = resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('a file the engine fails on', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'coroutine-lens-containment-'));
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('is a note on that file; every other file is still checked', () => {
    // A 4,000-link call chain overflows the stack of the facts extraction (a known engine limit).
    writeFileSync(join(workspace, 'deep.py'), `import time\nasync def f():\n    time.sleep(1)${'.sleep(1)'.repeat(4000)}\n`);
    writeFileSync(join(workspace, 'plain.py'), 'import time\nasync def g():\n    time.sleep(1)\n');
    const run = spawnSync(process.execPath, [cli, 'check', '--no-cache', '--format', 'json', workspace], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 1, `exit code 1 (findings), stderr: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { findings: Array<{ path: string; code: string }>; notes: Array<{ path: string; message: string }> };
    assert.ok(report.findings.some((f) => f.path.endsWith('plain.py') && f.code === 'ASYNC251'), 'plain.py is still checked');
    assert.ok(report.notes.some((n) => n.path.endsWith('deep.py') && /engine failed on this file/.test(n.message)), `a note on deep.py: ${JSON.stringify(report.notes)}`);
  });
});

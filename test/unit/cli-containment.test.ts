import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const cli = resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

// The engine turns a file it fails on into a note on that file (engine.ts parse / computeResult). The
// input that used to make it fail — a 4,000-link call chain overflowed the stack of the facts
// extraction — is handled now (facts.ts), and no input is known to fail it any more; the run over
// that input stays, so a regression shows either as a failure note or as a run that dies.
describe('a file the engine used to fail on', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'coroutine-lens-containment-'));
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('is analysed without a failure note; every other file is still checked', () => {
    writeFileSync(join(workspace, 'deep.py'), `import time\nasync def f():\n    time.sleep(1)${'.sleep(1)'.repeat(4000)}\n`);
    writeFileSync(join(workspace, 'plain.py'), 'import time\nasync def g():\n    time.sleep(1)\n');
    const run = spawnSync(process.execPath, [cli, 'check', '--no-cache', '--format', 'json', workspace], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 1, `exit code 1 (findings), stderr: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as { findings: Array<{ path: string; code: string }>; notes: Array<{ path: string; message: string }> };
    assert.ok(report.findings.some((f) => f.path.endsWith('plain.py') && f.code === 'ASYNC251'), 'plain.py is still checked');
    assert.deepEqual(report.notes, [], 'no note: deep.py was analysed');
  });
});

/** `coroutine-lens check --fix` on real files: what it rewrites, what it leaves, what it reports afterwards. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { pythonAvailable, pythonCompileError } from '../support/cpython';
import { repoRoot } from './engineHarness';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-fix-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const lines = (...text: string[]): string => text.join('\n') + '\n';

/** Three safe fixes (two sleeps, which need one import between them; the missing await) and one that moves a call to a thread (unsafe). */
const APP = lines(
  'import time',
  '',
  'import requests',
  '',
  '',
  'async def job():',
  '    pass',
  '',
  '',
  'async def main(url):',
  '    time.sleep(1)',
  '    job()',
  '    time.sleep(2)',
  '    return requests.get(url).text',
);

const TORNADO = lines('import time', '', 'from tornado import gen', '', '', '@gen.coroutine', 'def legacy():', '    time.sleep(1)', '    yield gen.sleep(0)');

let project: string;
const file = (name: string): string => path.join(project, name);

function check(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'check', '--no-cache', ...args], { cwd: project, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Running as root, the ids of `nobody` when `setpriv` can run node as that user here (null when not
 * root: this process is unprivileged already; undefined when neither holds).
 */
const unprivileged: { uid: number; gid: number } | null | undefined = (() => {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return null;
  const nobody = { uid: 65534, gid: 65534 };
  const probe = spawnSync('setpriv', [`--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(cli)})`]);
  return probe.status === 0 ? nobody : undefined;
})();

/** A command line run as the unprivileged user (as it is when not root). */
function asUnprivileged(command: string[]): [string, string[]] {
  if (!unprivileged) return [command[0]!, command.slice(1)];
  return ['setpriv', [`--reuid=${unprivileged.uid}`, `--regid=${unprivileged.gid}`, '--clear-groups', ...command]];
}

describe('coroutine-lens check --fix', () => {
  beforeEach(() => {
    project = path.join(scratch, `p${Math.random().toString(36).slice(2)}`);
    mkdirSync(project);
    writeFileSync(file('app.py'), APP);
    writeFileSync(file('legacy.py'), TORNADO);
  });

  test('applies the safe fixes in place, in the framework of each file, and reports what remains', () => {
    const { code, stdout } = check('--fix', '.');
    assert.equal(code, 1, 'requests.get has no safe fix: a finding remains');
    const app = readFileSync(file('app.py'), 'utf8');
    assert.equal(
      app,
      lines('import time', '', 'import requests', 'import asyncio', '', '', 'async def job():', '    pass', '', '', 'async def main(url):', '    await asyncio.sleep(1)', '    await job()', '    await asyncio.sleep(2)', '    return requests.get(url).text'),
    );
    assert.equal(readFileSync(file('legacy.py'), 'utf8'), TORNADO.replace('    time.sleep(1)', '    yield gen.sleep(1)'));
    if (pythonAvailable) for (const name of ['app.py', 'legacy.py']) assert.equal(pythonCompileError(readFileSync(file(name), 'utf8')), undefined, name);
    assert.match(stdout, /^app\.py:15:12: ASYNC210 /m, 'reported where it is in the fixed file (one import line more)');
    assert.doesNotMatch(stdout, /ASYNC251|CORO200/);
    assert.match(stdout, /^Found 1 finding in 2 files\.\nFixed 4 findings in 2 files\.$/m);
  });

  test('--unsafe-fixes also moves blocking calls to a thread; nothing remains, exit 0', () => {
    const { code, stdout } = check('--fix', '--unsafe-fixes', 'app.py');
    assert.equal(code, 0, stdout);
    assert.match(readFileSync(file('app.py'), 'utf8'), /^ {4}return \(await asyncio\.to_thread\(requests\.get, url\)\)\.text$/m);
    if (pythonAvailable) assert.equal(pythonCompileError(readFileSync(file('app.py'), 'utf8')), undefined);
    assert.match(stdout, /^All checks passed \(1 file\)\.\nFixed 4 findings in 1 file\.$/m);
  });

  test('machine-readable output stays one document: the count goes to stderr', () => {
    const { stdout, stderr } = check('--fix', '--format', 'json', '.');
    const report = JSON.parse(stdout) as { findings: Array<{ code: string }> };
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ['ASYNC210'],
    );
    assert.match(stderr, /^Fixed 4 findings in 2 files\.$/m);
  });

  test('a file in another coding is left as it is, with a note; a file with nothing to fix is not written', () => {
    const latin = Buffer.from(lines('# -*- coding: latin-1 -*-', 'import time', '', '', 'async def f():', '    time.sleep(1)  # café'), 'latin1');
    writeFileSync(file('latin.py'), latin);
    writeFileSync(file('clean.py'), lines('async def f():', '    pass'));
    const before = readFileSync(file('clean.py'));
    const { code, stdout, stderr } = check('--fix', 'latin.py', 'clean.py');
    assert.equal(code, 1);
    assert.deepEqual(readFileSync(file('latin.py')), latin);
    assert.deepEqual(readFileSync(file('clean.py')), before);
    assert.match(stderr, /^latin\.py: note: not fixed: only UTF-8 files are rewritten$/m);
    assert.match(stdout, /^latin\.py:6:5: ASYNC251 /m);
    assert.match(stdout, /^Fixed 0 findings in 0 files\.$/m);
  });

  test('a UTF-8 byte order mark and CRLF line ends are kept', () => {
    writeFileSync(file('crlf.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('import time\r\n\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n')]));
    assert.equal(check('--fix', 'crlf.py').code, 0);
    assert.deepEqual(
      readFileSync(file('crlf.py')),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('import time\r\nimport asyncio\r\n\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)\r\n')]),
    );
  });

  test('a file whose lines end in a lone CR is left as it is, with a note, and the other files are fixed', () => {
    // Python reads a lone CR as a line end, the parse does not: the fixes' lines and import anchor would not be the file's.
    const classicMac = 'import time\r\r\rasync def f():\r    time.sleep(1)\r';
    writeFileSync(file('mac.py'), classicMac);
    const { code, stderr } = check('--fix', 'mac.py', 'legacy.py');
    assert.doesNotMatch(stderr, /internal error/);
    assert.equal(code, 1, stderr);
    assert.equal(readFileSync(file('mac.py'), 'utf8'), classicMac);
    assert.match(stderr, /^mac\.py: note: not fixed: its lines end in a lone CR/m);
    assert.equal(readFileSync(file('legacy.py'), 'utf8'), TORNADO.replace('    time.sleep(1)', '    yield gen.sleep(1)'));
  });

  test('a fixed file keeps its permissions, a symbolic link stays a link to the fixed file, and no temporary file is left', { skip: process.platform === 'win32' && 'symbolic links need privileges there' }, () => {
    chmodSync(file('legacy.py'), 0o751);
    mkdirSync(file('real'));
    renameSync(file('app.py'), file('real/app.py'));
    symlinkSync(path.join('real', 'app.py'), file('app.py'));
    assert.equal(check('--fix', 'app.py', 'legacy.py').code, 1);
    assert.equal(statSync(file('legacy.py')).mode & 0o777, 0o751);
    assert.ok(lstatSync(file('app.py')).isSymbolicLink(), 'the link is not replaced by a file');
    assert.match(readFileSync(file('real/app.py'), 'utf8'), /^ {4}await job\(\)$/m, 'its target is fixed');
    assert.deepEqual(readdirSync(project).sort(), ['app.py', 'legacy.py', 'real']);
    assert.deepEqual(readdirSync(file('real')), ['app.py']);
  });

  test('a file of another owner keeps its owner, group and mode bits (setuid included) when root fixes it', { skip: process.platform === 'win32' || process.getuid?.() !== 0 ? 'needs root, to own a file for another user' : false }, () => {
    chownSync(file('app.py'), 65534, 65534);
    chmodSync(file('app.py'), 0o4755);
    assert.equal(check('--fix', 'app.py').code, 1);
    assert.match(readFileSync(file('app.py'), 'utf8'), /^ {4}await job\(\)$/m);
    const fixed = statSync(file('app.py'));
    assert.deepEqual([fixed.uid, fixed.gid, fixed.mode & 0o7777], [65534, 65534, 0o4755]);
    assert.deepEqual(readdirSync(project).sort(), ['app.py', 'legacy.py']);
  });

  test('a file with another hard link is rewritten in place: both names show the fixed text', { skip: process.platform === 'win32' && 'hard links differ there' }, () => {
    linkSync(file('app.py'), file('same.py.txt'));
    assert.equal(check('--fix', 'app.py').code, 1);
    assert.match(readFileSync(file('app.py'), 'utf8'), /^ {4}await job\(\)$/m);
    assert.equal(readFileSync(file('same.py.txt'), 'utf8'), readFileSync(file('app.py'), 'utf8'), 'the other name is the same file still');
    assert.equal(statSync(file('app.py')).nlink, 2);
    assert.deepEqual(readdirSync(project).sort(), ['app.py', 'legacy.py', 'same.py.txt']);
  });

  test('a write that fails part way (here a file size limit) leaves the file as it was, and no temporary file', { skip: process.platform === 'win32' && 'no ulimit there' }, () => {
    const padded = APP + lines(...Array.from({ length: 600 }, (_, i) => `# padding line ${i} ..........................`));
    writeFileSync(file('app.py'), padded);
    // 20 KB (bash counts 1024-byte blocks): the fixed file (~28 KB) cannot be written whole. Node
    // ignores SIGXFSZ, so the write fails with EFBIG; a write in place had cut the file to 20 KB.
    const limited = spawnSync('bash', ['-c', 'ulimit -f 20 && exec "$0" "$@"', process.execPath, cli, 'check', '--no-cache', '--fix', 'app.py'], { cwd: project, encoding: 'utf8' });
    assert.equal(limited.status, 1, limited.stderr);
    assert.match(limited.stderr, /^app\.py: note: not fixed: cannot write the file \(EFBIG\)$/m);
    assert.equal(readFileSync(file('app.py'), 'utf8'), padded);
    assert.deepEqual(readdirSync(project).sort(), ['app.py', 'legacy.py']);
  });

  test('a read-only file is left as it is, with a note, though its folder is writable', { skip: unprivileged === undefined && 'running as root, and no unprivileged user can run node here' }, () => {
    // Root may write any file: the refusal is checked as a user the permission applies to.
    const owned = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-read-only-'));
    try {
      writeFileSync(path.join(owned, 'app.py'), APP);
      chmodSync(path.join(owned, 'app.py'), 0o444);
      if (unprivileged) {
        chmodSync(owned, 0o755);
        for (const name of [owned, path.join(owned, 'app.py')]) chownSync(name, unprivileged.uid, unprivileged.gid);
      }
      const run = spawnSync(...asUnprivileged([process.execPath, cli, 'check', '--no-cache', '--fix', 'app.py']), { cwd: owned, encoding: 'utf8' });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /^app\.py: note: not fixed: cannot write the file \(EACCES\)$/m);
      assert.equal(readFileSync(path.join(owned, 'app.py'), 'utf8'), APP);
      assert.equal(statSync(path.join(owned, 'app.py')).mode & 0o777, 0o444);
      assert.deepEqual(readdirSync(owned), ['app.py']);
    } finally {
      rmSync(owned, { recursive: true, force: true });
    }
  });

  test('--unsafe-fixes without --fix, and --fix with --stdin-filename, are usage errors', () => {
    assert.equal(check('--unsafe-fixes', '.').code, 2);
    const stdin = check('--fix', '--stdin-filename', 'app.py');
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /--fix rewrites files/);
    assert.equal(readFileSync(file('app.py'), 'utf8'), APP);
  });
});

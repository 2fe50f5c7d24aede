/** The bundled CLI (dist/cli.js) as CI runs it: formats, options, exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { ENGINE_VERSION } from '../../server/src/analysis/version';
import { fixturesRoot, repoRoot } from './engineHarness';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], options: { cwd?: string; input?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: options.cwd ?? scratch, input: options.input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of the `chains` fixture, so the CLI's cache lands in the scratch folder. */
const chains = path.join(scratch, 'chains');
cpSync(path.join(fixturesRoot, 'chains'), chains, { recursive: true });

describe('coroutine-lens check', () => {
  test('text: path:line:col: CODE message, the chain indented below; exit 1 on findings', () => {
    const { code, stdout } = run(['check', '--no-cache', 'chains'], { cwd: scratch });
    assert.equal(code, 1);
    assert.match(stdout, /^chains\/app\/server\.py:18:9: CORO120 service\.process\(\) blocks the event loop/m);
    assert.match(stdout, /^ {4}chains\/app\/util\/io\.py:13:10: open\(\) \[ASYNC230\]$/m);
    assert.match(stdout, /^Found \d+ findings in 8 files\.$/m);
  });

  test('exit 0 when clean, --select / --ignore narrow the codes, --statistics counts them', () => {
    const clean = run(['check', '--no-cache', '--select', 'CORO200', 'chains']);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /All checks passed \(8 files\)/);
    const stats = run(['check', '--no-cache', '--ignore', 'CORO120', '--statistics', 'chains']);
    assert.equal(stats.code, 1);
    assert.match(stats.stdout, /^ +1 {2}ASYNC251 +time\.sleep in a coroutine$/m);
    assert.doesNotMatch(stats.stdout, /CORO120/);
  });

  test('json carries 1-based positions, chains and fixes', () => {
    const { code, stdout } = run(['check', '--no-cache', '--format', 'json', 'chains']);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { findings: Array<{ path: string; code: string; start: { line: number; column: number }; chain?: unknown[] }> };
    const first = report.findings.find((f) => f.code === 'CORO120')!;
    assert.deepEqual(first.start, { line: 18, column: 9 });
    assert.equal(first.chain!.length, 6);
  });

  test('sarif 2.1.0 with rule metadata and relatedLocations for the chain', () => {
    const { stdout } = run(['check', '--no-cache', '--format', 'sarif', 'chains']);
    const log = JSON.parse(stdout);
    assert.equal(log.version, '2.1.0');
    const run0 = log.runs[0];
    assert.equal(run0.tool.driver.name, 'coroutine-lens');
    const ruleIds = run0.tool.driver.rules.map((r: { id: string }) => r.id);
    assert.ok(ruleIds.includes('CORO120') && ruleIds.includes('ASYNC251'));
    for (const rule of run0.tool.driver.rules) assert.match(rule.helpUri, new RegExp(`docs/rules/${rule.id}\\.md$`));
    const result = run0.results.find((r: { ruleId: string }) => r.ruleId === 'CORO120');
    assert.equal(run0.tool.driver.rules[result.ruleIndex].id, 'CORO120');
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'chains/app/server.py');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 18, startColumn: 9, endLine: 18, endColumn: 24 });
    assert.equal(result.relatedLocations.length, 6);
    assert.match(result.relatedLocations[5].message.text, /open\(\) \[ASYNC230\]/);
  });

  test('github workflow commands', () => {
    const { stdout } = run(['check', '--no-cache', '--format', 'github', 'chains']);
    assert.match(stdout, /^::warning file=chains\/app\/server\.py,line=18,col=9,endLine=18,endColumn=24,title=CORO120::CORO120 /m);
  });

  test('a file given alone is checked with the modules around it: the same findings as a check of its folder, only it reported', () => {
    type Report = { files: number; findings: Array<{ path: string; start: { line: number }; code: string; chain?: unknown[] }> };
    const shown = (report: Report, file: string): string[] =>
      report.findings.filter((f) => f.path === file).map((f) => `${f.start.line} ${f.code} ${f.chain?.length ?? 0}`);
    const folder = JSON.parse(run(['check', '--no-cache', '--format', 'json', 'chains']).stdout) as Report;
    const alone = JSON.parse(run(['check', '--no-cache', '--format', 'json', path.join('chains', 'app', 'server.py')]).stdout) as Report;
    assert.equal(alone.files, 1);
    assert.ok(shown(alone, 'chains/app/server.py').some((f) => f.includes('CORO120 6')), 'the six-hop chain into app/util');
    assert.deepEqual(shown(alone, 'chains/app/server.py'), shown(folder, 'chains/app/server.py'));
    assert.deepEqual(new Set(alone.findings.map((f) => f.path)), new Set(['chains/app/server.py']));
  });

  test('a script in no package and no project is checked with its folder, whence Python imports its siblings', () => {
    const lone = mkdtempSync(path.join(scratch, 'lone-'));
    writeFileSync(path.join(lone, 'script.py'), 'from helper import slow\n\nasync def main():\n    slow()\n');
    writeFileSync(path.join(lone, 'helper.py'), 'import time\n\ndef slow():\n    time.sleep(1)\n');
    const { code, stdout } = run(['check', '--no-cache', path.join(lone, 'script.py')]);
    assert.equal(code, 1);
    assert.match(stdout, /script\.py:4:5: CORO120 slow\(\) .*\n.*\n.*helper\.py:4:5: time\.sleep\(\) \[ASYNC251\]\nFound 1 finding in 1 file\.$/m);
  });

  test('a script in no project is checked with what Python imports beside it, not with every folder below its folder', () => {
    // The folder may be a home directory: its modules and regular packages are indexed, no other folder.
    const lone = mkdtempSync(path.join(scratch, 'home-'));
    const write = (name: string, text: string): void => {
      mkdirSync(path.dirname(path.join(lone, name)), { recursive: true });
      writeFileSync(path.join(lone, name), text);
    };
    write('script.py', 'from helper import slow\nfrom pkg.mod import wait\n\nasync def main():\n    slow()\n    wait()\n');
    write('helper.py', 'import time\n\ndef slow():\n    time.sleep(1)\n');
    write('pkg/__init__.py', '');
    write('pkg/mod.py', 'import time\n\ndef wait():\n    time.sleep(1)\n');
    write('Downloads/other/project.py', 'x = 1\n');
    const cacheDir = path.join(lone, 'cache');
    const { code, stdout } = run(['check', '--cache-dir', cacheDir, path.join(lone, 'script.py')]);
    assert.equal(code, 1);
    assert.match(stdout, /script\.py:5:5: CORO120 slow\(\)/);
    assert.match(stdout, /script\.py:6:5: CORO120 wait\(\)/);
    const index = readdirSync(cacheDir).filter((name) => name.startsWith('index-')).map((name) => readFileSync(path.join(cacheDir, name), 'utf8')).join('');
    assert.ok(index.includes(JSON.stringify(path.join(lone, 'pkg', 'mod.py'))), 'the package is indexed');
    assert.ok(!index.includes('project.py'), `a folder no import reaches is not walked: ${index}`);
  });

  test('--stdin-filename in a folder not created yet, in no project, walks no folder above it', () => {
    const lone = mkdtempSync(path.join(scratch, 'unsaved-'));
    mkdirSync(path.join(lone, 'Downloads'));
    writeFileSync(path.join(lone, 'Downloads', 'project.py'), 'x = 1\n');
    const cacheDir = path.join(lone, 'cache');
    const { code, stdout } = run(['check', '--cache-dir', cacheDir, '--stdin-filename', path.join(lone, 'new', 'app.py')], {
      input: 'import time\n\nasync def main():\n    time.sleep(1)\n',
    });
    assert.equal(code, 1, stdout);
    assert.match(stdout, /app\.py:4:5: ASYNC251 /);
    // No cache at all when nothing was indexed.
    const index = existsSync(cacheDir) ? readdirSync(cacheDir).map((name) => readFileSync(path.join(cacheDir, name), 'utf8')).join('') : '';
    assert.ok(!index.includes('project.py'), `the nearest existing folder is no project: not walked: ${index}`);
  });

  test('a script at the root of a repository without a pyproject.toml is checked with all of it, namespace packages too', () => {
    const repository = mkdtempSync(path.join(scratch, 'repo-'));
    mkdirSync(path.join(repository, '.git'));
    mkdirSync(path.join(repository, 'tools'));
    writeFileSync(path.join(repository, 'script.py'), 'from tools.waiting import wait\n\nasync def main():\n    wait()\n');
    writeFileSync(path.join(repository, 'tools', 'waiting.py'), 'import time\n\ndef wait():\n    time.sleep(1)\n');
    const { code, stdout } = run(['check', '--no-cache', path.join(repository, 'script.py')]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /script\.py:4:5: CORO120 wait\(\) .*\n.*\n.*tools\/waiting\.py:4:5: time\.sleep\(\) \[ASYNC251\]/);
  });

  test('--stdin-filename analyses standard input as that file, resolving its imports', () => {
    const file = path.join(chains, 'app', 'new_module.py');
    const { code, stdout } = run(['check', '--no-cache', '--stdin-filename', file], {
      input: 'from .util.io import read_config\n\nasync def f():\n    read_config()\n',
    });
    assert.equal(code, 1);
    assert.match(stdout, /new_module\.py:4:5: CORO120 read_config\(\)/);
  });

  test('--stdin-filename names a file in a folder that does not exist (an unsaved buffer): still analysed', () => {
    const { code, stdout, stderr } = run(['check', '--no-cache', '--stdin-filename', path.join('not', 'yet', 'there.py')], {
      input: 'import time\n\nasync def f():\n    time.sleep(1)\n',
    });
    assert.equal(code, 1, stderr);
    assert.match(stdout, /^not\/yet\/there\.py:4:5: ASYNC251 /m);
    assert.match(stdout, /^Found 1 finding in 1 file\.$/m);
  });

  test('--stdin-filename of a file not saved yet creates neither it nor its folder: the cache goes to the nearest existing folder', () => {
    const folder = mkdtempSync(path.join(scratch, 'unsaved-'));
    writeFileSync(path.join(folder, 'other.py'), 'import time\n'); // something to cache
    for (const name of ['new.py', path.join('not', 'yet', 'there.py')]) {
      const { code, stderr } = run(['check', '--stdin-filename', name], { cwd: folder, input: 'x = 1\n' });
      assert.equal(code, 0, stderr);
    }
    assert.ok(!existsSync(path.join(folder, 'new.py')), 'new.py was made (a folder holding the cache)');
    assert.ok(!existsSync(path.join(folder, 'not')), 'the missing folder was made');
    assert.ok(existsSync(path.join(folder, '.coroutine_lens_cache')), 'the cache is in the existing folder');
  });

  test('a named pipe given as a path is skipped with a note saying what it is (never read: that would wait forever)', { skip: process.platform === 'win32' }, () => {
    const folder = mkdtempSync(path.join(scratch, 'fifo-'));
    spawnSync('mkfifo', [path.join(folder, 'pipe.py')]);
    const { code, stderr } = run(['check', '--no-cache', 'pipe.py'], { cwd: folder });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^pipe\.py: note: skipped: not a regular file or folder$/m);
  });

  test('--stdin-filename decodes the bytes as the same file on disk is decoded: coding cookie, invalid UTF-8, size limit', () => {
    const folder = mkdtempSync(path.join(scratch, 'stdin-bytes-'));
    const inputs: Record<string, Buffer> = {
      // EUC-JP: two bytes make one character, so a lossy UTF-8 decoding would shift the column.
      'cookie.py': Buffer.concat([Buffer.from('# coding: euc-jp\nimport time\n\nasync def f():\n    s = "'), Buffer.from([0xa4, 0xa2]), Buffer.from('"; time.sleep(1)\n')]),
      'not_utf8.py': Buffer.concat([Buffer.from('import time\n\nasync def f():\n    s = "'), Buffer.from([0xe9]), Buffer.from('"; time.sleep(1)\n')]),
      'oversized.py': Buffer.from(`import time\n\nasync def f():\n    time.sleep(1)\n${'#'.repeat(3 * 1024 * 1024)}\n`),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      writeFileSync(path.join(folder, name), bytes);
      const fromDisk = run(['check', '--no-cache', name], { cwd: folder });
      const fromStdin = spawnSync(process.execPath, [cli, 'check', '--no-cache', '--stdin-filename', name], { cwd: folder, input: bytes, encoding: 'utf8' });
      assert.deepEqual([fromStdin.status, fromStdin.stdout, fromStdin.stderr], [fromDisk.code, fromDisk.stdout, fromDisk.stderr], name);
    }
    assert.match(run(['check', '--no-cache', 'cookie.py'], { cwd: folder }).stdout, /^cookie\.py:5:14: ASYNC251 /m);
  });

  test('a note is printed once when paths overlap (the same folder twice, a folder and its file)', { skip: process.platform === 'win32' }, () => {
    const folder = mkdtempSync(path.join(scratch, 'overlap-'));
    writeFileSync(path.join(folder, 'broken.py'), 'async def f(:\n    pass\n');
    symlinkSync(folder, path.join(folder, 'loop'));
    const { stderr } = run(['check', '--no-cache', '.', '.', 'broken.py'], { cwd: folder });
    const lines = stderr.trim().split('\n');
    assert.deepEqual(lines, [...new Set(lines)], stderr);
    assert.equal(lines.length, 2, stderr);
  });

  test('exclude globs are relative to the pyproject.toml folder, also when a subfolder is checked', () => {
    const project = mkdtempSync(path.join(scratch, 'exclude-'));
    writeFileSync(path.join(project, 'pyproject.toml'), '[tool.coroutine-lens]\nexclude = ["pkg/generated/**"]\n');
    mkdirSync(path.join(project, 'pkg', 'generated'), { recursive: true });
    const blocking = 'import time\n\nasync def f():\n    time.sleep(1)\n';
    writeFileSync(path.join(project, 'pkg', 'generated', 'stub.py'), blocking);
    writeFileSync(path.join(project, 'pkg', 'app.py'), blocking);
    for (const target of ['.', 'pkg']) {
      const { stdout } = run(['check', '--no-cache', target], { cwd: project });
      assert.match(stdout, /^pkg\/app\.py:4:5: ASYNC251 /m, target);
      assert.doesNotMatch(stdout, /generated/, target);
    }
  });

  test('each path given is checked with its own project\'s pyproject.toml, and a bad one is an error with its path', () => {
    const parent = mkdtempSync(path.join(scratch, 'two-projects-'));
    const blocking = 'import time\n\nasync def f():\n    time.sleep(1)\n';
    for (const [name, settings] of [['quiet', 'ignore = ["ASYNC251"]'], ['loud', 'select = ["ASYNC"]']] as const) {
      mkdirSync(path.join(parent, name));
      writeFileSync(path.join(parent, name, 'pyproject.toml'), `[tool.coroutine-lens]\n${settings}\n`);
      writeFileSync(path.join(parent, name, 'app.py'), blocking);
    }
    for (const order of [['quiet', 'loud'], ['loud', 'quiet']]) {
      const { code, stdout } = run(['check', '--no-cache', ...order], { cwd: parent });
      assert.equal(code, 1, order.join(' '));
      assert.deepEqual(stdout.match(/^\S+: ASYNC251 /gm), ['loud/app.py:4:5: ASYNC251 '], `${order.join(' ')}:\n${stdout}`);
    }
    writeFileSync(path.join(parent, 'quiet', 'pyproject.toml'), '[tool.coroutine-lens]\nselekt = ["ASYNC"]\n');
    const broken = run(['check', '--no-cache', 'loud', 'quiet'], { cwd: parent });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^quiet\/pyproject\.toml:2: configuration error: .*selekt/m);
  });

  test('--select and --ignore apply to every path given, not only to the first one\'s project', () => {
    const parent = mkdtempSync(path.join(scratch, 'select-every-path-'));
    for (const name of ['first', 'second']) {
      mkdirSync(path.join(parent, name));
      // ASYNC251 and CORO200 in each folder, neither of which holds a pyproject.toml.
      writeFileSync(path.join(parent, name, 'app.py'), 'import time\n\nasync def job():\n    pass\n\nasync def f():\n    time.sleep(1)\n    job()\n');
    }
    const selected = run(['check', '--no-cache', '--select', 'ASYNC', 'first', 'second'], { cwd: parent });
    assert.deepEqual(selected.stdout.match(/^\S+: [A-Z]+\d+ /gm), ['first/app.py:7:5: ASYNC251 ', 'second/app.py:7:5: ASYNC251 '], selected.stdout);
    const ignored = run(['check', '--no-cache', '--ignore', 'ASYNC', 'first', 'second'], { cwd: parent });
    assert.deepEqual(ignored.stdout.match(/^\S+: [A-Z]+\d+ /gm), ['first/app.py:8:5: CORO200 ', 'second/app.py:8:5: CORO200 '], ignored.stdout);
  });

  test('a cache folder that cannot be made is a note, never a hang or a crash: the findings are still printed', { skip: process.platform === 'win32' }, () => {
    const folder = mkdtempSync(path.join(scratch, 'cache-fail-'));
    writeFileSync(path.join(folder, 'app.py'), 'import time\n\nasync def f():\n    time.sleep(1)\n');
    writeFileSync(path.join(folder, 'a-file'), '');
    symlinkSync(path.join(folder, 'gone'), path.join(folder, 'dangling'));
    const cacheDirs = [path.join(folder, 'dangling', 'cache'), path.join(folder, 'a-file', 'cache')];
    // procfs answers ENOENT to a mkdir: Node's recursive mkdir then makes the parent (EEXIST) and retries, forever.
    if (existsSync('/proc/self')) cacheDirs.push('/proc/coroutine-lens-cache');
    for (const cacheDir of cacheDirs) {
      const result = spawnSync(process.execPath, [cli, 'check', '--cache-dir', cacheDir, 'app.py'], { cwd: folder, encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.signal, null, `${cacheDir}: timed out`);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /^app\.py:4:5: ASYNC251 /m);
      assert.match(result.stderr, /note: cannot write the cache: /);
    }
  });

  test('the cache gives the same findings on a warm run', () => {
    const cold = run(['check', 'chains']);
    const warm = run(['check', 'chains']);
    assert.equal(cold.code, 1);
    assert.equal(warm.stdout, cold.stdout);
  });

  test('--format json is byte-identical cold, warm, and warm after a dependency changed', () => {
    const project = path.join(scratch, 'chains-edited');
    cpSync(chains, project, { recursive: true });
    const json = (...args: string[]): string => run(['check', '--format', 'json', ...args, '.'], { cwd: project }).stdout;
    const cold = json('--no-cache');
    assert.equal(json(), cold, 'the run that fills the cache');
    assert.equal(json(), cold, 'warm');
    const io = path.join(project, 'app', 'util', 'io.py');
    // The helper three hops from the coroutines stops blocking: their CORO120 findings must go.
    writeFileSync(io, readFileSync(io, 'utf8').replace('    with open("config.ini") as f:\n        return f.read()\n', '    return ""\n'));
    const edited = json('--no-cache');
    assert.notEqual(edited, cold, 'the edit changes the findings');
    assert.equal(json(), edited, 'warm after the edit (the facts store is read)');
    assert.equal(json(), edited, 'warm again');
  });

  test('a file without coroutine code that drops a coroutine is checked, cold and from the cache', () => {
    const project = path.join(scratch, 'unawaited');
    cpSync(path.join(fixturesRoot, 'unawaited'), project, { recursive: true });
    const dropped = (stdout: string): string[] => stdout.split('\n').filter((line) => line.startsWith('sync_script.py:'));
    const cold = run(['check', '.'], { cwd: project });
    assert.deepEqual(dropped(cold.stdout).map((line) => line.split(' ')[0]), ['sync_script.py:9:5:', 'sync_script.py:10:5:', 'sync_script.py:14:5:']);
    assert.deepEqual(dropped(run(['check', '.'], { cwd: project }).stdout), dropped(cold.stdout));
  });

  test('exit 2 for usage errors and for a bad configuration, with file and line', () => {
    assert.equal(run(['check', '--format', 'xml', 'chains']).code, 2);
    assert.equal(run(['check', '--bogus']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
    assert.equal(run(['check', '--select', 'NOPE', 'chains']).code, 2);
    assert.equal(run(['check', 'no-such-folder']).code, 2);
    const bad = path.join(scratch, 'badconfig');
    cpSync(path.join(fixturesRoot, 'direct'), bad, { recursive: true });
    writeFileSync(path.join(bad, 'pyproject.toml'), '[tool.coroutine-lens]\nselect = ["ASYNC"]\nunknown-key = 1\n');
    const result = run(['check', '--no-cache', '.'], { cwd: bad });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^pyproject\.toml:3: configuration error: unknown-key: unknown setting/m);
  });

  test('a cache folder the CLI creates tells git to ignore it', () => {
    const project = path.join(scratch, 'gitignored');
    cpSync(path.join(fixturesRoot, 'direct'), project, { recursive: true });
    assert.equal(run(['check', '.'], { cwd: project }).code, 1);
    const lines = readFileSync(path.join(project, '.coroutine_lens_cache', '.gitignore'), 'utf8').split('\n');
    assert.ok(lines.includes('*'), lines.join('\n'));
  });

  test('--cache-dir pointing at an existing folder leaves its .gitignore alone', () => {
    const project = path.join(scratch, 'own-cache-dir');
    cpSync(path.join(fixturesRoot, 'direct'), project, { recursive: true });
    mkdirSync(path.join(project, 'cache'));
    writeFileSync(path.join(project, 'cache', '.gitignore'), 'mine\n');
    run(['check', '--cache-dir', 'cache', '.'], { cwd: project });
    assert.equal(readFileSync(path.join(project, 'cache', '.gitignore'), 'utf8'), 'mine\n');
    assert.ok(readdirSync(path.join(project, 'cache')).some((f) => f.startsWith('facts-')), 'the cache was written');
  });

  test('--version prints the package version and the engine (cache) version', () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(run(['--version']).stdout, `coroutine-lens ${version} (engine ${ENGINE_VERSION})\n`);
  });

  test('--help', () => {
    assert.match(run(['--help']).stdout, /--stdin-filename/);
  });
});

describe('coroutine-lens check on namespace packages', () => {
  const workspace = path.join(scratch, 'namespace');
  cpSync(path.join(fixturesRoot, 'namespace'), workspace, { recursive: true });
  const expected = [
    'app/cron.py:6 CORO200',
    'app/main.py:11 CORO120',
    'app/main.py:12 CORO120',
    'app/main.py:14 CORO120',
    'app/main.py:22 CORO120',
    'app/main.py:23 CORO120',
    'app/services/orders.py:7 CORO120',
    'app/uses_probe.py:7 CORO120',
    'scripts/run.py:7 CORO120',
    // `util` is claimed twice, but scripts/util.py is run.py's sibling, first on its sys.path.
    'scripts/run.py:9 CORO120',
  ];
  const findings = (stdout: string): string[] => (JSON.parse(stdout) as { findings: Array<{ path: string; code: string; start: { line: number } }> }).findings.map((f) => `${f.path}:${f.start.line} ${f.code}`);

  test('cold and warm runs from the folder holding pyproject.toml find each finding once', () => {
    const cacheDir = path.join(scratch, 'namespace-cache');
    for (const args of [['--no-cache'], ['--cache-dir', cacheDir], ['--cache-dir', cacheDir]]) {
      const { code, stdout, stderr } = run(['check', '--format', 'json', ...args, '.'], { cwd: workspace });
      assert.equal(code, 1, stderr);
      assert.deepEqual(findings(stdout), expected);
    }
  });

  test('--stdin-filename resolves a namespace module from the project root', () => {
    const main = path.join(workspace, 'app', 'main.py');
    const { stdout } = run(['check', '--no-cache', '--format', 'json', '--stdin-filename', main], { cwd: workspace, input: readFileSync(main, 'utf8') });
    assert.deepEqual(findings(stdout), expected.filter((line) => line.startsWith('app/main.py:')));
  });
});

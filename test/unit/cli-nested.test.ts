/**
 * The bundled CLI (dist/cli.js) on a monorepo: every file is checked with the [tool.coroutine-lens]
 * table of the nearest pyproject.toml at or above it that has one, whether the walk starts above the
 * sub-project or the file is named itself; the sub-project's errors stop the run; the cache follows
 * a change of the sub-project's configuration.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot } from './engineHarness';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-nested-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A folder holding `files` (path → text). */
function tree(name: string, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(scratch, `${name}-`));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** ASYNC251 on line 7, CORO200 on line 8. */
const BOTH = 'import time\n\nasync def job():\n    pass\n\nasync def f():\n    time.sleep(1)\n    job()\n';

/** `path:line CODE` of each finding, in output order. */
const found = (stdout: string): string[] => [...stdout.matchAll(/^(\S+):(\d+):\d+: ([A-Z]+\d+) /gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);

/**
 * The root project reports CORO200 only and excludes `generated`; the sub-project reports ASYNC only
 * and excludes `scratch.py`: each file must follow its own project, and never both.
 */
const MONOREPO = {
  'pyproject.toml': '[project]\nname = "root"\n\n[tool.coroutine-lens]\nselect = ["CORO200"]\nexclude = ["generated", "tools/vendored"]\n',
  'app.py': BOTH,
  'generated/stub.py': BOTH,
  'scratch.py': BOTH,
  'services/api/pyproject.toml': '[project]\nname = "api"\n\n[tool.coroutine-lens]\nselect = ["ASYNC"]\nexclude = ["scratch.py"]\n',
  'services/api/handlers.py': BOTH,
  'services/api/scratch.py': BOTH,
  // The root's `generated` glob names no path of the sub-project: its own exclude replaces it.
  'services/api/generated/stub.py': BOTH,
  // A pyproject.toml without our table (packaging only) starts no project: the root's table applies.
  'services/worker/pyproject.toml': '[project]\nname = "worker"\n',
  'services/worker/task.py': BOTH,
  // A template whose pyproject.toml is no TOML at all, and never names coroutine-lens: not ours to read.
  'templates/pyproject.toml': '[project]\nname = "{{ cookiecutter.name }}"\n{% if cookiecutter.ruff %}\n',
  'templates/hello.py': BOTH,
  // A sub-project the root excludes stays out, its own table (and its errors) unread.
  'tools/vendored/pyproject.toml': '[tool.coroutine-lens]\nselekt = ["ASYNC"]\n',
  'tools/vendored/lib.py': BOTH,
};

const EXPECTED = [
  'app.py:8 CORO200',
  'scratch.py:8 CORO200',
  'services/api/generated/stub.py:7 ASYNC251',
  'services/api/handlers.py:7 ASYNC251',
  'services/worker/task.py:8 CORO200',
  'templates/hello.py:8 CORO200',
];

describe('coroutine-lens check in a project holding sub-projects', () => {
  test('each file follows the nearest pyproject.toml that configures coroutine-lens: select and exclude of its own project only', () => {
    const root = tree('monorepo', MONOREPO);
    const { code, stdout, stderr } = run(['check', '--no-cache', '.'], root);
    assert.equal(code, 1, stderr);
    assert.deepEqual(found(stdout), EXPECTED, stdout);
    assert.match(stdout, /^Found 6 findings in 6 files\.$/m);
  });

  test('a file, or a folder inside the sub-project, named on the command line gets the findings `check .` gives it', () => {
    const root = tree('named', MONOREPO);
    const fromRoot = found(run(['check', '--no-cache', '.'], root).stdout);
    for (const target of ['services/api/handlers.py', 'services/api/generated', 'services/worker/task.py', 'services/worker']) {
      const { stdout, stderr } = run(['check', '--no-cache', target], root);
      assert.deepEqual(found(stdout), fromRoot.filter((line) => line.startsWith(`${target}`)), `${target}\n${stdout}${stderr}`);
    }
  });

  test('--select and --ignore on the command line apply over every project\'s table', () => {
    const root = tree('command-line', MONOREPO);
    const selected = run(['check', '--no-cache', '--select', 'CORO200', '.'], root);
    assert.deepEqual(found(selected.stdout), ['app.py:8 CORO200', 'scratch.py:8 CORO200', 'services/api/generated/stub.py:8 CORO200', 'services/api/handlers.py:8 CORO200', 'services/worker/task.py:8 CORO200', 'templates/hello.py:8 CORO200']);
    const ignored = run(['check', '--no-cache', '--ignore', 'ASYNC', '.'], root);
    assert.deepEqual(found(ignored.stdout), EXPECTED.filter((line) => !line.endsWith('ASYNC251')));
  });

  test('a sub-project\'s modules keep the names they have from the enclosing project\'s folder: its callers there still resolve them', () => {
    const root = tree('imports', {
      'pyproject.toml': '[tool.coroutine-lens]\n',
      'shared/__init__.py': '',
      'shared/io.py': 'import time\n\ndef slow():\n    time.sleep(1)\n',
      'services/api/pyproject.toml': '[tool.coroutine-lens]\nselect = ["CORO1"]\n',
      'services/api/app/__init__.py': '',
      'services/api/app/util.py': 'import subprocess\n\ndef block():\n    subprocess.run(["ls"])\n',
      'services/api/app/views.py': 'from shared.io import slow\nfrom .util import block\n\nasync def view():\n    slow()\n    block()\n',
      // A test beside the sub-project imports it through the namespace packages `services` and `services.api`.
      'tests/test_api.py': 'from services.api.app import util\nimport services.api.app.views as views\n\nasync def test_it():\n    util.block()\n    views.slow()\n',
    });
    const expected = ['services/api/app/views.py:5 CORO120', 'services/api/app/views.py:6 CORO120', 'tests/test_api.py:5 CORO120', 'tests/test_api.py:6 CORO120'];
    const { stdout, stderr } = run(['check', '--no-cache', '.'], root);
    assert.deepEqual(found(stdout), expected, stdout + stderr);
    const test = path.join(root, 'tests/test_api.py');
    const piped = spawnSync(process.execPath, [cli, 'check', '--no-cache', '--stdin-filename', 'tests/test_api.py'], { cwd: root, encoding: 'utf8', input: readFileSync(test) });
    assert.deepEqual(found(piped.stdout), expected.filter((line) => line.startsWith('tests/')), piped.stdout + piped.stderr);
    // Run at the root, a target inside the sub-project is checked with the repository's modules around
    // it, as `check .` there checks it: `shared.io` resolves (views.py:5).
    const views = expected.filter((line) => line.startsWith('services/'));
    for (const target of ['services/api/app/views.py', 'services/api', 'services/api/app']) {
      const named = run(['check', '--no-cache', target], root);
      assert.deepEqual(found(named.stdout), views, `${target}\n${named.stdout}${named.stderr}`);
    }
    // Run inside the sub-project, the run looks no higher than its own folder, as `check .` there and
    // the editor with that folder open: `shared` is not found, only the sub-project's own chain is.
    const inside = ['app/views.py:6 CORO120'];
    for (const target of ['.', 'app/views.py', path.join(root, 'services/api/app/views.py')]) {
      const named = run(['check', '--no-cache', target], path.join(root, 'services/api'));
      assert.deepEqual(found(named.stdout), inside, `${target} in services/api\n${named.stdout}${named.stderr}`);
    }
  });

  test('a pyproject.toml that names coroutine-lens only in a comment, or not at all in another encoding, configures nothing and is not read', () => {
    const root = tree('comment', {
      ...MONOREPO,
      'templates/pyproject.toml': '[project]\nname = "{{ cookiecutter.name }}"\n# CI runs coroutine-lens check on the generated project\n{% if cookiecutter.ruff %}\n',
    });
    // Latin-1, as an old vendored project may have it: no UTF-8, and none of our business.
    writeFileSync(path.join(root, 'services/worker/pyproject.toml'), Buffer.from('[project]\nname = "worker"\nauthors = [{ name = "Jos\xe9" }]\n', 'latin1'));
    const { code, stdout, stderr } = run(['check', '--no-cache', '.'], root);
    assert.equal(code, 1, stderr);
    assert.deepEqual(found(stdout), EXPECTED, stdout + stderr);
  });

  test('a malformed sub-project configuration is an error with its file and line: exit 2, as for the top one', () => {
    const root = tree('malformed', { ...MONOREPO, 'services/api/pyproject.toml': '[project]\nname = "api"\n\n[tool.coroutine-lens]\nselect = ["ASYNC"]\nseverity = { ASYNC251 = "loud" }\n' });
    const bad = run(['check', '--no-cache', '.'], root);
    assert.equal(bad.code, 2, bad.stdout);
    assert.match(bad.stderr, /^services\/api\/pyproject\.toml:6: configuration error: severity\.ASYNC251: /m);
    assert.equal(bad.stdout, '', 'no findings are printed when a configuration is broken');
    writeFileSync(path.join(root, 'services/api/pyproject.toml'), '[tool.coroutine-lens]\nselect = ["ASYNC"\n');
    const invalid = run(['check', '--no-cache', '.'], root);
    assert.equal(invalid.code, 2, invalid.stdout);
    assert.match(invalid.stderr, /^services\/api\/pyproject\.toml:\d+: configuration error: invalid TOML/m);
  });

  test('the warm cache follows a change of the sub-project\'s configuration, and only the sub-project\'s files change', () => {
    const root = tree('cache', MONOREPO);
    const check = (...args: string[]): string[] => found(run(['check', ...args, '.'], root).stdout);
    assert.deepEqual(check(), EXPECTED, 'the run that fills the cache');
    assert.deepEqual(check(), EXPECTED, 'warm');
    const api = path.join(root, 'services/api/pyproject.toml');
    writeFileSync(api, '[tool.coroutine-lens]\nselect = ["CORO200"]\nexclude = ["scratch.py"]\n');
    const selectChanged = check();
    assert.deepEqual(selectChanged, check('--no-cache'), 'warm after the select change = cold');
    assert.deepEqual(selectChanged, [
      'app.py:8 CORO200',
      'scratch.py:8 CORO200',
      'services/api/generated/stub.py:8 CORO200',
      'services/api/handlers.py:8 CORO200',
      'services/worker/task.py:8 CORO200',
      'templates/hello.py:8 CORO200',
    ]);
    writeFileSync(api, '[tool.coroutine-lens]\nselect = ["CORO200"]\nmax-file-bytes = 50\n');
    const limited = run(['check', '.'], root);
    assert.deepEqual(found(limited.stdout), EXPECTED.filter((line) => !line.startsWith('services/api/')), 'every sub-project file is over 50 bytes');
    assert.match(limited.stderr, /^services\/api\/scratch\.py: note: skipped: \d+ bytes is over the size limit of 50 bytes$/m);
    writeFileSync(api, '[tool.coroutine-lens]\nextra-coroutine-decorators = ["mylib.coroutine"]\n');
    assert.deepEqual(check(), check('--no-cache'), 'warm after the decorators and the size limit changed back = cold');
    rmSync(api);
    const gone = check();
    assert.deepEqual(gone, check('--no-cache'), 'warm after the sub-project\'s table is gone = cold');
    assert.ok(gone.includes('services/api/scratch.py:8 CORO200') && !gone.some((line) => line.includes('ASYNC')), `the root's table applies there now:\n${gone.join('\n')}`);
  });
});

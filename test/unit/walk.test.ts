/** The walk's exclude globs in a project holding sub-projects, and globs carried into a sub-project. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { globMatcher, rebaseGlobs, walkPython } from '../../server/src/analysis/walk';
import { wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-walk-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('walkPython with sub-projects', () => {
  const root = path.join(scratch, 'repo');
  for (const file of ['app.py', 'gen/a.py', 'api/pyproject.toml', 'api/h.py', 'api/gen/b.py', 'api/local.py', 'vendor/pyproject.toml', 'vendor/v.py', 'venv/pyvenv.cfg', 'venv/pyproject.toml', 'venv/x.py', 'plain/pyproject.toml', 'plain/gen/c.py']) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
  }
  const relative = (files: Array<{ path: string }>): string[] => files.map((f) => path.relative(root, f.path).split(path.sep).join('/'));

  test('below a sub-project its own exclude globs apply, relative to it, instead of the enclosing ones', async () => {
    const asked: string[] = [];
    const walked = await walkPython(root, {
      exclude: ['gen', 'vendor'],
      nestedProject: async (folder) => {
        asked.push(path.relative(root, folder));
        return folder.endsWith('api') ? ['local.py'] : undefined;
      },
    });
    assert.deepEqual(relative(walked.files), ['api/gen/b.py', 'api/h.py', 'app.py']);
    // `vendor` is excluded before its pyproject.toml is read; a virtual environment is never entered;
    // `plain` starts no project, so the enclosing `gen` glob still applies in it.
    assert.deepEqual(asked.sort(), ['api', 'plain']);
  });

  test('without the question, a pyproject.toml changes nothing', async () => {
    const walked = await walkPython(root, { exclude: ['gen'] });
    assert.deepEqual(relative(walked.files), ['api/h.py', 'api/local.py', 'app.py', 'vendor/v.py']);
  });
});

describe('rebaseGlobs: a workspace folder\'s globs as seen from a sub-project', () => {
  const from = path.join(scratch, 'ws');
  const to = path.join(from, 'services', 'api');
  const excludedBelow = (globs: string[], relativeToSubProject: string): boolean => globMatcher(rebaseGlobs(globs, from, to))(relativeToSubProject);

  test('a glob without a slash matches at any depth, unchanged', () => {
    assert.deepEqual(rebaseGlobs(['generated', '*.pyi'], from, to), ['generated', '*.pyi']);
  });

  test('an anchored glob keeps what lies below the sub-project, or is dropped', () => {
    assert.deepEqual(rebaseGlobs(['services/api/generated/**'], from, to), ['generated/**']);
    assert.deepEqual(rebaseGlobs(['services/*/migrations'], from, to), ['migrations']);
    assert.deepEqual(rebaseGlobs(['docs/**', 'services/web/x.py'], from, to), []);
    assert.deepEqual(rebaseGlobs(['./services/api/gen/'], from, to), ['gen']);
  });

  test('`**` may match any part of the path to the sub-project', () => {
    for (const [glob, inside, outside] of [
      ['**/migrations/*.py', 'migrations/0001.py', 'x.py'],
      ['**/api/gen', 'gen/a.py', 'src/gen.py'],
      ['services/**/tests', 'tests/t.py', 'src/t.py'],
    ] as const) {
      assert.ok(excludedBelow([glob], inside), `${glob} excludes ${inside}`);
      assert.ok(!excludedBelow([glob], outside), `${glob} keeps ${outside}`);
    }
  });

  test('a glob that covers the sub-project itself covers everything in it', () => {
    assert.ok(excludedBelow(['services/api'], 'any/file.py'));
    assert.ok(excludedBelow(['services/**'], 'any/file.py'));
  });
});

describe('walkPython and symbolic links to files', { skip: process.platform === 'win32' && 'symbolic links need privileges there' }, () => {
  test('a file reached twice through links is walked once: the file itself, else the first link', async () => {
    const root = path.join(scratch, 'links');
    const outside = path.join(scratch, 'links-target');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(path.join(root, 'a.py'), '');
    writeFileSync(path.join(outside, 'one.py'), '');
    symlinkSync(path.join(root, 'a.py'), path.join(root, 'alias.py'));
    symlinkSync(path.join(outside, 'one.py'), path.join(root, 'x1.py'));
    symlinkSync(path.join(outside, 'one.py'), path.join(root, 'x2.py'));
    const walked = await walkPython(root, { exclude: [] });
    assert.deepEqual(
      walked.files.map((f) => path.basename(f.path)),
      ['a.py', 'x1.py'],
    );
    assert.deepEqual(
      walked.problems.map((p) => `${path.basename(p.path)}: ${p.message}`).sort(),
      ['alias.py: skipped: symbolic link to a.py, which is checked', 'x2.py: skipped: symbolic link to x1.py, which is checked'],
    );
  });
});

describe('a symbolic link to a checked file, in the engine', { skip: process.platform === 'win32' && 'symbolic links need privileges there' }, () => {
  test('is not checked again, but its module name still resolves: a chain through `from pkg.alias import helper` is found', async () => {
    const root = path.join(scratch, 'linked-module');
    mkdirSync(path.join(root, 'pkg'), { recursive: true });
    writeFileSync(path.join(root, 'pkg', '__init__.py'), '');
    writeFileSync(path.join(root, 'pkg', 'real.py'), 'import time\n\n\ndef helper():\n    time.sleep(1)\n');
    symlinkSync('real.py', path.join(root, 'pkg', 'alias.py'));
    writeFileSync(path.join(root, 'app.py'), 'from pkg.alias import helper\n\n\nasync def main():\n    helper()\n');
    const engine = await AnalysisEngine.create({ wasmDir });
    engine.setConfiguration(root, defaultConfiguration());
    await engine.indexWorkspace(root);
    const checked = engine.checkedFiles(root).map((f) => path.relative(root, f).split(path.sep).join('/'));
    assert.deepEqual(checked, ['app.py', 'pkg/__init__.py', 'pkg/real.py']);
    const found = engine.analyzeFile(path.join(root, 'app.py')).findings.map((f) => `${f.range.start.line}:${f.code} ${(f.chain ?? []).map((h) => path.basename(h.path)).join(' ')}`);
    assert.deepEqual(found, ['4:CORO120 app.py alias.py']);
    assert.deepEqual(engine.workspaceNotes(root).map((n) => `${path.basename(n.path)}: ${n.message}`), ['alias.py: skipped: symbolic link to real.py, which is checked']);
  });
});

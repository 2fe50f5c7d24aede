/** Configuration parsing (errors carry file and line) and the catalogue's consistency. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  defaultConfiguration,
  effectiveSeverity,
  loadPyprojectConfiguration,
  mergeConfiguration,
  parseConfiguration,
  ruleCatalogue,
  type RuleCode,
} from '../../server/src/analysis';
import { blockingCalls, returnTypes } from '../../server/src/analysis/rules/catalogue';
import { repoRoot } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function pyproject(text: string): string {
  const dir = mkdtempSync(path.join(scratch, 'p'));
  writeFileSync(path.join(dir, 'pyproject.toml'), text);
  return dir;
}

describe('configuration', () => {
  test('a valid table is read in kebab-case and camelCase alike', async () => {
    const dir = pyproject(
      '[tool.coroutine-lens]\nselect = ["ASYNC", "CORO1"]\nignore = ["ASYNC240"]\nextra-blocking = [{ name = "db.query", code = "CORO102", suggestion = "db.aquery" }, "legacy.call"]\nextraCoroutineDecorators = ["fw.task"]\nexclude = ["gen/**"]\ntransitive = false\n[tool.coroutine-lens.severity]\nCORO202 = "hint"\n',
    );
    const { config, errors } = await loadPyprojectConfiguration(dir);
    assert.deepEqual(errors, []);
    assert.deepEqual(config.select, ['ASYNC', 'CORO1']);
    assert.deepEqual(config.extraBlocking, [{ name: 'db.query', code: 'CORO102', suggestion: 'db.aquery' }, { name: 'legacy.call' }]);
    assert.deepEqual(config.extraCoroutineDecorators, ['fw.task']);
    assert.equal(config.transitive, false);
    assert.equal(config.severity.CORO202, 'hint');
  });

  test('unknown keys and bad values are errors with file and line; the good keys still apply', async () => {
    const dir = pyproject('[project]\nname = "x"\n\n[tool.coroutine-lens]\nselect = ["ASYNC251"]\nignroe = ["ASYNC240"]\ntransitive = "yes"\nseverity = { ASYNC999 = "error", ASYNC251 = "loud" }\n');
    const { config, errors } = await loadPyprojectConfiguration(dir);
    const file = path.join(dir, 'pyproject.toml');
    assert.deepEqual(
      errors.map((e) => [e.path, e.line, e.message.split(':')[0]]),
      [
        [file, 6, 'ignroe'],
        [file, 7, 'transitive'],
        [file, 8, 'severity.ASYNC999'],
        [file, 8, 'severity.ASYNC251'],
      ],
    );
    assert.deepEqual(config.select, ['ASYNC251']);
  });

  test('errors carry the line however the table is written: arrays of tables, an inline table, dotted keys, a split table', async () => {
    const lines = async (text: string): Promise<Array<[number | undefined, string | undefined]>> => {
      const { errors } = await loadPyprojectConfiguration(pyproject(text));
      return errors.map((e) => [e.line, e.message.split(':')[0]]);
    };
    assert.deepEqual(
      await lines('[tool.coroutine-lens]\nselect = []\n\n[[tool.coroutine-lens.extra-blocking]]\nname = "db.query"\n\n[[tool.coroutine-lens.extra-blocking]]\nname = "not a name"\n'),
      [[8, 'extra-blocking[1]']],
    );
    // A key of an entry written under its `[[…]]` header: the key's own line, not the header's.
    assert.deepEqual(
      await lines('[[tool.coroutine-lens.extra-blocking]]\nname = "a.b"\n[[tool.coroutine-lens.extra-blocking]]\nname = "c.d"\ncode = "ZZZ"\n\n[[tool.coroutine-lens.extra-blocking]]\nname = "e.f"\nbogus = 1\n'),
      [[5, 'extra-blocking[1]'], [9, 'extra-blocking[2]']],
    );
    assert.deepEqual(await lines('[project]\nname = "x"\n[tool]\ncoroutine-lens = { bogus = 1 }\n'), [[4, 'bogus']]);
    assert.deepEqual(await lines('tool.coroutine-lens.transitive = "yes"\n'), [[1, 'transitive']]);
    assert.deepEqual(await lines('[project]\nname = "x"\n[tool]\ncoroutine-lens = 5\n'), [[4, 'the coroutine-lens configuration must be a table']]);
    assert.deepEqual(
      await lines('[tool.coroutine-lens]\nselect = []\n[tool.ruff]\nline-length = 99\n[tool.coroutine-lens.severity]\nFOO1 = "error"\n'),
      [[6, 'severity.FOO1']],
    );
  });

  test('a name with an empty part is an error in either form of extra-blocking and in extra-coroutine-decorators; Type.* is a name', () => {
    const messages = (raw: unknown): string[] => parseConfiguration(raw, { path: 'p' }).errors.map((e) => e.message.split(':')[0]!);
    assert.deepEqual(messages({ 'extra-blocking': ['mylib.', 'a..b', { name: 'c.' }] }), ['extra-blocking[0]', 'extra-blocking[1]', 'extra-blocking[2]']);
    assert.deepEqual(messages({ 'extra-coroutine-decorators': ['fw.'] }), ['extra-coroutine-decorators']);
    const { config, errors } = parseConfiguration({ 'extra-blocking': ['mylib.Client.*', { name: 'mylib.Pool.*', code: 'CORO102' }] }, { path: 'p' });
    assert.deepEqual(errors, []);
    assert.deepEqual(config.extraBlocking.map((e) => e.name), ['mylib.Client.*', 'mylib.Pool.*']);
  });

  test('invalid TOML is one error with its line', async () => {
    const dir = pyproject('[tool.coroutine-lens]\nselect = ["ASYNC"\n');
    const { errors } = await loadPyprojectConfiguration(dir);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /invalid TOML/);
    assert.equal(typeof errors[0]!.line, 'number');
  });

  test('no pyproject.toml is the default configuration', async () => {
    const { config, errors } = await loadPyprojectConfiguration(mkdtempSync(path.join(scratch, 'empty')));
    assert.deepEqual(errors, []);
    assert.deepEqual(config, defaultConfiguration());
  });

  test('select, ignore and severity decide what is reported', () => {
    const base = defaultConfiguration();
    assert.equal(effectiveSeverity(base, 'ASYNC251'), 'warning');
    assert.equal(effectiveSeverity(base, 'CORO202'), undefined, 'off by default');
    assert.equal(effectiveSeverity(mergeConfiguration(base, { select: ['CORO2'] }), 'CORO202'), 'information');
    assert.equal(effectiveSeverity(mergeConfiguration(base, { select: ['CORO2'] }), 'ASYNC251'), undefined);
    assert.equal(effectiveSeverity(mergeConfiguration(base, { ignore: ['ASYNC'] }), 'ASYNC251'), undefined);
    assert.equal(effectiveSeverity(mergeConfiguration(base, { severity: { ASYNC251: 'off' } }), 'ASYNC251'), undefined);
    assert.equal(effectiveSeverity(mergeConfiguration(base, { severity: { CORO202: 'error' } }), 'CORO202'), 'error');
    const { errors } = parseConfiguration({ select: ['NOPE1'] }, { path: 'settings' });
    assert.match(errors[0]!.message, /not a rule code/);
  });
});

describe('catalogue', () => {
  const codes = new Set<RuleCode>(ruleCatalogue.map((r) => r.code));

  test('every rule has a unique code, a title and a docs page that exists', () => {
    assert.equal(codes.size, ruleCatalogue.length);
    for (const rule of ruleCatalogue) {
      assert.ok(rule.title.length > 10, rule.code);
      assert.ok(existsSync(path.join(repoRoot, rule.docsPath)), `${rule.docsPath} exists`);
    }
  });

  test('every blocking entry reports a known code and names an alternative for every framework', () => {
    for (const [name, entry] of blockingCalls) {
      assert.ok(codes.has(entry.code), `${name}: ${entry.code}`);
      for (const framework of ['asyncio', 'tornado', 'trio', 'anyio'] as const) assert.ok(entry.alternatives[framework], `${name} ${framework}`);
    }
  });

  test('suggestions never cross frameworks (no trio advice to asyncio users and back)', () => {
    for (const [name, entry] of blockingCalls) {
      assert.doesNotMatch(entry.alternatives.asyncio, /\btrio\b|\banyio\b/, name);
      assert.doesNotMatch(entry.alternatives.trio, /\basyncio\b|\banyio\b|IOLoop/, name);
      assert.doesNotMatch(entry.alternatives.anyio, /\basyncio\b|\btrio\b|IOLoop/, name);
    }
  });

  test('the peers’ lists are covered and pure os.path functions are not', () => {
    for (const name of ['time.sleep', 'builtins.input', 'subprocess.run', 'os.waitpid', 'builtins.open', 'os.fdopen', 'os.path.exists', 'requests.get', 'httpx.Client.get', 'urllib.request.urlopen']) {
      assert.ok(blockingCalls.has(name), name);
    }
    for (const pure of ['os.path.join', 'os.path.basename', 'os.path.normpath', 'os.path.abspath', 'os.path.splitext']) assert.ok(!blockingCalls.has(pure), pure);
    for (const [from, to] of returnTypes) assert.ok(!from.endsWith('.*') && !to.endsWith('.*'), from);
  });
});

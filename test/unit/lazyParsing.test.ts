/**
 * Lazy parsing must not change a single finding: every fixture workspace, and a real library
 * (Tornado, from the test venvs when they exist), analysed with lazy parsing and with every file
 * parsed whole give the same findings and notes.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { fixturesRoot, repoRoot, wasmDir } from './engineHarness';

async function findings(root: string, lazyParsing: boolean): Promise<string[]> {
  const engine = await AnalysisEngine.create({ wasmDir, lazyParsing });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  const lines: string[] = [];
  for (const file of engine.indexedFiles(root)) {
    const result = engine.analyzeFile(file);
    for (const f of result.findings) {
      const chain = (f.chain ?? []).map((h) => `${path.relative(root, h.path)}:${h.range.start.line}`).join(' ');
      lines.push(`${path.relative(root, file)}:${f.range.start.line}:${f.range.start.column} ${f.code} ${chain}`);
    }
    for (const n of result.notes) lines.push(`${path.relative(root, file)} note ${n.message}`);
  }
  return lines;
}

for (const workspace of readdirSync(fixturesRoot)) {
  test(`lazy parsing finds the same as whole parsing: fixtures/${workspace}`, async () => {
    const root = path.join(fixturesRoot, workspace);
    assert.deepEqual(await findings(root, true), await findings(root, false));
  });
}

const venvs = path.join(repoRoot, '.cache', 'venvs');
const tornado = existsSync(venvs)
  ? readdirSync(venvs)
      .filter((v) => v.startsWith('test-py'))
      .map((v) => path.join(venvs, v, 'lib'))
      .flatMap((lib) => (existsSync(lib) ? readdirSync(lib).map((p) => path.join(lib, p, 'site-packages', 'tornado')) : []))
      .find((p) => existsSync(p))
  : undefined;

test('lazy parsing finds the same as whole parsing: the tornado package', { skip: tornado ? false : 'no test venv with tornado (run npm run test:python once)' }, async () => {
  const lazy = await findings(tornado!, true);
  assert.ok(lazy.length > 0, 'tornado has findings (its tests block on purpose)');
  assert.deepEqual(lazy, await findings(tornado!, false));
});

test('a syntax error in a block lazy parsing leaves out is still reported, at the same place as a whole parse reports it', async () => {
  const root = path.join(fixturesRoot, 'broken');
  for (const [file, line] of [['lazy_unclosed_bracket.py', 9], ['lazy_typo.py', 6]] as const) {
    const notes = await Promise.all(
      [true, false].map(async (lazyParsing) => {
        const engine = await AnalysisEngine.create({ wasmDir, lazyParsing });
        engine.setConfiguration(root, defaultConfiguration());
        await engine.indexWorkspace(root);
        return engine.analyzeFile(path.join(root, file)).notes.map((n) => `${n.range?.start.line}: ${n.message}`);
      }),
    );
    assert.equal(notes[0]!.length, 1, `${file}: ${notes[0]!.join('; ')}`);
    assert.match(notes[0]![0]!, new RegExp(`^${line}: syntax error`), file);
    assert.deepEqual(notes[0], notes[1], `${file}: lazy = whole`);
  }
});

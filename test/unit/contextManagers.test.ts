/**
 * CORO120 through `with` items as the findings change over time: an edited context manager (editor
 * buffer, then a warm cache run after the file changed on disk) changes the finding on the `with`
 * in the coroutine that enters it. The fixture workspace `context_managers` covers the cases.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-with-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const blocking = 'import contextlib\nimport time\n\n@contextlib.contextmanager\ndef pause():\n    yield\n    time.sleep(1)\n';
const clean = 'import contextlib\n\n@contextlib.contextmanager\ndef pause():\n    yield\n';
const app = 'from managers import pause\n\nasync def main():\n    with pause():\n        pass\n';

async function analyse(root: string, cacheDir?: string): Promise<AnalysisEngine> {
  const engine = await AnalysisEngine.create({ wasmDir, cacheDir });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  return engine;
}

const findingsOf = (engine: AnalysisEngine, file: string): string[] =>
  engine.analyzeFile(file).findings.map((f) => `${f.range.start.line + 1}:${f.code}:${f.chain?.map((h) => h.description).join(' > ')}`);

test('an edited context manager changes the finding on the with that enters it', async () => {
  const root = path.join(scratch, 'buffers');
  const managers = path.join(root, 'managers.py');
  const main = path.join(root, 'app.py');
  mkdirSync(root, { recursive: true });
  writeFileSync(managers, clean);
  writeFileSync(main, app);
  const engine = await analyse(root);
  assert.deepEqual(findingsOf(engine, main), []);
  assert.deepEqual(engine.dependents(managers), [main]);
  engine.updateFile(managers, blocking);
  assert.deepEqual(findingsOf(engine, main), ['4:CORO120:pause() > time.sleep()']);
  engine.updateFile(managers, clean);
  assert.deepEqual(findingsOf(engine, main), []);
  // `async with` awaits the entry and exit: not this rule's business, whatever the manager does.
  engine.updateFile(managers, blocking);
  engine.updateFile(main, app.replace('    with', '    async with'));
  assert.deepEqual(findingsOf(engine, main), []);
});

test('a warm run after the context manager changed on disk reports the with again', async () => {
  const root = path.join(scratch, 'cache');
  const cacheDir = path.join(scratch, 'cache-dir');
  const managers = path.join(root, 'managers.py');
  const main = path.join(root, 'app.py');
  mkdirSync(root, { recursive: true });
  writeFileSync(managers, blocking);
  writeFileSync(main, app);
  let engine = await analyse(root, cacheDir);
  assert.deepEqual(findingsOf(engine, main), ['4:CORO120:pause() > time.sleep()']);
  await engine.flushCache();

  writeFileSync(managers, clean);
  const later = new Date(statSync(managers).mtimeMs + 5000);
  utimesSync(managers, later, later);
  engine = await analyse(root, cacheDir);
  assert.deepEqual(findingsOf(engine, main), []);
  await engine.flushCache();

  writeFileSync(managers, blocking);
  const latest = new Date(later.getTime() + 5000);
  utimesSync(managers, latest, latest);
  engine = await analyse(root, cacheDir);
  assert.deepEqual(findingsOf(engine, main), ['4:CORO120:pause() > time.sleep()']);
});

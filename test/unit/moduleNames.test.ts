/**
 * Module names as Python gives them from its sys.path folders (the workspace root, where folders
 * without `__init__.py` are namespace packages, and the folder above a regular package), which
 * name a file claimed twice stands for (none), and the caches across a namespace import.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration, nodeReader, type SourceReader } from '../../server/src/analysis';
import { ModuleMap, moduleNamesOf } from '../../server/src/analysis/modules';
import { wasmDir } from './engineHarness';

describe('moduleNamesOf', () => {
  const root = path.resolve('/ws');
  const at = (...parts: string[]): string => path.join(root, ...parts);
  const packages = new Set([at('lib', 'pkg'), at('app', 'regular')]);
  const isPackageDir = (dir: string): boolean => packages.has(dir);
  const names = (file: string) => moduleNamesOf(file, isPackageDir, root);

  test('a module of a folder without __init__.py is named from the root; its script-folder name stays an alias', () => {
    assert.deepEqual(names(at('app', 'db.py')), { module: 'app.db', isPackage: false, aliases: ['db'] });
    assert.deepEqual(names(at('app', 'services', 'orders.py')), { module: 'app.services.orders', isPackage: false, aliases: ['orders'] });
  });

  test('a regular package keeps its name; from the root it is reachable through the namespace folders above it', () => {
    assert.deepEqual(names(at('lib', 'pkg', 'core.py')), { module: 'pkg.core', isPackage: false, aliases: ['lib.pkg.core'] });
    assert.deepEqual(names(at('lib', 'pkg', '__init__.py')), { module: 'pkg', isPackage: true, aliases: ['lib.pkg'] });
    // A regular package inside a namespace package inside the root.
    assert.deepEqual(names(at('app', 'regular', 'm.py')), { module: 'regular.m', isPackage: false, aliases: ['app.regular.m'] });
  });

  test('one name when both folders agree, outside the root, without a root, or through a folder that is no identifier', () => {
    assert.deepEqual(names(at('main.py')), { module: 'main', isPackage: false, aliases: [] });
    assert.deepEqual(names(path.resolve('/elsewhere', 'app', 'db.py')), { module: 'db', isPackage: false, aliases: [] });
    assert.deepEqual(moduleNamesOf(at('app', 'db.py'), isPackageDir, undefined), { module: 'db', isPackage: false, aliases: [] });
    assert.deepEqual(names(at('my-tools', 'probe.py')), { module: 'probe', isPackage: false, aliases: [] });
    assert.deepEqual(names(at('app', 'v1.2', 'probe.py')), { module: 'probe', isPackage: false, aliases: [] });
    assert.deepEqual(names(at('données', 'probe.py')), { module: 'données.probe', isPackage: false, aliases: ['probe'] });
    // A Python buffer without `.py` (a script `bin/manage`): no import names it from the root (was `bin.man`).
    assert.deepEqual(names(at('bin', 'manage')), { module: 'manage', isPackage: false, aliases: [] });
  });
});

describe('ModuleMap', () => {
  test('a name two files claim stands for neither, until one of them is gone', () => {
    const map = new ModuleMap();
    map.add('/ws/scripts/util.py', ['scripts.util', 'util']);
    assert.equal(map.get('util'), '/ws/scripts/util.py');
    map.add('/ws/tools/util.py', ['tools.util', 'util']);
    assert.equal(map.get('util'), undefined);
    assert.equal(map.has('util'), false);
    assert.equal(map.get('tools.util'), '/ws/tools/util.py');
    assert.deepEqual(map.resolvable().map(([name]) => name), ['scripts.util', 'tools.util']);
    map.remove('/ws/tools/util.py', ['tools.util', 'util']);
    assert.equal(map.get('util'), '/ws/scripts/util.py');
    assert.equal(map.depth(), 2);
    // The same file claiming a name twice is no ambiguity.
    map.add('/ws/scripts/util.py', ['util']);
    assert.equal(map.get('util'), '/ws/scripts/util.py');
    assert.deepEqual(ModuleMap.from(map.entries()).resolvable(), map.resolvable());
  });
});

describe('the caches across namespace imports', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-modules-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let counter = 0;
  function workspace(files: Record<string, string>): string {
    const root = path.join(scratch, `ws${counter++}`);
    for (const [name, text] of Object.entries(files)) write(path.join(root, name), text);
    return root;
  }
  /** Writes `text`, dated later than before so a warm run sees the change by its stat. */
  function write(file: string, text: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const before = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    writeFileSync(file, text);
    if (before !== undefined) utimesSync(file, new Date(before + 5000), new Date(before + 5000));
  }
  async function analyse(configRoot: string, indexed: string, cacheDir: string, reader: SourceReader = nodeReader): Promise<AnalysisEngine> {
    const engine = await AnalysisEngine.create({ wasmDir, cacheDir, reader });
    engine.setConfiguration(configRoot, defaultConfiguration());
    await engine.indexWorkspace(indexed);
    return engine;
  }
  const lines = (engine: AnalysisEngine, file: string): string[] => engine.analyzeFile(file).findings.map((f) => `${f.range.start.line + 1}:${f.code}`);

  test('a dependency changed through a namespace import changes the cached transitive finding', async () => {
    const root = workspace({
      'app/main.py': 'import app.db\n\nasync def handler():\n    app.db.query()\n',
      'app/db.py': 'def query():\n    return 1\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const main = path.join(root, 'app', 'main.py');
    let engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, main), []);
    await engine.flushCache();

    const reads: string[] = [];
    const counting: SourceReader = { readFile: (p) => (reads.push(path.basename(p)), nodeReader.readFile(p)), readFileSync: (p) => (reads.push(path.basename(p)), nodeReader.readFileSync!(p)) };
    engine = await analyse(root, root, cacheDir, counting);
    assert.deepEqual(lines(engine, main), []);
    assert.deepEqual(reads, [], 'a warm run with nothing changed reads nothing');

    write(path.join(root, 'app', 'db.py'), 'import time\n\ndef query():\n    time.sleep(1)\n');
    engine = await analyse(root, root, cacheDir, counting);
    assert.deepEqual(lines(engine, main), ['4:CORO120']);
    assert.deepEqual([...new Set(reads)], ['db.py'], 'only the changed dependency is read');
  });

  test('a cached result is not reused once the name it resolved through became ambiguous', async () => {
    const root = workspace({
      'scripts/run.py': 'import helper\n\nasync def main():\n    helper.wait()\n',
      'lib/helper.py': 'import time\n\ndef wait():\n    time.sleep(1)\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const run = path.join(root, 'scripts', 'run.py');
    let engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, run), ['4:CORO120']);
    await engine.flushCache();
    write(path.join(root, 'tools', 'helper.py'), 'def wait():\n    return 1\n');
    engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, run), [], '`helper` is lib/helper.py or tools/helper.py, neither a sibling of run.py: never guessed');
  });

  test('a warm cached result follows a sibling module that appears, then disappears', async () => {
    const root = workspace({
      'scripts/run.py': 'import helper\n\nasync def main():\n    helper.wait()\n',
      'lib/helper.py': 'import time\n\ndef wait():\n    time.sleep(1)\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const run = path.join(root, 'scripts', 'run.py');
    const sibling = path.join(root, 'scripts', 'helper.py');
    let engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, run), ['4:CORO120'], 'no sibling: the one file named `helper`');
    await engine.flushCache();

    write(sibling, 'def wait():\n    return 1\n');
    engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, run), [], 'the sibling scripts/helper.py comes first on sys.path');
    await engine.flushCache();

    rmSync(sibling);
    engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, run), ['4:CORO120'], 'the sibling gone: `helper` is lib/helper.py again');
  });

  test('a sibling counts only for a file outside any regular package', async () => {
    const root = workspace({
      'app/__init__.py': '',
      'app/main.py': 'import helper\n\nasync def main():\n    helper.wait()\n',
      'app/helper.py': 'import time\n\ndef wait():\n    time.sleep(1)\n',
      'tools/helper.py': 'def wait():\n    return 1\n',
    });
    const engine = await analyse(root, root, path.join(root, '.cache-dir'));
    // Python 3 has no implicit relative import: inside package `app`, `helper` is no sibling.
    assert.deepEqual(lines(engine, path.join(root, 'app', 'main.py')), []);
  });

  test('stored facts are not reused under another module name (relative imports were made absolute from it)', async () => {
    const root = workspace({
      'app/services/__init__.py': '',
      'app/services/orders.py': 'from ..db import query\n\nasync def handler():\n    query()\n',
      'app/db.py': 'import time\n\ndef query():\n    time.sleep(1)\n',
      // Claims `db` too: `db` (what `..db` meant while services/ was a regular package) stands for nothing.
      'db.py': 'def query():\n    return 1\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const orders = path.join(root, 'app', 'services', 'orders.py');
    let engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, orders), [], 'as services.orders, `..db` climbs above the top package');
    await engine.flushCache();
    // orders.py is unchanged, but now it is app.services.orders, whose `..db` is app.db.
    rmSync(path.join(root, 'app', 'services', '__init__.py'));
    engine = await analyse(root, root, cacheDir);
    assert.deepEqual(lines(engine, orders), ['4:CORO120']);
  });

  test('an __init__.py deleted or created after indexing (the language server is told) names its folder\'s files again', async () => {
    const root = workspace({
      'app/services/__init__.py': '',
      'app/services/orders.py': 'from ..db import query\n\nasync def handler():\n    query()\n',
      'app/db.py': 'import time\n\ndef query():\n    time.sleep(1)\n',
      'db.py': 'def query():\n    return 1\n',
    });
    const engine = await analyse(root, root, path.join(root, '.cache-dir'));
    const orders = path.join(root, 'app', 'services', 'orders.py');
    const init = path.join(root, 'app', 'services', '__init__.py');
    assert.deepEqual(lines(engine, orders), [], 'as services.orders, `..db` climbs above the top package');
    rmSync(init);
    engine.removeFile(init);
    assert.deepEqual(lines(engine, orders), ['4:CORO120'], 'as app.services.orders, `..db` is app.db');
    writeFileSync(init, '');
    engine.analyzeFile(init);
    assert.deepEqual(lines(engine, orders), []);
  });

  test('a root configured after files were indexed names them again', async () => {
    const root = workspace({
      'app/main.py': 'from . import db\n\nasync def handler():\n    db.query()\n',
      'app/db.py': 'import time\n\ndef query():\n    time.sleep(1)\n',
    });
    const engine = await AnalysisEngine.create({ wasmDir });
    await engine.indexWorkspace(root);
    const main = path.join(root, 'app', 'main.py');
    // An editor buffer, open before the folder's configuration came (the language server's order).
    const edited = path.join(root, 'app', 'edited.py');
    engine.updateFile(edited, 'from . import db\n\nasync def handler():\n    db.query()\n');
    assert.deepEqual(lines(engine, main), [], 'without a root, app/main.py is the top-level `main`: `from . import` leads nowhere');
    assert.deepEqual(lines(engine, edited), []);
    engine.setConfiguration(root, defaultConfiguration());
    assert.deepEqual(lines(engine, main), ['4:CORO120']);
    assert.deepEqual(lines(engine, edited), ['4:CORO120']);
    engine.updateFile(edited, 'from . import db\n\n\nasync def handler():\n    db.query()\n');
    assert.deepEqual(lines(engine, edited), ['5:CORO120'], 'the buffer is edited incrementally under its new name');
  });
});

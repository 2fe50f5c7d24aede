/**
 * The engine through its public API: resolution corner cases, editor buffers and dependents,
 * the cache (hits, invalidation through a changed dependency, the facts store read only when
 * needed and never trusted for another state of a file), and bad input.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { AnalysisEngine, defaultConfiguration, mergeConfiguration, nodeReader, type SourceReader } from '../../server/src/analysis';
import { wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-engine-'));
after(() => {
  chmodSync(scratch, 0o755);
  rmSync(scratch, { recursive: true, force: true });
});

let counter = 0;
/** Writes `files` (relative path → text) into a fresh folder and returns its path. */
function workspace(files: Record<string, string | Buffer>): string {
  const root = path.join(scratch, `ws${counter++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

async function analyse(root: string, options: { reader?: SourceReader; cacheDir?: string; maxFileBytes?: number } = {}) {
  const engine = await AnalysisEngine.create({ wasmDir, reader: options.reader, cacheDir: options.cacheDir });
  const config = options.maxFileBytes ? mergeConfiguration(defaultConfiguration(), { maxFileBytes: options.maxFileBytes }) : defaultConfiguration();
  engine.setConfiguration(root, config);
  await engine.indexWorkspace(root);
  await engine.flushCache();
  return engine;
}

const codes = (engine: AnalysisEngine, file: string): string[] => engine.analyzeFile(file).findings.map((f) => `${f.range.start.line + 1}:${f.code}`);

/** A reader that records the base name of every file read. */
function countingReader(): { reader: SourceReader; reads: string[] } {
  const reads: string[] = [];
  const reader: SourceReader = {
    readFile: (p) => {
      reads.push(path.basename(p));
      return nodeReader.readFile(p);
    },
    readFileSync: (p) => {
      reads.push(path.basename(p));
      return nodeReader.readFileSync!(p);
    },
  };
  return { reader, reads };
}

/** The cache's files whose names start with `prefix` (`index-`, `facts-`). */
const cacheFiles = (cacheDir: string, prefix: string): string[] => readdirSync(cacheDir).filter((name) => name.startsWith(prefix) && name.endsWith('.json'));

describe('resolution', () => {
  test('follows re-exports through a package __init__, star imports and workspace base classes', async () => {
    const root = workspace({
      'lib/__init__.py': 'from .impl import load as load_all\nfrom .impl import *\n',
      'lib/impl.py': 'import time\nimport requests\n\ndef load():\n    time.sleep(1)\n\ndef star_helper():\n    open("x")\n\nclass Base:\n    def block(self):\n        time.sleep(1)\n\nclass MySession(requests.Session):\n    pass\n',
      'main.py': [
        'import lib',
        'from lib import star_helper, load_all',
        'from lib.impl import Base, MySession',
        '',
        'class Child(Base):',
        '    pass',
        '',
        'async def main():',
        '    lib.load_all()',
        '    star_helper()',
        '    Child().block()',
        '    MySession().get("u")',
        '    load_all()',
        '',
      ].join('\n'),
    });
    const engine = await analyse(root);
    assert.deepEqual(codes(engine, path.join(root, 'main.py')), ['9:CORO120', '10:CORO120', '11:CORO120', '12:ASYNC212', '13:CORO120']);
  });

  test('relative imports above the package and unresolvable names are never guessed', async () => {
    const root = workspace({
      'pkg/__init__.py': '',
      'pkg/sub/__init__.py': '',
      'pkg/sub/deep.py': 'from ...nowhere import sleep\nfrom .. import missing\nimport time\n\nasync def f():\n    sleep(1)\n    missing.sleep(1)\n    unknown_name(1)\n',
    });
    const engine = await analyse(root);
    assert.deepEqual(codes(engine, path.join(root, 'pkg/sub/deep.py')), []);
  });
});

describe('editor buffers and dependents', () => {
  test('an edited helper changes the findings of the coroutine that calls it', async () => {
    const root = workspace({
      'helpers.py': 'def helper():\n    return 1\n',
      'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n',
    });
    const engine = await analyse(root);
    const app = path.join(root, 'app.py');
    const helpers = path.join(root, 'helpers.py');
    assert.deepEqual(codes(engine, app), []);
    assert.deepEqual(engine.dependents(helpers), [app]);
    engine.updateFile(helpers, 'import time\n\ndef helper():\n    time.sleep(1)\n');
    assert.deepEqual(codes(engine, app), ['4:CORO120']);
    const chain = engine.analyzeFile(app).findings[0]!.chain!;
    assert.deepEqual(chain.map((h) => [path.basename(h.path), h.range.start.line + 1, h.code]), [['app.py', 4, undefined], ['helpers.py', 4, 'ASYNC251']]);
    // Incremental re-parse of a further edit of the same buffer.
    engine.updateFile(helpers, 'import time\n\ndef helper():\n    return 2\n');
    assert.deepEqual(codes(engine, app), []);
    engine.closeFile(helpers);
    assert.deepEqual(codes(engine, app), []);
    engine.removeFile(helpers);
    assert.deepEqual(codes(engine, app), []);
  });

  test('a buffer for a file that is not on disk is analysed', async () => {
    const root = workspace({ 'other.py': 'x = 1\n' });
    const engine = await analyse(root);
    const file = path.join(root, 'untitled.py');
    engine.updateFile(file, 'import time\nasync def f():\n    time.sleep(1)\n');
    assert.deepEqual(codes(engine, file), ['3:ASYNC251']);
  });
});

describe('facts cache', () => {
  test('a warm run reads no unchanged file, and a changed dependency changes the transitive finding', async () => {
    const root = workspace({
      'helpers.py': 'def helper():\n    return 1\n',
      'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const { reader: counting, reads } = countingReader();
    let engine = await analyse(root, { cacheDir, reader: counting });
    assert.deepEqual(codes(engine, path.join(root, 'app.py')), []);
    await engine.flushCache();
    // helpers.py is read twice: once by the prefilter, once when resolution needs its facts.
    assert.deepEqual([...new Set(reads)].sort(), ['app.py', 'helpers.py']);

    reads.length = 0;
    engine = await analyse(root, { cacheDir, reader: counting });
    assert.deepEqual(codes(engine, path.join(root, 'app.py')), []);
    assert.deepEqual(reads, [], 'nothing is read on a warm run');

    const helpers = path.join(root, 'helpers.py');
    writeFileSync(helpers, 'import subprocess\n\ndef helper():\n    subprocess.run(["ls"])\n');
    const later = new Date(statSync(helpers).mtimeMs + 5000);
    utimesSync(helpers, later, later);
    engine = await analyse(root, { cacheDir, reader: counting });
    assert.deepEqual(reads, ['helpers.py'], 'only the changed file is read');
    assert.deepEqual(codes(engine, path.join(root, 'app.py')), ['4:CORO120']);
  });

  test("a noqa added to a helper's blocking line cuts the chain on the warm run, and removing it restores it", async () => {
    const blocking = 'import time\n\ndef helper():\n    time.sleep(1)\n';
    const root = workspace({ 'helpers.py': blocking, 'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n' });
    const cacheDir = path.join(root, '.cache-dir');
    const helpers = path.join(root, 'helpers.py');
    const app = path.join(root, 'app.py');
    let stamp = statSync(helpers).mtimeMs;
    const rewrite = (text: string): void => {
      writeFileSync(helpers, text);
      stamp += 5000;
      utimesSync(helpers, new Date(stamp), new Date(stamp));
    };
    let engine = await analyse(root, { cacheDir });
    assert.deepEqual(codes(engine, app), ['4:CORO120']);
    await engine.flushCache();

    rewrite(blocking.replace('time.sleep(1)', 'time.sleep(1)  # noqa: ASYNC251'));
    const { reader: counting, reads } = countingReader();
    engine = await analyse(root, { cacheDir, reader: counting });
    assert.deepEqual(codes(engine, app), [], 'the user accepted the only blocking call of the chain');
    assert.deepEqual([...new Set(reads)], ['helpers.py'], 'only the changed helper is read');
    await engine.flushCache();

    rewrite(blocking);
    engine = await analyse(root, { cacheDir });
    assert.deepEqual(codes(engine, app), ['4:CORO120']);
  });

  test('a warm run where nothing changed needs only the index: the facts store is not read', async () => {
    const root = workspace({
      'helpers.py': 'import time\n\ndef helper():\n    time.sleep(1)\n',
      'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n',
      'caller.py': 'from app import main\n\ndef run():\n    main()\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const { reader, reads } = countingReader();
    const cold = await analyse(root, { cacheDir, reader });
    const expected = ['app.py', 'caller.py'].map((name) => codes(cold, path.join(root, name)));
    assert.deepEqual(expected, [['4:CORO120'], ['4:CORO200']]);
    await cold.flushCache();

    // Were the store read, garbage there would send the engine back to the sources (reads).
    for (const name of cacheFiles(cacheDir, 'facts-')) writeFileSync(path.join(cacheDir, name), 'not json');
    reads.length = 0;
    const warm = await analyse(root, { cacheDir, reader });
    assert.ok(warm.mayHaveFindings(path.join(root, 'caller.py')), 'coroutine names come from the index');
    assert.deepEqual(['app.py', 'caller.py'].map((name) => codes(warm, path.join(root, name))), expected);
    assert.deepEqual(reads, [], 'nothing is read on a warm run');
  });

  test('a cache written under other coroutine decorators is not trusted (the prefilter verdict depends on them)', async () => {
    const root = workspace({ 'app.py': 'import time\nfrom mylib import deco\n\n@deco\ndef handler():\n    time.sleep(1)\n    yield 1\n' });
    const app = path.join(root, 'app.py');
    const run = async (extraCoroutineDecorators: string[]): Promise<string[]> => {
      const engine = await AnalysisEngine.create({ wasmDir, cacheDir: path.join(root, '.cache-dir') });
      engine.setConfiguration(root, mergeConfiguration(defaultConfiguration(), { extraCoroutineDecorators }));
      await engine.indexWorkspace(root);
      const found = engine.mayHaveFindings(app) ? codes(engine, app) : [];
      await engine.flushCache();
      return found;
    };
    assert.deepEqual(await run([]), [], 'not a coroutine without the setting');
    assert.deepEqual(await run(['mylib.deco']), ['6:ASYNC251'], 'the setting added, warm');
    assert.deepEqual(await run([]), [], 'the setting removed, warm');
  });

  test('facts read back from the cache (plain objects) take a statement call named like an Object member as a name', async () => {
    // `valueOf()` in a lazy block: `'valueOf' in imports` holds for an object with a prototype.
    const root = workspace({ 'app.py': 'import asyncio\n\nasync def main():\n    await asyncio.sleep(1)\n\ndef helper():\n    valueOf()\n    constructor()\n' });
    const app = path.join(root, 'app.py');
    const run = async (ignore: string[]): Promise<{ codes: string[]; notes: string[] }> => {
      const engine = await AnalysisEngine.create({ wasmDir, cacheDir: path.join(root, '.cache-dir') });
      engine.setConfiguration(root, mergeConfiguration(defaultConfiguration(), { ignore }));
      await engine.indexWorkspace(root);
      const result = engine.analyzeFile(app);
      await engine.flushCache();
      return { codes: result.findings.map((f) => f.code), notes: result.notes.map((n) => n.message) };
    };
    assert.deepEqual(await run([]), { codes: [], notes: [] }, 'cold');
    assert.deepEqual(await run(['ASYNC251']), { codes: [], notes: [] }, 'warm, facts from the store (another setting: no result reused)');
  });

  test('facts the store lost, or kept from another state of a file, are parsed again from the source', async () => {
    const root = workspace({
      'helpers.py': 'def helper():\n    return 1\n',
      'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n',
    });
    const cacheDir = path.join(root, '.cache-dir');
    const helpers = path.join(root, 'helpers.py');
    const app = path.join(root, 'app.py');
    const touch = (file: string, text: string): void => {
      writeFileSync(file, text);
      const later = new Date(statSync(file).mtimeMs + 5000);
      utimesSync(file, later, later);
    };
    let engine = await analyse(root, { cacheDir });
    assert.deepEqual(codes(engine, app), []);
    await engine.flushCache();
    const [storeName] = cacheFiles(cacheDir, 'facts-');
    const oldStore = readFileSync(path.join(cacheDir, storeName!));

    touch(helpers, 'import subprocess\n\ndef helper():\n    subprocess.run(["ls"])\n');
    engine = await analyse(root, { cacheDir });
    assert.deepEqual(codes(engine, app), ['4:CORO120']);
    await engine.flushCache();

    // The index now describes the blocking helper; the store is put back to the harmless one.
    writeFileSync(path.join(cacheDir, storeName!), oldStore);
    touch(app, 'from helpers import helper\n\n\nasync def main():\n    helper()\n');
    const { reader, reads } = countingReader();
    engine = await analyse(root, { cacheDir, reader });
    assert.deepEqual(codes(engine, app), ['5:CORO120'], 'facts of an older helpers.py are not trusted');
    assert.ok(reads.includes('helpers.py'), 'helpers.py is parsed again');
    await engine.flushCache();

    rmSync(path.join(cacheDir, storeName!));
    touch(app, 'from helpers import helper\n\nasync def main():\n    helper()\n');
    engine = await analyse(root, { cacheDir });
    assert.deepEqual(codes(engine, app), ['4:CORO120'], 'a missing store is parsed again');
  });
});

describe('bad input is a note, never a crash', () => {
  test('unreadable, oversized, NUL, undecodable, syntax errors, symlink loops', async () => {
    const root = workspace({
      'ok.py': 'import time\nasync def f():\n    time.sleep(1)\n',
      'big.py': `import time\nasync def f():\n    time.sleep(1)\n${'# padding\n'.repeat(200)}`,
      'nul.py': Buffer.from('async def f():\n    pass\n\0\n'),
      'bad_utf8.py': Buffer.from([0x61, 0x73, 0x79, 0x6e, 0x63, 0x20, 0xff, 0xfe, 0x0a]),
      'unknown_codec.py': '# coding: no-such-codec\nx = 1\n',
      'broken.py': 'import time\nasync def f(:\n    time.sleep(1)\nasync def g():\n    time.sleep(2)\n',
      'secret.py': 'async def f():\n    pass\n',
    });
    symlinkSync(root, path.join(root, 'loop'));
    symlinkSync(path.join(root, 'does-not-exist.py'), path.join(root, 'dangling.py'));
    const refusing: SourceReader = {
      readFile: (p) => (p.endsWith('secret.py') ? Promise.reject(new Error('EACCES: permission denied')) : nodeReader.readFile(p)),
    };
    const engine = await analyse(root, { reader: refusing, maxFileBytes: 500 });
    const notes = (name: string): string => engine.analyzeFile(path.join(root, name)).notes.map((n) => n.message).join(' | ');
    assert.match(notes('big.py'), /over the size limit/);
    assert.match(notes('nul.py'), /NUL bytes/);
    assert.match(notes('bad_utf8.py'), /not valid UTF-8/);
    assert.match(notes('unknown_codec.py'), /unknown source encoding/);
    assert.match(notes('secret.py'), /cannot read: EACCES/);
    assert.match(notes('broken.py'), /syntax error/);
    // tree-sitter recovers `f` despite its broken parameter list: both bodies are analysed.
    assert.deepEqual(codes(engine, path.join(root, 'broken.py')), ['3:ASYNC251', '5:ASYNC251']);
    assert.deepEqual(codes(engine, path.join(root, 'ok.py')), ['3:ASYNC251']);
    const walkNotes = engine.workspaceNotes(root).map((n) => n.message).join(' | ');
    assert.match(walkNotes, /symbolic link loop/);
    assert.match(walkNotes, /broken symbolic link/);
  });
});

describe('a file tree-sitter cannot structure at all', () => {
  test('600 levels of indentation (the whole file one ERROR node): one syntax-error note, placed', async () => {
    // Past ~500 levels tree-sitter-python's scanner gives up; CPython itself stops at 100.
    const blocks = Array.from({ length: 600 }, (_, i) => `${'    '.repeat(i + 1)}if x:\n`).join('');
    const root = workspace({ 'deep_blocks.py': `import time\nasync def f():\n${blocks}${'    '.repeat(601)}pass\n` });
    const engine = await analyse(root, {});
    const { notes } = engine.analyzeFile(path.join(root, 'deep_blocks.py'));
    assert.deepEqual(
      notes.map((n) => [n.range?.start.line, n.message.slice(0, 12)]),
      [[1, 'syntax error']],
      'at `async def f():`, the statement the parse could not place',
    );
  });
});

describe('files changing on disk under a cached engine', () => {
  test('closeFile after a change on disk re-reads the file instead of trusting cached results', async () => {
    const root = workspace({
      'helpers.py': 'def helper():\n    return 1\n',
      'app.py': 'from helpers import helper\n\nasync def main():\n    helper()\n',
    });
    const engine = await analyse(root, { cacheDir: path.join(root, '.cache-dir') });
    const app = path.join(root, 'app.py');
    const helpers = path.join(root, 'helpers.py');
    assert.deepEqual(codes(engine, app), []);
    writeFileSync(helpers, 'import time\n\ndef helper():\n    time.sleep(1)\n');
    for (const file of engine.dependents(helpers)) engine.closeFile(file);
    engine.closeFile(helpers);
    assert.deepEqual(codes(engine, app), ['4:CORO120']);
  });
});

describe('files without coroutine code (the prefilter rejects them)', () => {
  test('are analysed when a statement call names a coroutine through an import of its module or package, and only then', async () => {
    const root = workspace({
      'svc/__init__.py': 'from svc.api import fetch\n',
      'svc/api.py': 'async def fetch():\n    pass\n\n\nasync def close():\n    pass\n',
      'by_name.py': 'from svc.api import fetch\n\n\ndef run():\n    fetch()\n',
      'reexported.py': 'from svc import fetch\n\n\ndef run():\n    fetch()\n',
      'by_module.py': 'import svc.api as api\n\n\ndef run():\n    api.fetch()\n',
      'library.py': 'import asyncio\n\n\ndef run():\n    asyncio.sleep(1)\n',
      'unrelated_close.py': 'import io\n\n\ndef run(stream):\n    stream.close()\n    io.close()\n',
      'same_name_elsewhere.py': 'from other import fetch\n\n\ndef run():\n    fetch()\n',
    });
    const engine = await analyse(root);
    const candidates = engine.indexedFiles(root).filter((file) => engine.mayHaveFindings(file)).map((file) => path.relative(root, file));
    assert.deepEqual(candidates, ['by_module.py', 'by_name.py', 'library.py', 'reexported.py', path.join('svc', 'api.py')]);
    for (const file of ['by_module.py', 'by_name.py', 'library.py', 'reexported.py']) assert.deepEqual(codes(engine, path.join(root, file)), ['5:CORO200'], file);
  });
});

describe('a sub-project configured again while the walk that met it runs', () => {
  const files = { 'app.py': '', 'api/pyproject.toml': '[tool.coroutine-lens]\n', 'api/handlers.py': 'import time\n\n\nasync def f():\n    time.sleep(1)\n' };
  const walkSaw = mergeConfiguration(defaultConfiguration(), { select: ['CORO'] });
  const appliedLater = mergeConfiguration(defaultConfiguration(), { select: ['ASYNC'] });

  /** The configuration of the sub-project's file once the walk has ended; `met` runs when the walk meets the sub-project, and gives the walk `walkSaw`. */
  async function configuredAfterWalk(met: (engine: AnalysisEngine, folder: string) => Promise<void>): Promise<{ engine: AnalysisEngine; handlers: string }> {
    const root = workspace(files);
    const engine = await AnalysisEngine.create({ wasmDir });
    engine.setConfiguration(root, defaultConfiguration());
    await engine.indexWorkspace(root, { nestedConfiguration: async (folder) => (await met(engine, folder), walkSaw) });
    return { engine, handlers: path.join(root, 'api', 'handlers.py') };
  }

  test('keeps the newer configuration: a settings change the language server applied mid-walk is not undone when the walk ends', async () => {
    // Applied after the walk was given its configuration, before the walk ends (it still lists and stats files).
    const { engine, handlers } = await configuredAfterWalk(async (engine, folder) => void setImmediate(() => engine.setConfiguration(folder, appliedLater)));
    assert.equal(engine.configurationFor(handlers), appliedLater);
    assert.deepEqual(codes(engine, handlers), ['5:ASYNC251']);
  });

  test('and the walk\'s configuration when it is the newer one', async () => {
    const { engine, handlers } = await configuredAfterWalk(async (engine, folder) => {
      engine.setConfiguration(folder, appliedLater);
      await new Promise((resolve) => setImmediate(resolve));
    });
    assert.equal(engine.configurationFor(handlers), walkSaw);
  });
});

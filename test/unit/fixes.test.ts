/**
 * Quick fixes of the engine (rules/fixes.ts): each fix is applied to the source text the way an
 * editor applies a workspace edit, and the result must read exactly as expected, parse without
 * error (tree-sitter, and CPython's compiler when python3 is on PATH) and re-analyse with the
 * finding gone and nothing new.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Parser } from 'web-tree-sitter';
import { AnalysisEngine, applyEdits, defaultConfiguration, type Finding, type Fix } from '../../server/src/analysis';
import { createParser } from '../../server/src/analysis/parser';
import { PYTHON, pythonAvailable, pythonCompileError } from '../support/cpython';
import { wasmDir } from './engineHarness';

const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-fixes-'));
let parser: Parser;
before(async () => {
  parser = await createParser(wasmDir);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;

/** An engine over a fresh folder holding `main.py` with `source`. */
async function engineFor(source: string): Promise<{ engine: AnalysisEngine; file: string }> {
  const root = path.join(scratch, `ws${counter++}`);
  mkdirSync(root);
  const file = path.join(root, 'main.py');
  writeFileSync(file, source);
  const engine = await AnalysisEngine.create({ wasmDir });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  return { engine, file };
}

interface Case {
  name: string;
  source: string;
  code: string;
  title: RegExp;
  fixed: string;
  preferred: boolean;
}

/** Finds the one `code` finding, applies the fix matching `title`, and checks the result. */
async function checkFix(c: Case): Promise<void> {
  const { engine, file } = await engineFor(c.source);
  const findings = engine.analyzeFile(file).findings;
  const finding = findings.find((f) => f.code === c.code);
  assert.ok(finding, `no ${c.code} in ${JSON.stringify(findings.map((f) => f.code))}`);
  const fix = finding.fixes.find((f) => c.title.test(f.title));
  assert.ok(fix, `no fix matching ${c.title} among ${JSON.stringify(finding.fixes.map((f) => f.title))}`);
  assert.equal(fix.preferred, c.preferred);
  assert.ok(fix.edits.every((e) => e.path === file));
  const fixed = applyEdits(c.source, fix.edits);
  assert.equal(fixed, c.fixed);
  const tree = parser.parse(fixed)!;
  try {
    assert.equal(tree.rootNode.hasError, false, `the fixed text does not parse:\n${fixed}`);
  } finally {
    tree.delete();
  }
  if (pythonAvailable) assert.equal(pythonCompileError(fixed), undefined, fixed);
  engine.updateFile(file, fixed);
  const after = engine.analyzeFile(file);
  const left = (list: Finding[]): string[] => list.map((f) => f.code).sort();
  const expectedLeft = left(findings.filter((f) => f !== finding));
  assert.deepEqual(left(after.findings), expectedLeft, `findings after the fix:\n${fixed}\n${JSON.stringify(after.findings.map((f) => f.message))}`);
  assert.deepEqual(after.notes, []);
}

/** The fixes offered for the one `code` finding of `source`. */
async function fixesOf(source: string, code: string): Promise<Fix[]> {
  const { engine, file } = await engineFor(source);
  const finding = engine.analyzeFile(file).findings.find((f) => f.code === code);
  assert.ok(finding, `no ${code}`);
  return finding.fixes;
}

const lines = (...text: string[]): string => text.join('\n') + '\n';


describe('time.sleep → the framework sleep', () => {
  const cases: Case[] = [
    {
      name: 'asyncio, adding the import below the import block',
      source: lines('import time', '', '', 'async def main():', '    time.sleep(1)'),
      code: 'ASYNC251',
      title: /await asyncio\.sleep/,
      fixed: lines('import time', 'import asyncio', '', '', 'async def main():', '    await asyncio.sleep(1)'),
      preferred: true,
    },
    {
      name: 'asyncio imported under an alias',
      source: lines('import asyncio as aio', 'from time import sleep', '', '', 'async def main():', '    sleep(0.5)'),
      code: 'ASYNC251',
      title: /await aio\.sleep/,
      fixed: lines('import asyncio as aio', 'from time import sleep', '', '', 'async def main():', '    await aio.sleep(0.5)'),
      preferred: true,
    },
    {
      name: 'import below the shebang, the docstring and from __future__, before the first other statement',
      source: lines('#!/usr/bin/env python', '"""Tools.', '', 'More words."""', 'from __future__ import annotations', '', 'import time', 'LIMIT = 3', 'import os', '', '', 'async def main():', '    time.sleep(os.cpu_count() or LIMIT)'),
      code: 'ASYNC251',
      title: /asyncio\.sleep/,
      fixed: lines('#!/usr/bin/env python', '"""Tools.', '', 'More words."""', 'from __future__ import annotations', '', 'import time', 'import asyncio', 'LIMIT = 3', 'import os', '', '', 'async def main():', '    await asyncio.sleep(os.cpu_count() or LIMIT)'),
      preferred: true,
    },
    {
      name: 'trio where the file uses trio',
      source: lines('import time', '', 'import trio', '', '', 'async def main():', '    time.sleep(2)'),
      code: 'ASYNC251',
      title: /trio\.sleep/,
      fixed: lines('import time', '', 'import trio', '', '', 'async def main():', '    await trio.sleep(2)'),
      preferred: true,
    },
    {
      name: 'anyio, adding `import anyio` where only names from it are imported',
      source: lines('import time', 'from anyio import run', '', '', 'async def main():', '    time.sleep(2)', '', '', 'run(main)'),
      code: 'ASYNC251',
      title: /anyio\.sleep/,
      fixed: lines('import time', 'from anyio import run', 'import anyio', '', '', 'async def main():', '    await anyio.sleep(2)', '', '', 'run(main)'),
      preferred: true,
    },
    {
      name: '@gen.coroutine with an aliased tornado.gen',
      source: lines('import time', '', 'from tornado import gen as g', '', '', '@g.coroutine', 'def fetch():', '    time.sleep(1)', '    yield g.moment'),
      code: 'ASYNC251',
      title: /yield g\.sleep/,
      fixed: lines('import time', '', 'from tornado import gen as g', '', '', '@g.coroutine', 'def fetch():', '    yield g.sleep(1)', '    yield g.moment'),
      preferred: true,
    },
    {
      name: '@coroutine imported from tornado.gen: adds `from tornado import gen`',
      source: lines('import time', 'from tornado.gen import coroutine', '', '', '@coroutine', 'def fetch():', '    time.sleep(1)', '    yield None'),
      code: 'ASYNC251',
      title: /yield gen\.sleep/,
      fixed: lines('import time', 'from tornado.gen import coroutine', 'from tornado import gen', '', '', '@coroutine', 'def fetch():', '    yield gen.sleep(1)', '    yield None'),
      preferred: true,
    },
    {
      name: 'CRLF line endings are kept',
      source: 'import time\r\n\r\n\r\nasync def main():\r\n    time.sleep(1)\r\n',
      code: 'ASYNC251',
      title: /asyncio\.sleep/,
      fixed: 'import time\r\nimport asyncio\r\n\r\n\r\nasync def main():\r\n    await asyncio.sleep(1)\r\n',
      preferred: true,
    },
  ];
  for (const c of cases) test(c.name, () => checkFix(c));
});

describe('a blocking call → run it in a thread', () => {
  const cases: Case[] = [
    {
      name: 'asyncio.to_thread keeps keyword arguments',
      source: lines('import subprocess', '', '', 'async def main():', '    subprocess.run(["ls"], check=True)'),
      code: 'ASYNC221',
      title: /to_thread/,
      fixed: lines('import subprocess', 'import asyncio', '', '', 'async def main():', '    await asyncio.to_thread(subprocess.run, ["ls"], check=True)'),
      preferred: false,
    },
    {
      name: 'a call without arguments, under an alias, as the object of an attribute: parenthesised',
      source: lines('import asyncio as aio', 'import subprocess', '', '', 'async def main():', '    return subprocess.getoutput().strip()'),
      code: 'ASYNC221',
      title: /to_thread/,
      fixed: lines('import asyncio as aio', 'import subprocess', '', '', 'async def main():', '    return (await aio.to_thread(subprocess.getoutput)).strip()'),
      preferred: false,
    },
    {
      name: 'a call spanning lines, with a comment inside',
      source: lines('import subprocess', '', '', 'async def main():', '    subprocess.run(  # build', '        ["make"],', '        check=True,', '    )'),
      code: 'ASYNC221',
      title: /to_thread/,
      fixed: lines('import subprocess', 'import asyncio', '', '', 'async def main():', '    await asyncio.to_thread(subprocess.run,   # build', '        ["make"],', '        check=True,', '    )'),
      preferred: false,
    },
    {
      name: 'a builtin under docstring-only header: open() in a with statement',
      source: lines('"""Reads files."""', '', '', 'async def main(name):', '    with open(name) as handle:', '        return handle'),
      code: 'ASYNC230',
      title: /to_thread/,
      fixed: lines('"""Reads files."""', 'import asyncio', '', '', 'async def main(name):', '    with await asyncio.to_thread(open, name) as handle:', '        return handle'),
      preferred: false,
    },
    {
      name: 'the import block ends at a function parsed lazily (its text is blanked in the tree)',
      source: lines('import subprocess', '', '', 'def helper():', '    return 1', '', '', 'import os', '', '', 'async def main():', '    subprocess.run(["ls"])', '    return os.sep, helper()'),
      code: 'ASYNC221',
      title: /to_thread/,
      fixed: lines('import subprocess', 'import asyncio', '', '', 'def helper():', '    return 1', '', '', 'import os', '', '', 'async def main():', '    await asyncio.to_thread(subprocess.run, ["ls"])', '    return os.sep, helper()'),
      preferred: false,
    },
    {
      name: 'trio: keyword arguments need functools.partial',
      source: lines('import subprocess', '', 'import trio', '', '', 'async def main():', '    subprocess.run(["ls"], check=True)'),
      code: 'ASYNC221',
      title: /trio\.to_thread\.run_sync/,
      fixed: lines('import subprocess', '', 'import trio', 'import functools', '', '', 'async def main():', '    await trio.to_thread.run_sync(functools.partial(subprocess.run, ["ls"], check=True))'),
      preferred: false,
    },
    {
      name: 'anyio: an existing `from functools import partial` is used',
      source: lines('import subprocess', 'from functools import partial', '', 'import anyio', '', '', 'async def main():', '    out = subprocess.check_output(["ls"], text=True)', '    return out'),
      code: 'ASYNC221',
      title: /anyio\.to_thread\.run_sync/,
      fixed: lines('import subprocess', 'from functools import partial', '', 'import anyio', '', '', 'async def main():', '    out = await anyio.to_thread.run_sync(partial(subprocess.check_output, ["ls"], text=True))', '    return out'),
      preferred: false,
    },
    {
      name: '@gen.coroutine: yield IOLoop.current().run_in_executor with functools.partial, two imports',
      source: lines('import subprocess', '', 'from tornado import gen', '', '', '@gen.coroutine', 'def build():', '    subprocess.run(["make"], check=True)', '    yield gen.moment'),
      code: 'ASYNC221',
      title: /run_in_executor/,
      fixed: lines('import subprocess', '', 'from tornado import gen', 'from tornado.ioloop import IOLoop', 'import functools', '', '', '@gen.coroutine', 'def build():', '    yield IOLoop.current().run_in_executor(None, functools.partial(subprocess.run, ["make"], check=True))', '    yield gen.moment'),
      preferred: false,
    },
    {
      name: '@gen.coroutine: a yield that is not the whole statement is parenthesised; tornado.ioloop imported as a module',
      source: lines('import subprocess', 'from tornado import gen, ioloop', '', '', '@gen.coroutine', 'def build():', '    raise gen.Return(subprocess.check_output(["make"]))'),
      code: 'ASYNC221',
      title: /run_in_executor/,
      fixed: lines('import subprocess', 'from tornado import gen, ioloop', '', '', '@gen.coroutine', 'def build():', '    raise gen.Return((yield ioloop.IOLoop.current().run_in_executor(None, subprocess.check_output, ["make"])))'),
      preferred: false,
    },
    {
      name: 'Tornado native coroutine: await IOLoop.current().run_in_executor(None, f, args)',
      source: lines('import subprocess', '', 'from tornado.web import RequestHandler', '', '', 'class Build(RequestHandler):', '    async def post(self):', '        subprocess.run(["make"])'),
      code: 'ASYNC221',
      title: /run_in_executor/,
      fixed: lines('import subprocess', '', 'from tornado.web import RequestHandler', 'from tornado.ioloop import IOLoop', '', '', 'class Build(RequestHandler):', '    async def post(self):', '        await IOLoop.current().run_in_executor(None, subprocess.run, ["make"])'),
      preferred: false,
    },
    {
      name: 'CORO120: a call into a blocking helper',
      source: lines('import asyncio', 'import time', '', '', 'def load(name, *, retries=1):', '    time.sleep(retries)', '    return name', '', '', 'async def main():', '    data = load("x", retries=2)', '    await asyncio.sleep(0)', '    return data'),
      code: 'CORO120',
      title: /to_thread/,
      fixed: lines('import asyncio', 'import time', '', '', 'def load(name, *, retries=1):', '    time.sleep(retries)', '    return name', '', '', 'async def main():', '    data = await asyncio.to_thread(load, "x", retries=2)', '    await asyncio.sleep(0)', '    return data'),
      preferred: false,
    },
    {
      name: 'inside a list comprehension of an async def',
      source: lines('import asyncio', '', '', 'async def main(names):', '    return [open(n) for n in names]'),
      code: 'ASYNC230',
      title: /to_thread/,
      fixed: lines('import asyncio', '', '', 'async def main(names):', '    return [await asyncio.to_thread(open, n) for n in names]'),
      preferred: false,
    },
  ];
  for (const c of cases) test(c.name, () => checkFix(c));
});

describe('CORO200 → add the missing keyword', () => {
  const cases: Case[] = [
    {
      name: 'await in async def',
      source: lines('import asyncio', '', '', 'async def work():', '    await asyncio.sleep(0)', '', '', 'async def main():', '    work()'),
      code: 'CORO200',
      title: /^Add await$/,
      fixed: lines('import asyncio', '', '', 'async def work():', '    await asyncio.sleep(0)', '', '', 'async def main():', '    await work()'),
      preferred: true,
    },
    {
      name: 'yield in @gen.coroutine',
      source: lines('from tornado import gen', '', '', 'async def work():', '    pass', '', '', '@gen.coroutine', 'def main():', '    work()', '    yield gen.moment'),
      code: 'CORO200',
      title: /^Add yield$/,
      fixed: lines('from tornado import gen', '', '', 'async def work():', '    pass', '', '', '@gen.coroutine', 'def main():', '    yield work()', '    yield gen.moment'),
      preferred: true,
    },
  ];
  for (const c of cases) test(c.name, () => checkFix(c));
});

describe('no fix where it could not be written safely', () => {
  test('the module name is a parameter of the coroutine: no import is added', async () => {
    assert.deepEqual(await fixesOf(lines('import time', '', '', 'async def main(asyncio):', '    time.sleep(1)'), 'ASYNC251'), []);
  });
  test('the module name is bound in the function: the existing import is not reachable', async () => {
    const source = lines('import asyncio', 'import subprocess', '', '', 'async def main():', '    asyncio = None', '    subprocess.run(["ls"])', '    return asyncio');
    assert.deepEqual(await fixesOf(source, 'ASYNC221'), []);
  });
  test('the name a fix imports is a module-level function of the file', async () => {
    const source = lines('import subprocess', '', '', 'def functools():', '    pass', '', '', 'import trio', '', '', 'async def main():', '    subprocess.run(["ls"], check=True)');
    assert.deepEqual(await fixesOf(source, 'ASYNC221'), []);
  });
  test('a word in a comment or a string is no clash', async () => {
    const source = lines('import time', '', '', 'async def main():', '    # not asyncio yet', '    time.sleep(1)', '    return "asyncio"');
    assert.deepEqual((await fixesOf(source, 'ASYNC251')).map((f) => f.title), ['Replace with await asyncio.sleep()']);
  });
  test('inside a generator expression (await would make it an async generator)', async () => {
    assert.deepEqual(await fixesOf(lines('import asyncio', '', '', 'async def main(names):', '    return list(open(n) for n in names)'), 'ASYNC230'), []);
  });
  test('yield inside a comprehension of a @gen.coroutine is invalid Python', async () => {
    const source = lines('from tornado import gen', '', '', '@gen.coroutine', 'def main(names):', '    yield gen.moment', '    raise gen.Return([open(n) for n in names])');
    assert.deepEqual(await fixesOf(source, 'ASYNC230'), []);
  });
  test('a generator expression as the only argument (no argument list to extend)', async () => {
    const source = lines('import asyncio', '', '', 'async def main(names):', '    return open(n for n in names)');
    assert.deepEqual(await fixesOf(source, 'ASYNC230'), []);
  });
  test('CORO110 (starting an event loop) is not moved to a thread', async () => {
    const source = lines('import asyncio', '', '', 'async def work():', '    pass', '', '', 'async def main():', '    asyncio.run(work())');
    assert.deepEqual(await fixesOf(source, 'CORO110'), []);
  });
  test('CORO200 in a plain function has no keyword to add', async () => {
    const source = lines('import asyncio', '', '', 'async def work():', '    pass', '', '', 'def main():', '    work()');
    assert.deepEqual(await fixesOf(source, 'CORO200'), []);
  });
});

describe('titles', () => {
  test('a title shows the call as the fix writes it', async () => {
    const titles = async (source: string, code: string): Promise<string[]> => (await fixesOf(source, code)).map((f) => f.title);
    assert.deepEqual(await titles(lines('import asyncio as aio', 'import subprocess', '', '', 'async def main():', '    return subprocess.getoutput().strip()'), 'ASYNC221'), [
      'Run in a thread: await aio.to_thread(subprocess.getoutput)',
    ]);
    assert.deepEqual(await titles(lines('import subprocess', '', 'from tornado import gen', '', '', '@gen.coroutine', 'def build():', '    x = subprocess.run(["make"], check=True)', '    yield gen.moment'), 'ASYNC221'), [
      'Run in a thread: yield IOLoop.current().run_in_executor(None, functools.partial(subprocess.run, …))',
    ]);
    assert.deepEqual(await titles(lines('import time', '', '', 'async def main():', '    time.sleep(1)'), 'ASYNC251'), ['Replace with await asyncio.sleep()']);
  });
});

describe('the CPython compile check', { skip: pythonAvailable ? false : `no ${PYTHON} on PATH (set PYTHON)` }, () => {
  test('rejects what tree-sitter parses but Python does not', () => {
    const text = lines('def f(names):', '    return [(yield n) for n in names]');
    const tree = parser.parse(text)!;
    assert.equal(tree.rootNode.hasError, false);
    tree.delete();
    assert.match(pythonCompileError(text) ?? '', /SyntaxError/);
    assert.equal(pythonCompileError(lines('async def f():', '    await g()')), undefined);
  });
});

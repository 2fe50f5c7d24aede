/**
 * Lazy parsing must not change a single finding: every fixture workspace, and a real library
 * (Tornado, from the test venvs when they exist), analysed with lazy parsing and with every file
 * parsed whole give the same findings and notes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnalysisEngine, defaultConfiguration } from '../../server/src/analysis';
import { fixturesRoot, repoRoot, wasmDir } from './engineHarness';

async function findings(root: string, lazyParsing: boolean, config = defaultConfiguration()): Promise<string[]> {
  const engine = await AnalysisEngine.create({ wasmDir, lazyParsing });
  engine.setConfiguration(root, config);
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
  const cases = [
    ['lazy_unclosed_bracket.py', 9],
    ['lazy_typo.py', 6],
    ['lazy_double_equals.py', 5],
    ['lazy_operator_at_end.py', 6],
    ['lazy_keyword_at_end.py', 6],
    ['lazy_header_without_colon.py', 5],
    ['lazy_lambda_without_body.py', 5],
    ['lazy_def_without_name.py', 5],
    ['lazy_from_without_import.py', 5],
    ['lazy_empty_value.py', 5],
    ['lazy_typographic_quote.py', 5],
    ['lazy_missing_operator.py', 5],
    ['lazy_assignment_in_header.py', 5],
    ['lazy_keywords_in_a_row.py', 5],
    ['lazy_attribute_without_object.py', 5],
  ] as const;
  for (const [file, line] of cases) {
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

/**
 * Helpers that CORO120 follows are judged from their text when they can be (checks.ts
 * cannotBlock): calls the lexical walk reads, and calls it must leave to a parse. Each helper
 * here is lazy; the coroutine calls every one.
 */
const LEXICAL_HELPERS = `import functools
import time
import requests
from util import slow, quick

def clean():
    return len([]) + quick()

def clean_chain():
    return clean() + int("3")

def comment_in_chain():
    return (time.  # the comment hides the chain from the walk
            sleep(1))

def continued():
    time \\
        .sleep(1)

def call_result():
    return requests.Session().get("http://x")

def parameter_named_like_a_module(time):
    time.sleep(1)

def local_object():
    s = requests.Session()
    return s.get("http://x")

def only_in_a_string():
    return "time.sleep(1)"

def imports_inside():
    import time as t
    t.sleep(1)

def ping():
    return pong()

def pong():
    slow()
    return ping()

@functools.lru_cache(maxsize=None)
def cached():
    return clean_chain()

class Helper:
    def run(self):
        return self.other()

    def other(self):
        time.sleep(1)

    @classmethod
    def make(cls):
        return cls.build()

    @classmethod
    def build(cls):
        return len([])

async def main():
    clean()
    clean_chain()
    comment_in_chain()
    continued()
    call_result()
    parameter_named_like_a_module(1)
    local_object()
    only_in_a_string()
    imports_inside()
    ping()
    cached()
    Helper().run()
    Helper.make()
`;

test('a helper judged from its text finds what its parse finds', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-lexical-'));
  try {
    writeFileSync(path.join(root, 'app.py'), LEXICAL_HELPERS);
    writeFileSync(path.join(root, 'util.py'), 'import os\n\ndef slow():\n    os.system("x")\n\ndef quick():\n    return 1\n');
    const lazy = await findings(root, true);
    assert.deepEqual(lazy, await findings(root, false));
    const flaggedLines = lazy.filter((l) => l.includes('CORO120')).map((l) => Number(l.split(':')[1]) + 1);
    // comment_in_chain, continued, call_result, parameter_named_like_a_module (the parameter is not
    // followed: the module's time), local_object, imports_inside, ping, Helper().run — and none of
    // the clean ones.
    const main = LEXICAL_HELPERS.split('\n').findIndex((l) => l.startsWith('async def main')) + 1;
    assert.deepEqual(flaggedLines.map((l) => l - main), [3, 4, 5, 6, 7, 9, 10, 12]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a lazy helper that iterates a configured blocking type is parsed, though no file names a library of the catalogue', async () => {
  // Where no file names pymongo, the text of a lazy helper is not looked at for cursors; a type the
  // configuration makes block when iterated must still send the helper to the parse.
  const root = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-iterables-'));
  try {
    writeFileSync(path.join(root, 'rows.py'), 'from mylib import Rows\n\ndef total(rows: Rows):\n    n = 0\n    for _ in rows:\n        n += 1\n    return n\n');
    writeFileSync(path.join(root, 'app.py'), 'from rows import total\n\nasync def main(rows):\n    total(rows)\n');
    const config = { ...defaultConfiguration(), extraBlocking: [{ name: 'mylib.Rows.__next__', code: 'CORO102' as const }] };
    const lazy = await findings(root, true, config);
    assert.deepEqual(lazy, await findings(root, false, config));
    assert.deepEqual(lazy, ['app.py:3:4 CORO120 app.py:3 rows.py:4']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * Synchronous blocks that drop a coroutine method's call through a local: lazy parsing reads what
 * may type the local from the text and parses the block when that could name the coroutine's class.
 * Every way the parse types a local counts, not only `x = Class()` and `x: Class`.
 */
const TYPED_LOCALS = `from svc import api
from svc.api import Client


async def main():
    pass


def with_target():
    with api.Client() as client:
        client.close()


def with_second_item(path):
    with open(path) as log, Client() as client:
        client.close()


def nested_import():
    from svc.api import Client as Other
    c = Other()
    c.close()


def module_attribute():
    c = api.CLIENT
    c.close()


def local_alias():
    first = Client()
    second = first
    second.close()


def string_annotation(c: "api.Client"):
    c.close()


def continued():
    c = Client \\
        ()
    c.close()


class Holder:
    def factory(self) -> Client:
        return Client()

    def through_self(self):
        c = self.factory()
        c.close()


def file_object(path):
    with open(path) as c:
        c.close()


def untyped(c):
    c.close()
`;

test('a local typed by a with target, a nested import, an attribute, another local, a string annotation or self is parsed for CORO200', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-typed-locals-'));
  try {
    mkdirSync(path.join(root, 'svc'));
    writeFileSync(path.join(root, 'svc', '__init__.py'), '');
    writeFileSync(path.join(root, 'svc', 'api.py'), 'class Client:\n    async def close(self):\n        pass\n\n\nCLIENT = Client()\n');
    writeFileSync(path.join(root, 'app.py'), TYPED_LOCALS);
    const whole = await findings(root, false);
    const lines = TYPED_LOCALS.split('\n');
    const expected = ['with_target', 'with_second_item', 'nested_import', 'module_attribute', 'local_alias', 'string_annotation', 'continued', 'through_self'].map((name) => {
      const start = lines.findIndex((l) => l.includes(`def ${name}(`));
      const call = lines.findIndex((l, i) => i > start && l.trim().endsWith('.close()'));
      return `app.py:${call}:${lines[call]!.indexOf(lines[call]!.trim())} CORO200 `;
    });
    assert.deepEqual(whole, expected, 'what a whole parse finds (none in file_object, untyped)');
    assert.deepEqual(await findings(root, true), whole);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

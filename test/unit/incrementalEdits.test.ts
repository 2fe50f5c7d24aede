/**
 * Editing a buffer must give exactly what a from-scratch analysis of the same text gives. Real
 * files (examples, the engine fixtures, a standard-library module, Tornado's gen.py when the test
 * venvs exist) go through a seeded sequence of random edits — characters typed or deleted
 * (brackets, quotes, colons and newlines included, so the text is often broken mid-way), lines
 * deleted, duplicated, moved and re-indented. After every edit:
 *   - the buffer's facts (kept per top-level statement, incremental.ts) equal extractFacts over the
 *     whole tree;
 *   - the engine's findings and notes after updateFile equal those of a fresh engine on the same text.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AnalysisEngine, defaultConfiguration, type FileResult } from '../../server/src/analysis';
import { extractFacts } from '../../server/src/analysis/facts';
import { BufferFacts } from '../../server/src/analysis/incremental';
import { createParser } from '../../server/src/analysis/parser';
import { fixturesRoot, repoRoot, wasmDir } from './engineHarness';

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPED = ['a', 'x', '_', '1', ' ', '\n', '(', ')', '[', ':', ',', '.', '"', "'", '#', '\t', '=', 'await ', 'async ', 'def ', 'time.sleep(1)', '    ', 'trio.wrap_file(open(p))'];

/** One random edit of `text`: a description (for failure messages) and the new text. */
function randomEdit(text: string, next: () => number): { what: string; text: string } {
  const pick = (n: number): number => Math.floor(next() * n);
  const lines = text.split('\n');
  const line = pick(lines.length);
  switch (pick(7)) {
    case 0:
    case 1: {
      const at = pick(text.length + 1);
      const typed = TYPED[pick(TYPED.length)]!;
      return { what: `type ${JSON.stringify(typed)} at ${at}`, text: text.slice(0, at) + typed + text.slice(at) };
    }
    case 2: {
      const at = pick(Math.max(1, text.length));
      return { what: `delete the character at ${at}`, text: text.slice(0, at) + text.slice(at + 1) };
    }
    case 3:
      lines.splice(line, 1);
      return { what: `delete line ${line}`, text: lines.join('\n') };
    case 4:
      lines.splice(line, 0, lines[line]!);
      return { what: `duplicate line ${line}`, text: lines.join('\n') };
    case 5: {
      const to = pick(lines.length);
      const [moving] = lines.splice(line, 1);
      lines.splice(to, 0, moving!);
      return { what: `move line ${line} to ${to}`, text: lines.join('\n') };
    }
    default:
      lines[line] = next() < 0.5 ? `    ${lines[line]}` : lines[line]!.replace(/^ {1,4}/, '');
      return { what: `re-indent line ${line}`, text: lines.join('\n') };
  }
}

function pythonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return pythonFiles(full);
    return name.endsWith('.py') ? [full] : [];
  });
}

/** A module of the Python on PATH (undefined when there is none). */
function standardModule(module: string): string | undefined {
  try {
    const file = execFileSync('python3', ['-c', `import ${module} as m; print(m.__file__)`], { encoding: 'utf8' }).trim();
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

const venvs = path.join(repoRoot, '.cache', 'venvs');
const tornadoGen = existsSync(venvs)
  ? readdirSync(venvs)
      .filter((v) => v.startsWith('test-py'))
      .map((v) => path.join(venvs, v, 'lib'))
      .flatMap((lib) => (existsSync(lib) ? readdirSync(lib).map((p) => path.join(lib, p, 'site-packages', 'tornado', 'gen.py')) : []))
      .find((p) => existsSync(p))
  : undefined;

/** The engine workspace a file is analysed in: its fixture workspace, or the file alone. */
function workspaceOf(file: string): string {
  for (const base of [fixturesRoot, path.join(repoRoot, 'examples')]) {
    const relative = path.relative(base, file);
    if (!relative.startsWith('..')) return path.join(base, relative.split(path.sep)[0]!);
  }
  return file;
}

async function engineOn(root: string): Promise<AnalysisEngine> {
  const engine = await AnalysisEngine.create({ wasmDir });
  engine.setConfiguration(root, defaultConfiguration());
  await engine.indexWorkspace(root);
  return engine;
}

/**
 * An engine that takes the edits of `file` (in a workspace `root`), and `analysed(engine, source)`:
 * `source` as the file's buffer, analysed by that engine — or, without one, by a fresh engine that
 * sees that text only: the two results must be equal.
 */
async function editing(root: string, file: string): Promise<{ edited: AnalysisEngine; analysed: (engine: AnalysisEngine | undefined, source: string) => Promise<FileResult> }> {
  const fresh = async (): Promise<AnalysisEngine> => {
    const engine = await AnalysisEngine.create({ wasmDir });
    engine.setConfiguration(root, defaultConfiguration());
    return engine;
  };
  const analysed = async (engine: AnalysisEngine | undefined, source: string): Promise<FileResult> => {
    const target = engine ?? (await fresh());
    target.updateFile(file, source);
    return target.analyzeFile(file);
  };
  return { edited: await fresh(), analysed };
}

async function checkEdits(file: string, edits: number, seed: number): Promise<void> {
  const root = workspaceOf(file);
  const parser = await createParser(wasmDir);
  const bufferFacts = new BufferFacts('edited', false);
  const edited = await engineOn(root);
  const next = random(seed);
  let text = readFileSync(file, 'utf8');
  const history: string[] = [];
  for (let i = 0; i <= edits; i++) {
    if (i > 0) {
      const edit = randomEdit(text, next);
      history.push(edit.what);
      text = edit.text;
    }
    const context = `${path.relative(repoRoot, file)} after edit ${i} (seed ${seed}): ${history.slice(-3).join('; ')}`;
    const tree = parser.parse(text)!;
    try {
      assert.deepStrictEqual(bufferFacts.extract(tree, text), extractFacts(tree, 'edited', false, text), `facts differ: ${context}`);
    } finally {
      tree.delete();
    }
    edited.updateFile(file, text);
    const fresh = await engineOn(root);
    fresh.updateFile(file, text);
    assert.deepStrictEqual(edited.analyzeFile(file), fresh.analyzeFile(file), `findings differ: ${context}`);
  }
  parser.delete();
}

const files = [...pythonFiles(path.join(repoRoot, 'examples')), ...pythonFiles(fixturesRoot)];

test('random edits of the examples and engine fixtures: incremental = from scratch', async () => {
  assert.ok(files.length >= 10, 'the fixture files are there');
  for (const [index, file] of files.entries()) await checkEdits(file, 25, 1000 + index);
});

const tasks = standardModule('asyncio.tasks');
test('random edits of asyncio/tasks.py: incremental = from scratch', { skip: tasks ? false : 'no python3 on PATH' }, async () => {
  await checkEdits(tasks!, 60, 7);
});

test('random edits of tornado/gen.py: incremental = from scratch', { skip: tornadoGen ? false : 'no test venv with tornado (run npm run test:python once)' }, async () => {
  await checkEdits(tornadoGen!, 60, 11);
});

/** Coroutines and the synchronous helpers they reach (CORO120 chains within the file), one of them edited. */
const SERVICE = `import asyncio
import time


def read_config(path):
    return open(path).read()


def load(path):
    return read_config(path)


async def handler(request):
    data = load(request)
    return data


async def other(request):
    time.sleep(1)
    load(request)
    asyncio.sleep(0)


class Service:
    async def run(self):
        self.helper()

    def helper(self):
        time.sleep(0.5)
`;

test('typing inside one coroutine re-checks it alone: the other functions keep their findings, equal to a fresh analysis', async () => {
  const root = path.join(repoRoot, 'out', 'incremental-one-function');
  const file = path.join(root, 'service.py');
  const edited = await AnalysisEngine.create({ wasmDir });
  edited.setConfiguration(root, defaultConfiguration());
  const fresh = async (text: string) => {
    const engine = await AnalysisEngine.create({ wasmDir });
    engine.setConfiguration(root, defaultConfiguration());
    engine.updateFile(file, text);
    return engine.analyzeFile(file);
  };
  const handlerLine = SERVICE.split('\n').indexOf('    return data');
  const lines = SERVICE.split('\n');
  // Typed one character at a time on a new line of handler(), then deleted again: blocking calls,
  // a CORO120 call, a dropped coroutine, and a binding (handler has no nested function).
  const typed = ['time.sleep(2)', 'load(request)', 'asyncio.sleep(3)', 'value = read_config(data)'];
  let text = SERVICE;
  edited.updateFile(file, text);
  let previous = edited.analyzeFile(file);
  let reused = 0;
  let reportedInHandler = 0;
  const steps: string[] = [];
  for (const statement of typed) for (let n = 1; n <= statement.length; n++) steps.push(statement.slice(0, n));
  for (const statement of typed.reverse()) for (let n = statement.length - 1; n >= 0; n--) steps.push(statement.slice(0, n));
  for (const [i, typing] of steps.entries()) {
    const before = text;
    text = [...lines.slice(0, handlerLine), `    ${typing}`, ...lines.slice(handlerLine)].join('\n');
    edited.updateFile(file, text);
    const result = edited.analyzeFile(file);
    assert.deepStrictEqual(result, await fresh(text), `findings differ after step ${i} (${JSON.stringify(typing)})`);
    // Re-checked findings are new objects: the same objects below handler() mean they were kept.
    const below = (findings: typeof result.findings) => findings.filter((f) => f.range.start.line > handlerLine + 1);
    if (before.split('\n').length === text.split('\n').length && below(result.findings).every((finding, k) => finding === below(previous.findings)[k])) reused++;
    if (result.findings.some((f) => f.range.start.line === handlerLine)) reportedInHandler++;
    previous = result;
  }
  // Steps with a syntax error, or a name quick fixes would import (`asyncio` typed alone), analyse everything again.
  assert.ok(reused > steps.length / 2, `most steps kept the other functions' findings (${reused} of ${steps.length})`);
  assert.equal(reportedInHandler, typed.length, 'each typed call was reported in handler() once complete');
  // An edit of a synchronous helper reaches every coroutine calling it: the CORO120 chains through load() go.
  text = text.replace('    return read_config(path)', '    return path');
  edited.updateFile(file, text);
  const afterHelper = edited.analyzeFile(file);
  assert.deepStrictEqual(afterHelper, await fresh(text));
  assert.ok(!afterHelper.findings.some((f) => f.code === 'CORO120' && f.chain?.some((hop) => hop.description === 'read_config()')));
});

test("editing what a @gen.coroutine generator returns re-checks the coroutines that yield it: x = yield f() is typed by f's returns", async () => {
  const root = path.join(repoRoot, 'out', 'incremental-yielded-returns');
  const file = path.join(root, 'handlers.py');
  const text = [
    'import requests',
    'from tornado import gen',
    '',
    '',
    '@gen.coroutine',
    'def make_session():',
    '    yield gen.sleep(0)',
    '    return requests.Session()',
    '',
    '',
    '@gen.coroutine',
    'def handler():',
    '    session = yield make_session()',
    '    session.get("u")',
    '',
  ].join('\n');
  const { edited, analysed } = await editing(root, file);
  const first = await analysed(edited, text);
  assert.deepEqual(first.findings.map((f) => f.code), ['ASYNC212'], 'session.get() on the requests.Session make_session returns');
  // A typo in the return: make_session gives nothing typed, so session.get() is no finding any more.
  const typo = text.replace('return requests.Session()', 'return requess.Session()');
  const second = await analysed(edited, typo);
  assert.deepStrictEqual(second, await analysed(undefined, typo));
  assert.deepEqual(second.findings, []);
});


test('editing a generator that a with enters or a coroutine iterates re-checks the coroutines that reach its body', async () => {
  const root = path.join(repoRoot, 'out', 'incremental-generators');
  const file = path.join(root, 'files.py');
  const text = [
    'import contextlib',
    'import os',
    '',
    '',
    '@contextlib.contextmanager',
    'def opened(fd):',
    '    yield os.fdopen(fd)',
    '',
    '',
    'def names(root):',
    '    yield from os.listdir(root)',
    '',
    '',
    'async def main(fd, root):',
    '    with opened(fd):',
    '        pass',
    '    for name in names(root):',
    '        print(name)',
    '',
  ].join('\n');
  const { edited, analysed } = await editing(root, file);
  const first = await analysed(edited, text);
  assert.deepEqual(first.findings.map((f) => f.chain?.at(-1)?.range.start.line), [6, 10]);
  // A comment line above each blocking call moves it down: the chains must point at the new lines.
  const moved = text.replace('    yield os.fdopen(fd)', '    # the descriptor\n    yield os.fdopen(fd)').replace('    yield from os.listdir(root)', '    # every entry\n    yield from os.listdir(root)');
  const after = await analysed(edited, moved);
  assert.deepStrictEqual(after, await analysed(undefined, moved));
  assert.deepEqual(after.findings.map((f) => f.chain?.at(-1)?.range.start.line), [7, 12]);
  // Emptying the bodies: no chain is left.
  const emptied = moved.replace('yield os.fdopen(fd)', 'yield fd').replace('yield from os.listdir(root)', 'yield root');
  const cleared = await analysed(edited, emptied);
  assert.deepStrictEqual(cleared, await analysed(undefined, emptied));
  assert.deepEqual(cleared.findings, []);
});

// Every quick fix the issue asks for, applied to the text the way a client applies it, then the
// result sent back to the server and re-checked: the finding is gone and nothing new appeared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

interface FixCase {
  name: string;
  source: string;
  code: string;
  /** Picks the action by its title. */
  title: RegExp;
  /** What the fixed text must contain. */
  expect: RegExp[];
}

const cases: FixCase[] = [
  {
    name: 'time.sleep → await asyncio.sleep in async def',
    source: 'import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(0.5)\n',
    code: 'ASYNC251',
    title: /asyncio\.sleep/,
    expect: [/^    await asyncio\.sleep\(0\.5\)$/m],
  },
  {
    name: 'time.sleep → await asyncio.sleep, adding the import',
    source: 'import time\n\n\nasync def main():\n    time.sleep(1)\n',
    code: 'ASYNC251',
    title: /asyncio\.sleep/,
    expect: [/^import asyncio$/m, /^    await asyncio\.sleep\(1\)$/m],
  },
  {
    name: 'time.sleep → yield gen.sleep in @gen.coroutine',
    source: 'import time\n\nfrom tornado import gen\n\n\n@gen.coroutine\ndef fetch():\n    time.sleep(1)\n    yield gen.moment\n',
    code: 'ASYNC251',
    title: /gen\.sleep/,
    expect: [/^    yield gen\.sleep\(1\)$/m],
  },
  {
    name: 'time.sleep → await trio.sleep where the file uses trio',
    source: 'import time\n\nimport trio\n\n\nasync def main():\n    time.sleep(2)\n',
    code: 'ASYNC251',
    title: /trio\.sleep/,
    expect: [/^    await trio\.sleep\(2\)$/m],
  },
  {
    name: 'time.sleep → await anyio.sleep where the file uses anyio',
    source: 'import time\n\nimport anyio\n\n\nasync def main():\n    time.sleep(2)\n',
    code: 'ASYNC251',
    title: /anyio\.sleep/,
    expect: [/^    await anyio\.sleep\(2\)$/m],
  },
  {
    name: 'blocking call → await asyncio.to_thread(f, args, kwargs)',
    source: 'import asyncio\nimport subprocess\n\n\nasync def main():\n    subprocess.run(["ls"], check=True)\n',
    code: 'ASYNC221',
    title: /to_thread/,
    expect: [/^    await asyncio\.to_thread\(subprocess\.run, \["ls"\], check=True\)$/m],
  },
  {
    name: 'blocking call → yield IOLoop.current().run_in_executor(None, functools.partial(…)) in @gen.coroutine',
    source: 'import subprocess\n\nfrom tornado import gen\n\n\n@gen.coroutine\ndef build():\n    subprocess.run(["make"], check=True)\n    yield gen.moment\n',
    code: 'ASYNC221',
    title: /run_in_executor/,
    expect: [/^    yield IOLoop\.current\(\)\.run_in_executor\(None, functools\.partial\(subprocess\.run, \["make"\], check=True\)\)$/m, /^import functools$/m, /IOLoop/],
  },
  {
    name: 'blocking call → await IOLoop.current().run_in_executor(…) in a Tornado native coroutine',
    source: 'import subprocess\n\nfrom tornado.web import RequestHandler\n\n\nclass Build(RequestHandler):\n    async def post(self):\n        subprocess.run(["make"])\n',
    code: 'ASYNC221',
    title: /run_in_executor/,
    expect: [/^        await IOLoop\.current\(\)\.run_in_executor\(None, (functools\.partial\(subprocess\.run, \["make"\]\)|subprocess\.run, \["make"\])\)$/m],
  },
  {
    name: 'CORO200 → insert await',
    source: 'import asyncio\n\n\nasync def work():\n    await asyncio.sleep(0)\n\n\nasync def main():\n    work()\n',
    code: 'CORO200',
    title: /await/,
    expect: [/^    await work\(\)$/m],
  },
  {
    name: 'CORO200 → insert yield in @gen.coroutine',
    source: 'from tornado import gen\n\n\nasync def work():\n    pass\n\n\n@gen.coroutine\ndef main():\n    work()\n    yield gen.moment\n',
    code: 'CORO200',
    title: /yield/,
    expect: [/^    yield work\(\)$/m],
  },
  {
    name: '# noqa added to the line',
    source: 'import time\n\n\nasync def main():\n    time.sleep(1)\n',
    code: 'ASYNC251',
    title: /noqa/,
    expect: [/^    time\.sleep\(1\)  # noqa: ASYNC251$/m],
  },
  {
    name: '# noqa merged with an existing noqa comment',
    source: 'import time\n\n\nasync def main():\n    time.sleep(1)  # noqa: E501\n',
    code: 'ASYNC251',
    title: /noqa/,
    expect: [/^    time\.sleep\(1\)  # noqa: E501, ASYNC251$/m],
  },
];

describe('quick fixes', () => {
  const workspace = makeWorkspace({});
  let client: LspClient;
  let counter = 0;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  /** Opens `source`, returns the diagnostics with `code` and the document's uri. */
  async function openWith(source: string, code: string): Promise<{ uri: string; diagnostic: Diagnostic }> {
    const uri = workspace.uri(`case${counter++}.py`);
    await client.open(uri, source, 1);
    const diagnostics = await client.diagnosticsFor(uri, 1);
    const diagnostic = diagnostics.find((d) => d.code === code);
    assert.ok(diagnostic, `no ${code} in ${JSON.stringify(diagnostics)}`);
    return { uri, diagnostic };
  }

  /** Sends the fixed text as version 2 and returns its diagnostics. */
  async function recheck(uri: string, text: string): Promise<Diagnostic[]> {
    await client.change(uri, 2, [{ text }]);
    const diagnostics = await client.diagnosticsFor(uri, 2);
    await client.close(uri);
    return diagnostics;
  }

  for (const fixCase of cases) {
    it(fixCase.name, async () => {
      const { uri, diagnostic } = await openWith(fixCase.source, fixCase.code);
      const actions = (await client.codeActions(uri, diagnostic.range, [diagnostic])) as CodeAction[];
      const action = actions.find((a) => fixCase.title.test(a.title) && a.diagnostics?.some((d) => d.code === fixCase.code));
      assert.ok(action?.edit, `no action matching ${fixCase.title} among ${JSON.stringify(actions.map((a) => a.title))}`);
      assert.equal(action.kind, 'quickfix');
      const fixed = applyWorkspaceEdit(uri, fixCase.source, 1, action.edit);
      for (const pattern of fixCase.expect) assert.match(fixed, pattern, fixed);
      assert.deepEqual(await recheck(uri, fixed), [], `the fixed text is not clean:\n${fixed}`);
    });
  }

  it('marks the framework fix of time.sleep as preferred', async () => {
    const { uri, diagnostic } = await openWith(cases[0].source, 'ASYNC251');
    const actions = (await client.codeActions(uri, diagnostic.range, [diagnostic])) as CodeAction[];
    assert.deepEqual(actions.filter((a) => a.isPreferred).map((a) => a.title.includes('asyncio.sleep')), [true]);
    await client.close(uri);
  });

  const MANY = [
    'import asyncio',
    'import subprocess',
    'import time',
    '',
    '',
    'async def one():',
    '    time.sleep(1)',
    '    time.sleep(2)',
    '',
    '',
    'async def two():',
    '    time.sleep(3)',
    '    subprocess.run(["ls"])',
    '',
  ].join('\n');

  it('"fix all of this kind" fixes every time.sleep in the file at once', async () => {
    const { uri, diagnostic } = await openWith(MANY, 'ASYNC251');
    const actions = (await client.codeActions(uri, diagnostic.range, [diagnostic])) as CodeAction[];
    const fixAllKind = actions.find((a) => /^Fix all ASYNC251/.test(a.title));
    assert.ok(fixAllKind?.edit, JSON.stringify(actions.map((a) => a.title)));
    const fixed = applyWorkspaceEdit(uri, MANY, 1, fixAllKind.edit);
    assert.equal(fixed.match(/await asyncio\.sleep\(\d\)/g)?.length, 3, fixed);
    const left = await recheck(uri, fixed);
    assert.deepEqual(left.map((d) => d.code), ['ASYNC221'], 'only the other kind is left');
  });

  it('"fix all of this kind" adds a missing import once', async () => {
    const source = MANY.replace('import asyncio\n', '');
    const { uri, diagnostic } = await openWith(source, 'ASYNC251');
    const actions = (await client.codeActions(uri, diagnostic.range, [diagnostic])) as CodeAction[];
    const fixAllKind = actions.find((a) => /^Fix all ASYNC251/.test(a.title));
    assert.ok(fixAllKind?.edit, JSON.stringify(actions.map((a) => a.title)));
    const fixed = applyWorkspaceEdit(uri, source, 1, fixAllKind.edit);
    assert.equal(fixed.match(/^import asyncio$/gm)?.length, 1, fixed);
    assert.deepEqual((await recheck(uri, fixed)).map((d) => d.code), ['ASYNC221']);
  });

  it('source.fixAll.coroutine-lens applies every safe fix: what is left has none', async () => {
    const { uri } = await openWith(MANY, 'ASYNC251');
    const whole = { start: { line: 0, character: 0 }, end: { line: 14, character: 0 } };
    const actions = (await client.codeActions(uri, whole, [], ['source.fixAll'])) as CodeAction[];
    assert.deepEqual(actions.map((a) => a.kind), ['source.fixAll.coroutine-lens']);
    const fixed = applyWorkspaceEdit(uri, MANY, 1, actions[0].edit!);
    assert.equal(fixed.match(/await asyncio\.sleep\(\d\)/g)?.length, 3, fixed);
    await client.change(uri, 2, [{ text: fixed }]);
    for (const left of await client.diagnosticsFor(uri, 2)) {
      const offered = (await client.codeActions(uri, left.range, [left])) as CodeAction[];
      assert.ok(!offered.some((a) => a.isPreferred), `${left.code} has a safe fix that fix-all did not apply`);
    }
    await client.close(uri);
  });

  it('offers no source action unless asked', async () => {
    const { uri, diagnostic } = await openWith(MANY, 'ASYNC251');
    const actions = (await client.codeActions(uri, diagnostic.range, [diagnostic])) as CodeAction[];
    assert.ok(actions.length > 0);
    assert.ok(actions.every((a) => a.kind === 'quickfix'), JSON.stringify(actions.map((a) => a.kind)));
    await client.close(uri);
  });
});

// Open / edit / close over stdio: diagnostics arrive for each version, carry code, link, severity
// and source, follow incremental edits, and go away when the document closes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity, type CodeAction } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, LspClient, makeWorkspace, messageText } from '../support/lspClient';

const APP = `import asyncio
import time


async def handler():
    time.sleep(1)
    await asyncio.sleep(0)
`;

describe('documents', () => {
  const workspace = makeWorkspace({ 'app.py': APP });
  const uri = workspace.uri('app.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('announces incremental sync, code actions, hover and the server name', () => {
    const { capabilities, serverInfo } = client.initializeResult;
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: 2 });
    assert.equal(capabilities.hoverProvider, true);
    assert.ok(capabilities.codeActionProvider);
    assert.equal(capabilities.diagnosticProvider, undefined, 'no pull support announced: diagnostics are pushed');
    assert.equal(serverInfo?.name, 'coroutine-lens');
  });

  it('publishes a diagnostic with code, rule link, severity and source for the opened version', async () => {
    await client.open(uri, APP, 1);
    const diagnostics = await client.diagnosticsFor(uri, 1);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const [sleep] = diagnostics;
    assert.equal(sleep.code, 'ASYNC251');
    assert.equal(sleep.source, 'coroutine-lens');
    assert.equal(sleep.severity, DiagnosticSeverity.Warning);
    assert.equal(sleep.codeDescription?.href, 'https://github.com/coroutine-lens/coroutine-lens/blob/main/docs/rules/ASYNC251.md');
    assert.equal(sleep.range.start.line, 5);
    assert.match(messageText(sleep), /time\.sleep/);
  });

  it('follows incremental edits: the finding goes and comes back', async () => {
    // Delete "time.sleep(1)" on line 5 (columns 4–17) and type "pass".
    await client.change(uri, 2, [{ range: { start: { line: 5, character: 4 }, end: { line: 5, character: 17 } }, text: 'pass' }]);
    assert.deepEqual(await client.diagnosticsFor(uri, 2), []);
    await client.change(uri, 3, [{ range: { start: { line: 5, character: 4 }, end: { line: 5, character: 8 } }, text: 'time.sleep(2)' }]);
    const again = await client.diagnosticsFor(uri, 3);
    assert.deepEqual(again.map((d) => [d.code, d.range.start.line]), [['ASYNC251', 5]]);
  });

  it('analyses an untitled buffer (no file on disk)', async () => {
    const untitled = 'untitled:Untitled-1';
    await client.open(untitled, APP, 1);
    assert.deepEqual((await client.diagnosticsFor(untitled, 1)).map((d) => d.code), ['ASYNC251']);
    await client.close(untitled);
  });

  it('clears the diagnostics of a closed document', async () => {
    const seen = client.publications(uri);
    await client.close(uri);
    const cleared = await client.nextDiagnostics(uri, seen);
    assert.deepEqual(cleared, []);
  });
});

describe('node IPC transport', () => {
  it('serves diagnostics over node IPC, as VS Code starts the server', async () => {
    const workspace = makeWorkspace({ 'app.py': APP });
    const client = await LspClient.start(coroutineLensServer('ipc'), { root: workspace.root });
    try {
      await client.open(workspace.uri('app.py'), APP, 1);
      assert.deepEqual((await client.diagnosticsFor(workspace.uri('app.py'), 1)).map((d) => d.code), ['ASYNC251']);
    } finally {
      await client.stop();
      workspace.remove();
    }
  });
});

describe('a client with no optional capabilities', () => {
  it('pushes diagnostics, takes pushed settings and returns unversioned edits', async () => {
    const workspace = makeWorkspace({ 'app.py': APP });
    const uri = workspace.uri('app.py');
    const client = await LspClient.start(coroutineLensServer(), { root: workspace.root, bare: true });
    try {
      await client.open(uri, APP, 1);
      const [sleep] = await client.diagnosticsFor(uri, 1);
      assert.equal(sleep.code, 'ASYNC251');
      const [fix] = (await client.codeActions(uri, sleep.range, [sleep])) as CodeAction[];
      assert.ok(fix.edit?.changes?.[uri], 'a plain `changes` edit');
      const seen = client.publications(uri);
      await client.changeSettings({ ignore: ['ASYNC251'] });
      assert.deepEqual(await client.nextDiagnostics(uri, seen), []);
      assert.equal(client.registrations.length, 0);
    } finally {
      await client.stop();
      workspace.remove();
    }
  });
});

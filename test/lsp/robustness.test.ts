// Bad input and load: a 20 MB file, a binary file, broken syntax mid-edit, hundreds of edits per
// second, requests about a document version that is no longer current, a FIFO named *.py, and a
// 100,000-file workspace.
// The server must keep serving every other file, never publish an old version, and stay bounded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FileChangeType, type CodeAction } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

const SMALL = 'import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)\n';

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** The server still answers: a small document gets its diagnostic. */
async function stillServes(client: LspClient, uri: string): Promise<void> {
  await client.open(uri, SMALL, 1);
  const diagnostics = await client.diagnosticsFor(uri, 1);
  assert.deepEqual(diagnostics.map((d) => d.code), ['ASYNC251']);
  await client.close(uri);
}

describe('robustness', () => {
  const workspace = makeWorkspace({});
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('survives a 20 MB Python file and keeps serving the others', async () => {
    const line = 'async def f():\n    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]\n';
    const huge = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const uri = workspace.uri('huge.py');
    await client.open(uri, huge, 1);
    assert.deepEqual(await client.diagnosticsFor(uri, 1, 60_000), []);
    await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#' }]);
    await client.diagnosticsFor(uri, 2, 60_000);
    await stillServes(client, workspace.uri('after_huge.py'));
    await client.close(uri);
  });

  it('survives a binary .py file', async () => {
    const uri = workspace.uri('binary.py');
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    await client.open(uri, bytes.toString('latin1'), 1);
    assert.deepEqual(await client.diagnosticsFor(uri, 1), []);
    await stillServes(client, workspace.uri('after_binary.py'));
    await client.close(uri);
  });

  it('skips a buffer with NUL bytes (Python refuses it) with a log line, like the CLI, and analyses it again once they are gone', async () => {
    const uri = workspace.uri('refused.py');
    const blocking = 'import time\n\n\nasync def f():\n    time.sleep(1)\n';
    await client.open(uri, `${blocking}\0`, 1);
    assert.deepEqual(await client.diagnosticsFor(uri, 1), []);
    await client.waitFor(() => client.logs.find((log) => log.message.includes('refused.py: skipped: the file contains NUL bytes')), 'the log line about NUL bytes');
    await client.change(uri, 2, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 1 } }, text: '' }]);
    assert.deepEqual((await client.diagnosticsFor(uri, 2)).map((d) => d.code), ['ASYNC251']);
    await client.close(uri);
  });

  it('is not blocked by a FIFO named *.py appearing in the workspace', { skip: process.platform === 'win32' && 'no mkfifo' }, async () => {
    execFileSync('mkfifo', [workspace.file('pipe.py')]);
    await client.filesChanged([{ uri: workspace.uri('pipe.py'), type: FileChangeType.Created }]);
    await stillServes(client, workspace.uri('after_fifo.py'));
    await client.waitFor(() => client.logs.find((log) => log.message.includes('pipe.py: not a regular file')), 'the log line about the FIFO');
  });

  it('keeps reporting the intact parts of a file while a line is half typed', async () => {
    const uri = workspace.uri('typing.py');
    const text = 'import time\n\n\nasync def first():\n    time.sleep(1)\n\n\nasync def second():\n    time.sleep(2)\n';
    await client.open(uri, text, 1);
    assert.equal((await client.diagnosticsFor(uri, 1)).length, 2);
    // Half-typed statement in the middle: "    if x == (" with no closing parenthesis.
    await client.change(uri, 2, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '    if x == (' }]);
    const broken = await client.diagnosticsFor(uri, 2);
    assert.ok(broken.some((d) => d.code === 'ASYNC251' && d.range.start.line === 4), JSON.stringify(broken));
    await client.close(uri);
  });

  it('coalesces hundreds of edits sent at once, publishes the final version, never an old one after a newer', async () => {
    const uri = workspace.uri('rapid.py');
    let text = 'import time\n\n\nasync def main():\n    time.sleep(1)\n    x = ""\n';
    await client.open(uri, text, 1);
    await client.diagnosticsFor(uri, 1);
    const rssBefore = rssMegabytes(client.pid);
    const edits = 500;
    for (let version = 2; version <= edits + 1; version++) {
      // Type one character into the string on the last line.
      void client.change(uri, version, [{ range: { start: { line: 5, character: 9 }, end: { line: 5, character: 9 } }, text: 'a' }]);
      text = text.replace('x = "', 'x = "a');
    }
    const final = await client.diagnosticsFor(uri, edits + 1, 30_000);
    assert.deepEqual(final.map((d) => d.code), ['ASYNC251']);
    const versions = (client.diagnostics.get(uri) ?? []).map((p) => p.version!);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'versions only go up');
    assert.ok(versions.length < edits, `coalesced: ${versions.length} publications for ${edits} edits`);
    assert.ok(rssMegabytes(client.pid) - rssBefore < 100, 'memory stays bounded');
    await client.close(uri);
  });

  it('answers a code action asked with an outdated diagnostic using the current version', async () => {
    const uri = workspace.uri('stale.py');
    await client.open(uri, SMALL, 1);
    const [old] = await client.diagnosticsFor(uri, 1);
    // Two lines inserted above: the finding moved from line 5 to line 7.
    await client.change(uri, 2, [{ range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: '# one\n# two\n' }]);
    const current = SMALL.replace('\n\n\nasync', '\n\n# one\n# two\n\nasync');
    const actions = (await client.codeActions(uri, { start: { line: 7, character: 4 }, end: { line: 7, character: 4 } }, [])) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    assert.throws(() => applyWorkspaceEdit(uri, SMALL, 1, fix.edit!), /version 2/, 'the edit is versioned: a client holding version 1 refuses it');
    const fixed = applyWorkspaceEdit(uri, current, 2, fix.edit!);
    assert.match(fixed, /^    await asyncio\.sleep\(1\)$/m);
    const staleAsk = (await client.codeActions(uri, old.range, [old])) as CodeAction[];
    assert.ok(staleAsk.every((a) => !a.edit || applyWorkspaceEdit(uri, current, 2, a.edit) !== undefined), 'no edit is made for version 1');
    await client.close(uri);
  });
});

describe('a workspace of 100,000 files', () => {
  let workspace: ReturnType<typeof makeWorkspace>;
  let client: LspClient;

  before(async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) files[`pkg${Math.floor(i / 1000)}/m${i}.py`] = `def f():\n    return ${i}\n`;
    workspace = makeWorkspace(files);
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('serves an open file while indexing, reports progress, and stops indexing when cancelled', async () => {
    await stillServes(client, workspace.uri('open_first.py'));
    const [token, values] = await client.waitFor(
      () => [...client.progress].find(([, v]) => v.some((value) => value.kind === 'report' && /\/100000 files$/.test(value.message ?? ''))),
      'a progress report over 100000 files',
      120_000,
    );
    await client.cancelProgress(token);
    await client.waitFor(() => values.some((v) => v.kind === 'end'), 'the progress to end after cancelling', 60_000);
    await stillServes(client, workspace.uri('after_cancel.py'));
    assert.ok(rssMegabytes(client.pid) < 1024, `RSS ${rssMegabytes(client.pid).toFixed(0)} MB`);
  });
});

// Cross-file freshness: an unsaved edit of a helper module updates CORO120 in the open file that
// calls it; chains come as relatedInformation; files created and deleted on disk are picked up
// through workspace/didChangeWatchedFiles.
// A chain's hops: the call in the coroutine, each call further down, the blocking call last.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FileChangeType, WatchKind } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, LspClient, makeWorkspace, messageText } from '../support/lspClient';

const HELPERS_CLEAN = 'def load():\n    return 1\n';
const HELPERS_BLOCKING = 'import time\n\n\ndef load():\n    time.sleep(1)\n    return 1\n';
const APP = [
  'from helpers import load',
  'from storage import read_all',
  'from extra import slow',
  '',
  '',
  'async def handler():',
  '    load()',
  '    read_all()',
  '    slow()',
  '',
].join('\n');

describe('cross-file analysis', () => {
  const workspace = makeWorkspace({
    'helpers.py': HELPERS_CLEAN,
    // A chain over three modules: storage.read_all → db.query → db._fetch → subprocess.check_output.
    'storage.py': 'from db import query\n\n\ndef read_all():\n    return query("select 1")\n',
    'db.py': 'import subprocess\n\n\ndef query(sql):\n    return _fetch(sql)\n\n\ndef _fetch(sql):\n    return subprocess.check_output(["psql", "-c", sql])\n',
    'app.py': APP,
  });
  const app = workspace.uri('app.py');
  const helpers = workspace.uri('helpers.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
    await client.progressEnded();
    await client.open(app, APP, 1);
    await client.open(helpers, HELPERS_CLEAN, 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('registers file watchers for Python files and pyproject.toml', async () => {
    const registration = await client.waitFor(
      () => client.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles'),
      'the file watcher registration',
    );
    const watchers = (registration.registerOptions as { watchers: { globPattern: string; kind?: number }[] }).watchers;
    assert.deepEqual(
      watchers.map((w) => [w.globPattern, w.kind ?? 7]),
      [
        ['**/*.py', 7],
        ['**/pyproject.toml', 7],
        ['**/*', WatchKind.Delete],
      ],
    );
  });

  it('reports a chain over three modules with one related location per hop', async () => {
    const diagnostics = await client.diagnosticsFor(app, 1);
    const chain = diagnostics.find((d) => d.code === 'CORO120' && d.range.start.line === 7);
    assert.ok(chain, JSON.stringify(diagnostics));
    const hops = chain.relatedInformation ?? [];
    assert.deepEqual(
      hops.map((hop) => hop.location.uri.split('/').pop()),
      ['app.py', 'storage.py', 'db.py', 'db.py'],
      JSON.stringify(hops),
    );
    assert.equal(hops.at(-1)!.location.range.start.line, 8, 'the last hop is the blocking call');
    assert.match(hops.at(-1)!.message, /check_output/);
    assert.match(messageText(chain), /read_all/);
  });

  it('flags a caller as soon as an unsaved edit makes the helper block, and clears it when undone', async () => {
    const before = await client.diagnosticsFor(app, 1);
    assert.equal(before.filter((d) => d.range.start.line === 6).length, 0, 'load() does not block yet');

    let seen = client.publications(app);
    await client.change(helpers, 2, [{ text: HELPERS_BLOCKING }]);
    const flagged = await client.nextDiagnostics(app, seen, (ds) => ds.some((d) => d.range.start.line === 6));
    const load = flagged.find((d) => d.range.start.line === 6)!;
    assert.equal(load.code, 'CORO120');
    assert.deepEqual(
      load.relatedInformation?.map((hop) => [hop.location.uri, hop.location.range.start.line]),
      [
        [app, 6],
        [helpers, 4],
      ],
    );

    seen = client.publications(app);
    await client.change(helpers, 3, [{ text: HELPERS_CLEAN }]);
    const cleared = await client.nextDiagnostics(app, seen, (ds) => !ds.some((d) => d.range.start.line === 6));
    assert.ok(cleared.some((d) => d.range.start.line === 7), 'the other chain stays');
  });

  it('picks up a module created on disk, and its deletion', async () => {
    const extra = workspace.file('extra.py');
    let seen = client.publications(app);
    writeFileSync(extra, 'import os\n\n\ndef slow():\n    os.system("sync")\n');
    await client.filesChanged([{ uri: workspace.uri('extra.py'), type: FileChangeType.Created }]);
    await client.nextDiagnostics(app, seen, (ds) => ds.some((d) => d.code === 'CORO120' && d.range.start.line === 8));

    seen = client.publications(app);
    unlinkSync(extra);
    await client.filesChanged([{ uri: workspace.uri('extra.py'), type: FileChangeType.Deleted }]);
    await client.nextDiagnostics(app, seen, (ds) => !ds.some((d) => d.range.start.line === 8));
  });

  it('forgets the modules of a deleted folder (one event for the folder)', async () => {
    mkdirSync(workspace.file('extra'));
    writeFileSync(workspace.file('extra/__init__.py'), 'import os\n\n\ndef slow():\n    os.system("sync")\n');
    let seen = client.publications(app);
    await client.filesChanged([{ uri: workspace.uri('extra/__init__.py'), type: FileChangeType.Created }]);
    await client.nextDiagnostics(app, seen, (ds) => ds.some((d) => d.code === 'CORO120' && d.range.start.line === 8));

    seen = client.publications(app);
    rmSync(workspace.file('extra'), { recursive: true });
    await client.filesChanged([{ uri: workspace.uri('extra'), type: FileChangeType.Deleted }]);
    await client.nextDiagnostics(app, seen, (ds) => !ds.some((d) => d.range.start.line === 8));
  });

  it('follows a module renamed on disk (deleted + created)', async () => {
    const storage = 'from db import query\n\n\ndef read_all():\n    return query("select 1")\n';
    let seen = client.publications(app);
    renameSync(workspace.file('storage.py'), workspace.file('store.py'));
    await client.filesChanged([
      { uri: workspace.uri('storage.py'), type: FileChangeType.Deleted },
      { uri: workspace.uri('store.py'), type: FileChangeType.Created },
    ]);
    await client.nextDiagnostics(app, seen, (ds) => !ds.some((d) => d.range.start.line === 7));
    seen = client.publications(app);
    writeFileSync(workspace.file('storage.py'), storage);
    await client.filesChanged([{ uri: workspace.uri('storage.py'), type: FileChangeType.Created }]);
    await client.nextDiagnostics(app, seen, (ds) => ds.some((d) => d.code === 'CORO120' && d.range.start.line === 7));
  });

  it('goes back to the file on disk when an edited buffer is closed unsaved', async () => {
    let seen = client.publications(app);
    await client.change(helpers, 4, [{ text: HELPERS_BLOCKING }]);
    await client.nextDiagnostics(app, seen, (ds) => ds.some((d) => d.range.start.line === 6));
    seen = client.publications(app);
    await client.close(helpers);
    await client.nextDiagnostics(app, seen, (ds) => !ds.some((d) => d.range.start.line === 6));
  });
});

describe('a # noqa edited in a helper module', () => {
  // Only the comment changes: the helper's calls, spans and bindings stay the same.
  const HELPER = 'import time\n\n\ndef pause():\n    time.sleep(1)\n';
  const CALLER = 'from helper import pause\n\n\nasync def handler():\n    pause()\n';
  const workspace = makeWorkspace({ 'helper.py': HELPER, 'caller.py': CALLER });
  const helper = workspace.uri('helper.py');
  const caller = workspace.uri('caller.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root });
    await client.progressEnded();
    await client.open(caller, CALLER, 1);
    await client.open(helper, HELPER, 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it("updates the caller's CORO120 in the other open file as the noqa comes and goes", async () => {
    const flagged = (ds: { code?: string | number; range: { start: { line: number } } }[]): boolean => ds.some((d) => d.code === 'CORO120' && d.range.start.line === 4);
    assert.ok(flagged(await client.diagnosticsFor(caller, 1)), 'pause() blocks through time.sleep');
    const endOfSleep = { line: 4, character: '    time.sleep(1)'.length };
    let seen = client.publications(caller);
    await client.change(helper, 2, [{ range: { start: endOfSleep, end: endOfSleep }, text: '  # noqa: ASYNC251' }]);
    await client.nextDiagnostics(caller, seen, (ds) => !flagged(ds));
    const noqaEnd = { line: 4, character: endOfSleep.character + '  # noqa: ASYNC251'.length };
    seen = client.publications(caller);
    await client.change(helper, 3, [{ range: { start: endOfSleep, end: noqaEnd }, text: '' }]);
    await client.nextDiagnostics(caller, seen, flagged);
    // A noqa naming another code leaves the chain: the caller, edited after it, is still flagged.
    await client.change(helper, 4, [{ range: { start: endOfSleep, end: endOfSleep }, text: '  # noqa: CORO101' }]);
    await client.change(caller, 2, [{ text: CALLER + '\n' }]);
    assert.ok(flagged(await client.diagnosticsFor(caller, 2)), 'a noqa for another code does not cut the chain');
  });
});

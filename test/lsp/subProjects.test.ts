// A sub-project inside a workspace folder — a folder whose pyproject.toml has a [tool.coroutine-lens]
// table — is configured by its own table (not the folder's), with the folder's VS Code settings
// merged over it; making, editing and deleting such a pyproject.toml takes effect without a reload.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity, FileChangeType, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

/** ASYNC251 on line 7 (0-based 6), CORO200 on line 8. */
const BOTH = 'import time\n\nasync def job():\n    pass\n\nasync def f():\n    time.sleep(1)\n    job()\n';

const codes = (ds: Diagnostic[]): string[] => ds.map((d) => String(d.code)).sort();

/** The codes of every diagnostics publication of `uri` so far, one string per publication. */
const publications = (client: LspClient, uri: string): string[] => client.diagnostics.get(uri)!.map((publication) => codes(publication.diagnostics).join(' '));

describe('sub-projects inside a workspace folder', () => {
  const workspace = makeWorkspace({
    'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\n',
    'app.py': BOTH,
    'api/pyproject.toml': '[project]\nname = "api"\n\n[tool.coroutine-lens]\nselect = ["ASYNC"]\n',
    'api/handlers.py': BOTH,
    'worker/task.py': BOTH,
  });
  const app = workspace.uri('app.py');
  const handlers = workspace.uri('api/handlers.py');
  const task = workspace.uri('worker/task.py');
  const apiPyproject = workspace.file('api/pyproject.toml');
  let client: LspClient;

  /** Waits until the latest diagnostics of `uri` have exactly these codes. */
  const settles = (uri: string, expected: string[], what: string): Promise<Diagnostic[]> =>
    client.waitFor(() => {
      const latest = client.latestDiagnostics(uri)?.diagnostics;
      return latest && JSON.stringify(codes(latest)) === JSON.stringify(expected) ? latest : undefined;
    }, `${what}: ${expected.join(', ') || 'no diagnostics'} on ${path.basename(uri)}`);

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root, settings: { select: [], severity: {} } });
    await client.open(app, BOTH, 1);
    await client.open(handlers, BOTH, 1);
    await client.open(task, BOTH, 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('applies the sub-project\'s own table to its files, the folder\'s elsewhere', async () => {
    await settles(handlers, ['ASYNC251'], 'the sub-project selects ASYNC');
    await settles(app, ['CORO200'], 'the folder ignores ASYNC251');
    await settles(task, ['CORO200'], 'a folder without pyproject.toml');
  });

  it('merges the folder\'s settings over the sub-project\'s table', async () => {
    await client.changeSettings({ severity: { ASYNC251: 'error' } });
    const [diagnostic] = await client.waitFor(() => {
      const latest = client.latestDiagnostics(handlers)?.diagnostics;
      return latest?.[0]?.severity === DiagnosticSeverity.Error ? latest : undefined;
    }, 'ASYNC251 as an error in the sub-project');
    assert.equal(diagnostic!.code, 'ASYNC251');
    await client.changeSettings({ severity: {} });
    await client.waitFor(() => client.latestDiagnostics(handlers)?.diagnostics[0]?.severity === DiagnosticSeverity.Warning, 'the default severity again');
    // The same list as the folder's own table: nothing changes in the folder, but the sub-project ignores it now.
    await client.changeSettings({ ignore: ['ASYNC251'] });
    await settles(handlers, [], 'the ignore setting over the sub-project\'s table');
    await client.changeSettings({ ignore: [] });
    await settles(handlers, ['ASYNC251'], 'the sub-project\'s own table again');
  });

  it('an edit of the sub-project\'s pyproject.toml takes effect, and its errors are shown on its line', async () => {
    writeFileSync(apiPyproject, '[tool.coroutine-lens]\nselect = ["ASYNC", "CORO200"]\ntransitive = "yes"\n');
    await client.filesChanged([{ uri: workspace.uri('api/pyproject.toml'), type: FileChangeType.Changed }]);
    await settles(handlers, ['ASYNC251', 'CORO200'], 'the edited select');
    const [error] = await client.waitFor(() => client.latestDiagnostics(workspace.uri('api/pyproject.toml'))?.diagnostics, 'the sub-project pyproject diagnostics');
    assert.equal(error!.range.start.line, 2, 'the line of `transitive = "yes"` (0-based)');
    assert.match(String(error!.message), /transitive/);
    assert.deepEqual(codes(client.latestDiagnostics(app)!.diagnostics), ['CORO200'], 'the folder\'s files keep the folder\'s table');
  });

  it('deleting the sub-project\'s pyproject.toml gives its files the folder\'s table again and clears its diagnostics', async () => {
    rmSync(apiPyproject);
    await client.filesChanged([{ uri: workspace.uri('api/pyproject.toml'), type: FileChangeType.Deleted }]);
    await settles(handlers, ['CORO200'], 'the folder ignores ASYNC251');
    await client.waitFor(() => client.latestDiagnostics(workspace.uri('api/pyproject.toml'))?.diagnostics.length === 0, 'the pyproject diagnostics to clear');
  });

  it('a pyproject.toml made in a folder starts a sub-project; one without our table does not', async () => {
    writeFileSync(workspace.file('worker/pyproject.toml'), '[project]\nname = "worker"\n');
    await client.filesChanged([{ uri: workspace.uri('worker/pyproject.toml'), type: FileChangeType.Created }]);
    // Nothing is inherited: a table that only turns CORO120 off brings back what the folder ignores.
    writeFileSync(apiPyproject, '[tool.coroutine-lens]\ntransitive = false\n');
    await client.filesChanged([{ uri: workspace.uri('api/pyproject.toml'), type: FileChangeType.Created }]);
    writeFileSync(workspace.file('worker/pyproject.toml'), '[project]\nname = "worker"\n\n[tool.coroutine-lens]\nselect = ["ASYNC"]\n');
    await client.filesChanged([{ uri: workspace.uri('worker/pyproject.toml'), type: FileChangeType.Changed }]);
    await settles(handlers, ['ASYNC251', 'CORO200'], 'the new api sub-project\'s defaults');
    await settles(task, ['ASYNC251'], 'the worker sub-project selects ASYNC');
    assert.deepEqual(codes(client.latestDiagnostics(app)!.diagnostics), ['CORO200']);
  });

  it('deleting the sub-project\'s folder (one event, for the folder) gives its files still open the folder\'s table', async () => {
    rmSync(workspace.file('worker'), { recursive: true });
    await client.filesChanged([{ uri: workspace.uri('worker'), type: FileChangeType.Deleted }]);
    await settles(task, ['CORO200'], 'the folder ignores ASYNC251');
  });
});

describe('a sub-project\'s file opened before the index\'s walk has found the sub-project', () => {
  it('is never shown with the folder\'s table (no finding that comes and goes)', async () => {
    const files: Record<string, string> = {
      'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\n',
      'api/pyproject.toml': '[tool.coroutine-lens]\nselect = ["ASYNC"]\n',
      'api/handlers.py': BOTH,
    };
    // Enough files that the walk is still going when the document is opened.
    for (let i = 0; i < 300; i++) files[`lib/m${i}.py`] = `import time\n\ndef f${i}():\n    time.sleep(1)\n`;
    const workspace = makeWorkspace(files);
    const handlers = workspace.uri('api/handlers.py');
    const client = await LspClient.start(coroutineLensServer(), { root: workspace.root, settings: {} });
    try {
      await client.open(handlers, BOTH, 1);
      await client.progressEnded();
      await client.waitFor(() => client.latestDiagnostics(handlers), 'the diagnostics of the sub-project\'s file');
      const shown = publications(client, handlers);
      assert.deepEqual([...new Set(shown)], ['ASYNC251'], `every publication with the sub-project's table: ${JSON.stringify(shown)}`);
    } finally {
      await client.stop();
      workspace.remove();
    }
  });
});

describe('a file below a folder the workspace folder\'s table excludes', () => {
  it('gets the table of the nearest pyproject.toml above it, as `check <file>` does; with none there, the folder\'s', async () => {
    const workspace = makeWorkspace({
      'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\nexclude = ["vendor/**"]\n',
      'vendor/x/pyproject.toml': '[tool.coroutine-lens]\nselect = ["ASYNC"]\n',
      'vendor/x/pkg/a.py': BOTH,
      'vendor/y/pyproject.toml': '[project]\nname = "y"\n',
      'vendor/y/b.py': BOTH,
    });
    const inSubProject = workspace.uri('vendor/x/pkg/a.py');
    const withoutTable = workspace.uri('vendor/y/b.py');
    const client = await LspClient.start(coroutineLensServer(), { root: workspace.root, settings: {} });
    try {
      await client.progressEnded();
      await client.open(inSubProject, BOTH, 1);
      await client.open(withoutTable, BOTH, 1);
      await client.waitFor(() => client.latestDiagnostics(inSubProject) && client.latestDiagnostics(withoutTable), 'the diagnostics of both files');
      const shown = publications(client, inSubProject);
      assert.deepEqual([...new Set(shown)], ['ASYNC251'], `every publication with vendor/x's table: ${JSON.stringify(shown)}`);
      assert.deepEqual(codes(client.latestDiagnostics(withoutTable)!.diagnostics), ['CORO200'], 'vendor/y configures nothing: the folder\'s table');
      // The adopted sub-project's pyproject.toml is watched like any other.
      writeFileSync(workspace.file('vendor/x/pyproject.toml'), '[tool.coroutine-lens]\nselect = ["CORO200"]\n');
      await client.filesChanged([{ uri: workspace.uri('vendor/x/pyproject.toml'), type: FileChangeType.Changed }]);
      await client.waitFor(() => JSON.stringify(codes(client.latestDiagnostics(inSubProject)?.diagnostics ?? [])) === '["CORO200"]', 'vendor/x\'s edited table');
    } finally {
      await client.stop();
      workspace.remove();
    }
  });

  it('two documents opened together below a table not read yet both wait for it: no publication without it', async () => {
    // A long pyproject.toml keeps its read going while the second document is opened: that one must
    // wait for the read too, not be analysed with the workspace folder's table meanwhile.
    const padding = Array.from({ length: 60_000 }, (_, i) => `key${i} = "${'x'.repeat(20)}"`).join('\n');
    const workspace = makeWorkspace({
      'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\nexclude = ["vendor/**"]\n',
      'vendor/x/pyproject.toml': `[tool.coroutine-lens]\nselect = ["ASYNC"]\n\n[tool.other]\n${padding}\n`,
      'vendor/x/a.py': BOTH,
      'vendor/x/c.py': BOTH,
    });
    const documents = [workspace.uri('vendor/x/a.py'), workspace.uri('vendor/x/c.py')];
    const client = await LspClient.start(coroutineLensServer(), { root: workspace.root, settings: {} });
    try {
      await client.progressEnded();
      for (const uri of documents) await client.open(uri, BOTH, 1);
      const tabled = (uri: string): boolean => JSON.stringify(codes(client.latestDiagnostics(uri)?.diagnostics ?? [])) === '["ASYNC251"]';
      await client.waitFor(() => documents.every(tabled), "both documents with vendor/x's table");
      for (const uri of documents) {
        const shown = publications(client, uri);
        assert.deepEqual([...new Set(shown)], ['ASYNC251'], `every publication of ${uri} with vendor/x's table: ${JSON.stringify(shown)}`);
      }
    } finally {
      await client.stop();
      workspace.remove();
    }
  });
});

describe('a workspace folder inside another', () => {
  it('once removed from the workspace, is a sub-project of the enclosing folder: that folder\'s settings reach it', async () => {
    const workspace = makeWorkspace({
      'pyproject.toml': '[tool.coroutine-lens]\nignore = ["ASYNC251"]\n',
      'app.py': BOTH,
      'api/pyproject.toml': '[tool.coroutine-lens]\nselect = ["ASYNC"]\n',
      'api/handlers.py': BOTH,
    });
    const handlers = workspace.uri('api/handlers.py');
    const client = await LspClient.start(coroutineLensServer(), { root: workspace.file('api'), settings: {} });
    const settles = (expected: string[], what: string): Promise<unknown> =>
      client.waitFor(() => JSON.stringify(codes(client.latestDiagnostics(handlers)?.diagnostics ?? [])) === JSON.stringify(expected), what);
    try {
      await client.open(handlers, BOTH, 1);
      await settles(['ASYNC251'], 'the api folder\'s table');
      await client.changeFolders([workspace.root]);
      await client.waitFor(() => client.logs.some((log) => log.message.startsWith(`indexed ${workspace.root}:`)), 'the enclosing folder\'s index');
      await client.changeFolders([], [workspace.file('api')]);
      await settles(['ASYNC251'], 'the api sub-project\'s table');
      await client.changeSettings({ select: ['CORO200'] });
      await settles(['CORO200'], 'the enclosing folder\'s select setting over the sub-project\'s table');
    } finally {
      await client.stop();
      workspace.remove();
    }
  });
});

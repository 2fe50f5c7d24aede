// Pull diagnostics (textDocument/diagnostic) for a client that announces them: no pushes for Python
// documents, "unchanged" for a repeated pull, and workspace/diagnostic/refresh when an edit of another
// file changes a document's findings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FullDocumentDiagnosticReport } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

const APP = 'import time\n\nfrom helpers import load\n\n\nasync def main():\n    time.sleep(1)\n    load()\n';
const HELPERS_BLOCKING = 'import os\n\n\ndef load():\n    os.system("true")\n';

describe('pull diagnostics', () => {
  const workspace = makeWorkspace({ 'app.py': APP, 'helpers.py': 'def load():\n    pass\n' });
  const app = workspace.uri('app.py');
  const helpers = workspace.uri('helpers.py');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root, pullDiagnostics: true });
    await client.progressEnded();
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('announces a diagnostic provider with inter-file dependencies', () => {
    assert.deepEqual(client.initializeResult.capabilities.diagnosticProvider, {
      identifier: 'coroutine-lens',
      interFileDependencies: true,
      workspaceDiagnostics: false,
    });
  });

  it('answers a pull, then "unchanged" for the same result', async () => {
    await client.open(app, APP, 1);
    await client.open(helpers, 'def load():\n    pass\n', 1);
    const report = (await client.pullDiagnostics(app)) as FullDocumentDiagnosticReport;
    assert.equal(report.kind, 'full');
    assert.deepEqual(report.items.map((d) => d.code), ['ASYNC251']);
    assert.ok(report.resultId);
    const again = await client.pullDiagnostics(app, report.resultId);
    assert.deepEqual(again, { kind: 'unchanged', resultId: report.resultId });
    assert.equal(client.publications(app), 0, 'nothing is pushed to a pulling client');
  });

  it('asks for a refresh when another file changes the findings, and the next pull has them', async () => {
    const refreshes = client.refreshRequests;
    await client.change(helpers, 2, [{ text: HELPERS_BLOCKING }]);
    await client.pullDiagnostics(helpers); // what the client does for the edited document
    await client.waitFor(() => client.refreshRequests > refreshes, 'workspace/diagnostic/refresh');
    const report = (await client.pullDiagnostics(app)) as FullDocumentDiagnosticReport;
    assert.deepEqual(report.items.map((d) => d.code).sort(), ['ASYNC251', 'CORO120']);
  });

  it('answers a pull for the newest version right after an edit', async () => {
    await client.change(app, 2, [{ range: { start: { line: 6, character: 4 }, end: { line: 6, character: 17 } }, text: 'pass' }]);
    const report = (await client.pullDiagnostics(app)) as FullDocumentDiagnosticReport;
    assert.deepEqual(report.items.map((d) => d.code), ['CORO120']);
  });

  it('asks for a refresh when the settings change what is reported', async () => {
    const refreshes = client.refreshRequests;
    await client.changeSettings({ ignore: ['CORO120'] });
    await client.waitFor(() => client.refreshRequests > refreshes, 'workspace/diagnostic/refresh after the settings change');
    const report = (await client.pullDiagnostics(app)) as FullDocumentDiagnosticReport;
    assert.deepEqual(report.items, []);
  });
});

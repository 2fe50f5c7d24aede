// Configuration at run time: coroutineLens.* settings pulled with workspace/configuration and
// refreshed on didChangeConfiguration, merged over pyproject.toml; bad settings and a bad
// pyproject.toml are reported (message + diagnostic on pyproject.toml) and the server keeps working.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity, FileChangeType, MessageType } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, LspClient, makeWorkspace } from '../support/lspClient';

const APP = 'import subprocess\nimport time\n\n\nasync def main():\n    time.sleep(1)\n    subprocess.run(["ls"])\n';
const BAD_PYPROJECT = '[project]\nname = "demo"\n\n[tool.coroutine-lens]\nignore = ["ASYNC221"]\ntransitive = "yes"\n';
const GOOD_PYPROJECT = '[project]\nname = "demo"\n\n[tool.coroutine-lens]\nignore = ["ASYNC221"]\n';

const codes = (ds: { code?: string | number }[]): (string | number | undefined)[] => ds.map((d) => d.code).sort();

describe('configuration', () => {
  const workspace = makeWorkspace({ 'app.py': APP, 'pyproject.toml': BAD_PYPROJECT });
  const app = workspace.uri('app.py');
  const pyproject = workspace.uri('pyproject.toml');
  let client: LspClient;

  before(async () => {
    client = await LspClient.start(coroutineLensServer(), { root: workspace.root, settings: { select: [], severity: {} } });
    await client.open(app, APP, 1);
  });
  after(async () => {
    await client.stop();
    workspace.remove();
  });

  it('reports a bad pyproject.toml on its line, with a message, and applies the rest of it', async () => {
    const [error] = await client.waitFor(() => client.latestDiagnostics(pyproject)?.diagnostics, 'pyproject diagnostics');
    assert.equal(error.range.start.line, 5, 'the line of `transitive = "yes"` (0-based)');
    assert.equal(error.severity, DiagnosticSeverity.Error);
    assert.match(String(error.message), /transitive/);
    const shown = await client.waitFor(() => client.messages.find((m) => /pyproject\.toml:6/.test(m.message)), 'a message about pyproject.toml');
    assert.equal(shown.type, MessageType.Warning);
    assert.deepEqual(codes(await client.diagnosticsFor(app, 1)), ['ASYNC251'], 'ignore = ["ASYNC221"] still applies');
  });

  it('clears the pyproject.toml diagnostic when the file is fixed on disk', async () => {
    writeFileSync(workspace.file('pyproject.toml'), GOOD_PYPROJECT);
    await client.filesChanged([{ uri: pyproject, type: FileChangeType.Changed }]);
    await client.waitFor(() => client.latestDiagnostics(pyproject)?.diagnostics.length === 0, 'the pyproject diagnostics to clear');
  });

  // Each change is followed by waiting for its effect: a publication is recognised by its content.
  const has = (expected: string[]) => (ds: { code?: string | number }[]) => JSON.stringify(codes(ds)) === JSON.stringify(expected);

  it('applies a settings change without a restart (severity override)', async () => {
    const seen = client.publications(app);
    await client.changeSettings({ severity: { ASYNC251: 'error' } });
    const diagnostics = await client.nextDiagnostics(app, seen, (ds) => ds[0]?.severity === DiagnosticSeverity.Error);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [['ASYNC251', DiagnosticSeverity.Error]]);
  });

  it('lets a setting replace the pyproject list (ignore)', async () => {
    const seen = client.publications(app);
    await client.changeSettings({ ignore: ['ASYNC251'] });
    await client.nextDiagnostics(app, seen, has(['ASYNC221']));
  });

  it('shows a clear message for an invalid setting and keeps the valid ones', async () => {
    const seen = client.publications(app);
    await client.changeSettings({ select: ['ASYNC2', 'NOPE1'], ignore: ['ASYNC221'], transitive: 'sometimes' });
    const select = await client.waitFor(() => client.messages.find((m) => m.message.includes('coroutineLens.select')), 'a message about coroutineLens.select');
    assert.match(select.message, /NOPE1/);
    assert.equal(select.type, MessageType.Warning);
    await client.waitFor(() => client.messages.find((m) => m.message.includes('coroutineLens.transitive')), 'a message about coroutineLens.transitive');
    await client.nextDiagnostics(app, seen, has(['ASYNC251']));
  });

  it('enable: false clears the diagnostics, true brings them back', async () => {
    let seen = client.publications(app);
    await client.changeSettings({ enable: false });
    await client.nextDiagnostics(app, seen, has([]));
    await client.waitFor(() => client.statuses.at(-1)?.state === 'disabled', 'the disabled status');
    seen = client.publications(app);
    await client.changeSettings({ enable: true });
    await client.nextDiagnostics(app, seen, has(['ASYNC251']));
    await client.waitFor(() => client.statuses.at(-1)?.state === 'ready', 'the ready status');
  });
});

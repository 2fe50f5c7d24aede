import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, openWorkspaceFile, screenshot, waitFor } from '../support/workbench';

const SOURCE = 'coroutine-lens';

function findings(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

function codeOf(diagnostic: vscode.Diagnostic): string {
  const { code } = diagnostic;
  return typeof code === 'object' ? String(code.value) : String(code);
}

describe('diagnostics in the editor', () => {
  let editor: vscode.TextEditor;

  before(async () => {
    await activateExtension();
    editor = await openWorkspaceFile('asyncio_app/server.py');
  });

  it('lists the expected codes in the Problems panel, with the CORO120 chain', async () => {
    const diagnostics = await waitFor(() => {
      const found = findings(editor.document.uri);
      const codes = new Set(found.map(codeOf));
      return ['ASYNC251', 'CORO200', 'CORO120'].every((c) => codes.has(c)) ? found : undefined;
    }, 'ASYNC251, CORO200 and CORO120 on asyncio_app/server.py');
    const chain = diagnostics.find((d) => codeOf(d) === 'CORO120');
    assert.ok(chain, 'a CORO120 finding');
    assert.equal(editor.document.lineAt(chain.range.start.line).text.includes('load_settings'), true, 'CORO120 sits on the load_settings call');
    const hops = (chain.relatedInformation ?? []).map((r) => `${r.location.uri.path.split('/').pop()}:${r.location.range.start.line + 1}`);
    assert.ok(hops.some((h) => h.startsWith('storage.py')), `the chain passes through storage.py (${hops.join(', ')})`);
    assert.ok(hops.some((h) => h.startsWith('disk.py')), `the chain ends in disk.py (${hops.join(', ')})`);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('diagnostics');
  });

  it('applies the time.sleep quick fix and the finding goes away', async () => {
    const sleep = findings(editor.document.uri).find((d) => codeOf(d) === 'ASYNC251');
    assert.ok(sleep, 'an ASYNC251 finding');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, sleep.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => /asyncio\.sleep/.test(a.title));
    assert.ok(fix?.edit, `a quick fix to asyncio.sleep among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(editor.document.getText(), /await asyncio\.sleep\(0\.2\)/);
    await waitFor(() => !findings(editor.document.uri).some((d) => codeOf(d) === 'ASYNC251') || undefined, 'ASYNC251 to go away');
    await screenshot('quick-fix');
  });
});

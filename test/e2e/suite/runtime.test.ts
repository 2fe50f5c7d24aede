import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CoroutineTask } from '../../../debug-adapter/src/agentProtocol';
import { activateExtension, openWorkspaceFile, screenshot, waitFor, type CoroutineLensApi } from '../support/workbench';

describe('runtime findings and the exported tree', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(async () => {
    await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  it('reports the line where a handler blocked the event loop', async () => {
    const editor = await openWorkspaceFile('tornado_app/app.py');
    const sleepLine = editor.document.getText().split('\n').findIndex((l) => l.includes('time.sleep(0.5)'));
    await vscode.commands.executeCommand('workbench.action.debug.start');
    const blocked = await waitFor(() => {
      const found = vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === 'coroutine-lens (runtime)');
      return found;
    }, 'a runtime diagnostic on app.py', 90_000);
    assert.equal(blocked.range.start.line, sleepLine, 'on the time.sleep(0.5) line');
    assert.match(blocked.message, /event loop blocked/);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('runtime-diagnostic');
  });

  it('exports the suspension tree as a coroutine-tree document', async () => {
    const editor = await openWorkspaceFile('asyncio_app/server.py');
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('await asyncio.sleep(2)'));
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(editor.document.uri, new vscode.Position(line, 0)))]);
    const folder = vscode.workspace.workspaceFolders?.[0];
    await vscode.debug.startDebugging(folder, { type: 'coroutine-lens', request: 'launch', name: 'asyncio example', module: 'asyncio_app.server', cwd: folder?.uri.fsPath });
    await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint in fetch_user', 90_000);
    await api.coroutinesView.refresh();
    const tasks: CoroutineTask[] = api.coroutinesView.currentTree?.loops.flatMap((l) => l.tasks) ?? [];
    assert.ok(tasks.length > 0, 'the tree has tasks');
    await vscode.commands.executeCommand('coroutineLens.exportCoroutines');
    const exported = vscode.window.activeTextEditor?.document;
    assert.equal(exported?.languageId, 'coroutine-tree');
    const text = exported.getText();
    assert.match(text, /^Loop \S+ on MainThread \(running\)$/m);
    assert.match(text, /fetch_user {2}\S*server\.py:\d+/);
    for (const task of tasks) assert.ok(text.includes(task.name), `task ${task.name} in the export`);
    await screenshot('export');
  });
});

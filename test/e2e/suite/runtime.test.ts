import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { addBreakpoint, allTasks, debugAsyncioExample, lineOf, stopDebugging } from '../support/debugging';
import { activateExtension, openWorkspaceFile, screenshot, waitFor, type CoroutineLensApi } from '../support/workbench';

describe('runtime findings and the exported tree', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(stopDebugging);

  it('reports the line where a handler blocked the event loop', async () => {
    const editor = await openWorkspaceFile('tornado_app/app.py');
    const sleepLine = lineOf(editor.document, 'time.sleep(0.5)');
    await vscode.commands.executeCommand('workbench.action.debug.start');
    // The watchdog reports a block twice: when first seen ("for at least 100 ms"), then with its
    // full duration once the loop runs again; the diagnostic keeps the longest.
    const blocked = await waitFor(() => {
      const found = vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === 'coroutine-lens (runtime)');
      return found && /^event loop blocked [\d.]+ (ms|s) here$/.test(found.message) ? found : undefined;
    }, 'a runtime diagnostic on app.py with the full duration of the block', 90_000);
    assert.equal(blocked.range.start.line, sleepLine, 'on the time.sleep(0.5) line');
    const [, amount, unit] = /blocked ([\d.]+) (ms|s)/.exec(blocked.message) ?? [];
    const milliseconds = Number(amount) * (unit === 's' ? 1000 : 1);
    assert.ok(milliseconds >= 400 && milliseconds < 5000, `a block of about 500 ms, not ${blocked.message}`);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('runtime-diagnostic');
  });

  it('exports the suspension tree as a coroutine-tree document', async () => {
    const editor = await openWorkspaceFile('asyncio_app/server.py');
    addBreakpoint(editor.document, 'await asyncio.sleep(2)');
    await debugAsyncioExample();
    await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint in fetch_user', 90_000);
    await api.coroutinesView.refresh();
    const tasks = allTasks(api.coroutinesView.currentTree);
    assert.ok(tasks.length > 0, 'the tree has tasks');
    await vscode.commands.executeCommand('coroutineLens.exportCoroutines');
    const exported = vscode.window.activeTextEditor?.document;
    assert.equal(exported?.languageId, 'coroutine-tree');
    const text = exported.getText();
    assert.match(text, /^Event loop on MainThread \(running\)$/m);
    assert.match(text, /fetch_user {2}\S*server\.py:\d+/);
    for (const task of tasks) assert.ok(text.includes(task.name), `task ${task.name} in the export`);
    await screenshot('export');
  });
});

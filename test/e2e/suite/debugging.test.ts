import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { addBreakpoint, allTasks, focusCoroutinesView, stopDebugging } from '../support/debugging';
import { frameNode, taskNodes } from '../support/coroutinesView';
import { activateExtension, openWorkspaceFile, screenshot, waitFor, type CoroutineLensApi } from '../support/workbench';

describe('debugging with F5 and the Coroutines view', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(stopDebugging);

  it('stops at a breakpoint in a Tornado app and shows tasks and @gen.coroutine runners', async () => {
    const editor = await openWorkspaceFile('tornado_app/app.py');
    addBreakpoint(editor.document, 'return 42');
    // F5 with no launch.json: the configuration provider debugs the active file.
    await vscode.commands.executeCommand('workbench.action.debug.start');
    await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint to be hit', 90_000);
    await focusCoroutinesView();
    const tree = await waitFor(() => {
      const tasks = allTasks(api.coroutinesView.currentTree);
      return tasks.some((t) => t.frames.some((f) => f.name === 'count_items')) ? api.coroutinesView.currentTree : undefined;
    }, 'a task running count_items in the Coroutines view');
    const tasks = allTasks(tree);
    const runner = tasks.find((t) => t.kind === 'gen-coroutine' && t.frames.some((f) => f.name === 'build_summary'));
    assert.ok(runner, `a @gen.coroutine runner for build_summary among ${tasks.map((t) => t.name).join(', ')}`);
    const counting = tasks.find((t) => t.frames.some((f) => f.name === 'count_items'));
    assert.ok(counting && (runner.awaiting?.taskIds ?? []).includes(counting.id), 'build_summary awaits the count_items task');
    await screenshot('coroutines-view');

    const countingNode = (await taskNodes(api)).find((n) => n.task.id === counting.id);
    assert.ok(countingNode, 'the count_items task is shown in the view');
    const countingFrame = await frameNode(api, countingNode, 'count_items');
    const { frame } = countingFrame;
    await vscode.commands.executeCommand('coroutineLens.revealFrame', countingFrame);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, frame.path);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, frame.line - 1);
  });
});

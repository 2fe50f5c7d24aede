import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SourceFrame } from '../../../debug-adapter/src/agentProtocol';
import { isLibraryFrame } from '../../../client/src/coroutines/treeModel';
import { frameNode, runsFunction, taskNodes, variable, variables, viewChildren, type TaskNode } from '../support/coroutinesView';
import { addBreakpoint, allTasks, focusCoroutinesView, lineOf, stopDebugging } from '../support/debugging';
import { activateExtension, openWorkspaceFile, screenshot, waitFor, type CoroutineLensApi } from '../support/workbench';

/** Lets a quick pick opened by a command appear in the workbench before the test drives it. */
const QUICK_PICK_SHOWN_MS = 2500;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a command that shows a quick pick, then `drive` (screenshot, selections), then accepts. */
async function throughQuickPick<T>(command: string, args: unknown[], drive: () => Promise<void>): Promise<T> {
  let settled = false;
  const result = Promise.resolve(vscode.commands.executeCommand<T>(command, ...args)).finally(() => (settled = true));
  await pause(QUICK_PICK_SHOWN_MS);
  assert.equal(settled, false, `${command} finished without waiting for its quick pick`);
  await drive();
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  return result;
}

describe('the Coroutines view toolbar and context menu', () => {
  let api: CoroutineLensApi;
  let document: vscode.TextDocument;

  before(async () => {
    api = await activateExtension();
    document = (await openWorkspaceFile('tornado_app/app.py')).document;
    addBreakpoint(document, 'server = app.listen(');
    await vscode.commands.executeCommand('workbench.action.debug.start');
    await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint in main', 90_000);
    await focusCoroutinesView();
    await api.coroutinesView.refresh();
  });

  it('Record Task Creation Stacks turns recording on in the running program (off by default)', async () => {
    const note = () => viewChildren(api).then((roots) => roots.find((n) => n.kind === 'note' && n.command === 'coroutineLens.recordCreationStacks'));
    assert.ok(await note(), 'F5 records no task creation: the view says so, and the note turns it on');
    assert.equal(api.coroutinesView.creationStacksRecorded, false, 'the … menu offers Record');
    await screenshot('creation-not-recorded');
    await vscode.commands.executeCommand('coroutineLens.recordCreationStacks');
    assert.equal(api.coroutinesView.currentTree?.creationNotRecorded, undefined);
    assert.equal(api.coroutinesView.creationStacksRecorded, true, 'the … menu offers Stop Recording');
    assert.equal(await note(), undefined, 'the note is gone once recording is on');
    // count_items's task is made from here on: stop in it for the tests below.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    addBreakpoint(document, 'return 42');
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    await waitFor(() => allTasks(api.coroutinesView.currentTree).some((t) => t.state === 'running' && runsFunction(t, 'count_items')), 'the breakpoint in count_items', 60_000);
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });

  after(stopDebugging);

  async function countingTask(): Promise<TaskNode> {
    const found = (await taskNodes(api)).find((n) => runsFunction(n.task, 'count_items'));
    assert.ok(found, 'the count_items task is in the view');
    return found;
  }

  it('Filter hides the tasks that run only library code', async () => {
    const before = await taskNodes(api);
    const libraryOnly = before.filter((n) => n.task.frames.length > 0 && n.task.frames.every(isLibraryFrame));
    assert.ok(libraryOnly.length > 0, `Tornado's connection tasks run only library code (tasks: ${before.map((n) => n.task.name).join(', ')})`);
    await throughQuickPick('coroutineLens.filterCoroutines', [], async () => {
      // Items: "Hide finished tasks", "Hide tasks that run only library code"; tick the second.
      await vscode.commands.executeCommand('quickInput.first');
      await vscode.commands.executeCommand('quickInput.next');
      await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
      await screenshot('coroutines-filter');
    });
    assert.deepEqual(api.coroutinesView.currentFilter, { hideDone: false, hideLibraryOnly: true });
    const after = await taskNodes(api);
    assert.deepEqual(
      after.map((n) => n.task.id).sort(),
      before.filter((n) => !libraryOnly.includes(n)).map((n) => n.task.id).sort(),
      'exactly the library-only tasks are hidden',
    );
    assert.ok(after.some((n) => runsFunction(n.task, 'count_items')) && after.some((n) => n.task.kind === 'gen-coroutine'), 'user tasks stay');
    await screenshot('coroutines-filtered');
    // Finished tasks: the agent lists live tasks only, so the unit tier covers hideDone.
    await throughQuickPick('coroutineLens.filterCoroutines', [], async () => {
      await vscode.commands.executeCommand('quickInput.first');
      await vscode.commands.executeCommand('quickInput.next');
      await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
    });
    assert.deepEqual(api.coroutinesView.currentFilter, { hideDone: false, hideLibraryOnly: false });
    assert.equal((await taskNodes(api)).length, before.length, 'unticked: every task is back');
  });

  it('Show Creation Stack lists where a task was created and opens the chosen line', async () => {
    const counting = await countingTask();
    const session = api.coroutinesView.currentSession;
    assert.ok(session);
    const { frames } = (await session.customRequest('taskCreationStack', { taskId: counting.task.id })) as { frames: SourceFrame[] };
    // build_summary yields count_items(); Tornado's runner wraps it in a task after the generator has
    // yielded, from the loop, so the innermost user frame is where the loop was started.
    assert.equal(frames[0]?.name, '<module>');
    assert.equal(frames[0]?.line, lineOf(document, 'asyncio.run(main())') + 1);
    await throughQuickPick('coroutineLens.showCreationStack', [counting], () => screenshot('creation-stack'));
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, frames[0]?.path);
    assert.equal(editor?.selection.active.line, frames[0]!.line - 1);
  });

  it('Copy puts a task, a frame and a local on the clipboard as text', async () => {
    const counting = await countingTask();
    await vscode.commands.executeCommand('coroutineLens.copyCoroutineNode', counting);
    const taskText = await vscode.env.clipboard.readText();
    const [headline, ...frameLines] = taskText.split('\n');
    assert.match(headline ?? '', new RegExp(`^Task '${counting.task.name}' running$`));
    assert.deepEqual(frameLines, counting.task.frames.map((f) => `  ${f.name}  ${f.path}:${f.line}`));
    assert.ok(frameLines.some((line) => line.includes(`count_items  ${document.uri.fsPath}:${lineOf(document, 'return 42') + 1}`)), taskText);

    const summary = (await taskNodes(api)).find((n) => runsFunction(n.task, 'build_summary'));
    assert.ok(summary, 'the build_summary runner is in the view');
    const frame = await frameNode(api, summary, 'build_summary');
    await vscode.commands.executeCommand('coroutineLens.copyCoroutineNode', frame);
    assert.equal(await vscode.env.clipboard.readText(), `build_summary  ${document.uri.fsPath}:${lineOf(document, 'count = yield count_items()') + 1}`);

    // main is suspended in `await client.fetch(...)` for the second of its paths.
    const main = (await taskNodes(api)).find((n) => runsFunction(n.task, 'main'));
    assert.ok(main, 'the main task is in the view');
    const path = variable(await variables(api, await frameNode(api, main, 'main')), 'path');
    await vscode.commands.executeCommand('coroutineLens.copyCoroutineNode', path);
    const localText = await vscode.env.clipboard.readText();
    assert.equal(localText, "path = '/report'");

    // What a person would paste, in an editor for the screenshot.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: `${taskText}\n${localText}\n` }));
    await screenshot('copy');
  });
});

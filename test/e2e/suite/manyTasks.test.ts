/**
 * 10,000 suspended tasks in the Coroutines view: the tree is shown, a task and its frame expand, a
 * command still answers, paused and then running (Live mode). Prints what each step took (a
 * report, never a timing assertion).
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { frameNode, taskNodes, variable, variables, viewChildren } from '../support/coroutinesView';
import { addBreakpoint, allTasks, focusCoroutinesView, stopDebugging } from '../support/debugging';
import { activateExtension, screenshot, selection, waitFor, type CoroutineLensApi } from '../support/workbench';

const CLIENTS = 10_000;

async function timed<T>(what: string, figures: string[], action: () => Thenable<T> | Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await action();
  figures.push(`${what}: ${(performance.now() - started).toFixed(0)} ms`);
  return result;
}

describe('the Coroutines view with 10,000 tasks', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(stopDebugging);

  it('shows the tree, expands a task and its locals, and still answers commands', async () => {
    const program = join(selection().workspace, 'crowd', 'chat.py');
    const document = await vscode.workspace.openTextDocument(program);
    await vscode.window.showTextDocument(document);
    addBreakpoint(document, 'return count');
    const folder = vscode.workspace.workspaceFolders?.[0];
    await vscode.debug.startDebugging(folder, { type: 'coroutine-lens', request: 'launch', name: 'crowd', program, args: [String(CLIENTS)], cwd: folder?.uri.fsPath });
    const stopped = await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint once every client waits', 120_000);
    await focusCoroutinesView();
    // The refresh the stop started comes first, so the figures below do not queue behind it.
    await waitFor(() => allTasks(api.coroutinesView.currentTree).length > CLIENTS || undefined, 'the tree of the stop', 60_000);

    const figures: string[] = [];
    // Where a refresh's time goes: the two requests it makes, then the whole of it.
    await timed('threads request', figures, () => stopped.session.customRequest('threads'));
    const raw: unknown = await timed('coroutineTree request', figures, () => stopped.session.customRequest('coroutineTree'));
    figures.push(`coroutineTree response: ${(JSON.stringify(raw).length / 1024 / 1024).toFixed(1)} MB of JSON`);
    // The workbench must keep answering while a refresh is under way.
    const refreshing = timed('view refresh (threads + coroutineTree)', figures, () => api.coroutinesView.refresh());
    await timed('workbench command answered during the refresh', figures, () => vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup'));
    await refreshing;
    const tasks = await timed('children of the loop (task nodes built)', figures, () => taskNodes(api));
    const clients = tasks.filter((n) => n.task.name.startsWith('client-'));
    assert.equal(clients.length, CLIENTS, `${CLIENTS} client tasks in the view`);
    await timed(`tree items of all ${tasks.length} tasks`, figures, async () => tasks.forEach((n) => api.coroutinesView.getTreeItem(n)));
    // The workbench fetches and renders the loop's children to show the last one.
    await timed('view rendered down to the last task (reveal)', figures, () => api.coroutinesView.reveal(tasks.at(-1)!, { select: true, focus: false }));

    // A client offered as a thread (the first taskThreadLimit suspended tasks are) has locals.
    const client = clients.find((n) => n.task.threadId !== undefined);
    assert.ok(client, 'some client tasks are pseudo-threads');
    await timed(`task '${client.task.name}' expanded`, figures, () => api.coroutinesView.reveal(client, { expand: true, select: true }));
    const frame = await frameNode(api, client, 'client');
    const locals = await timed('its frame expanded into locals', figures, async () => {
      await api.coroutinesView.reveal(frame, { expand: true });
      return variables(api, frame);
    });
    assert.equal(variable(locals, 'client_id').variable.value, client.task.name.replace('client-', ''));
    assert.equal(variable(locals, 'nickname').variable.value, `'guest-${client.task.name.replace('client-', '')}'`);
    const notThread = clients.find((n) => n.task.threadId === undefined);
    if (notThread) {
      const [note] = await viewChildren(api, await frameNode(api, notThread, 'client'));
      assert.match(note?.kind === 'note' ? note.text : '', /not offered as a thread/, 'a task beyond the thread limit says why it has no locals');
    }

    await timed('Refresh command answered', figures, () => vscode.commands.executeCommand('coroutineLens.refreshCoroutines'));
    await timed('workbench command answered (focus the Explorer and back)', figures, async () => {
      await vscode.commands.executeCommand('workbench.view.explorer');
      await vscode.commands.executeCommand('coroutineLens.coroutines.focus');
    });
    await screenshot('coroutines-10000-tasks');

    // Running again: Live mode keeps refreshing the 10,000 tasks while the workbench answers.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const pausedCapture = api.coroutinesView.currentTree?.capturedAt ?? 0;
    await stopped.session.customRequest('continue', { threadId: stopped.threadId });
    await timed('running: first live refresh after continuing', figures, () =>
      waitFor(() => ((api.coroutinesView.currentTree?.capturedAt ?? 0) > pausedCapture ? true : undefined), 'a live refresh while running', 60_000),
    );
    assert.equal(allTasks(api.coroutinesView.currentTree).filter((t) => t.name.startsWith('client-')).length, CLIENTS, 'the live tree has every client');
    await timed('running: workbench command answered', figures, async () => {
      await vscode.commands.executeCommand('workbench.view.explorer');
      await vscode.commands.executeCommand('coroutineLens.coroutines.focus');
    });
    console.log(`[figures] Coroutines view, ${tasks.length} tasks on one loop:\n${figures.map((f) => `  ${f}`).join('\n')}`);
  });
});

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { frameNode, runsFunction, taskNodes, variable, variables } from '../support/coroutinesView';
import { addBreakpoint, debugAsyncioExample, focusCoroutinesView, stopDebugging } from '../support/debugging';
import { activateExtension, openWorkspaceFile, screenshot, waitFor, type CoroutineLensApi } from '../support/workbench';

describe('the locals of tasks in the Coroutines view', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(stopDebugging);

  it("expands each task's frame into its locals, and a local into its items", async () => {
    const editor = await openWorkspaceFile('asyncio_app/server.py');
    // The first fetch_user to wake stops here; the others are still suspended in asyncio.sleep(2).
    addBreakpoint(editor.document, 'return {"id": user_id}');
    await debugAsyncioExample();
    await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint in fetch_user', 90_000);
    await focusCoroutinesView();
    await api.coroutinesView.refresh();

    const tasks = await taskNodes(api);
    const fetchers = tasks.filter((n) => runsFunction(n.task, 'fetch_user'));
    assert.deepEqual(fetchers.map((n) => n.task.state).sort(), ['running', 'suspended', 'suspended'], 'one fetch_user at the breakpoint, two suspended');
    const userIds: number[] = [];
    const suspendedFrames = [];
    for (const fetcher of fetchers) {
      const frame = await frameNode(api, fetcher, 'fetch_user');
      if (fetcher.task.state === 'suspended') suspendedFrames.push(frame);
      userIds.push(Number(variable(await variables(api, frame), 'user_id').variable.value));
    }
    // settings.json asks for 3 workers: fetch_user(0), (1) and (2), each with its own locals.
    assert.deepEqual(userIds.sort(), [0, 1, 2]);

    const main = tasks.find((n) => runsFunction(n.task, 'main'));
    assert.ok(main && main.task.state === 'suspended', `main is suspended in gather (tasks: ${tasks.map((n) => n.task.name).join(', ')})`);
    const mainFrame = await frameNode(api, main, 'main');
    const settings = variable(await variables(api, mainFrame), 'settings');
    assert.match(settings.variable.value, /'workers': 3/);
    assert.ok(settings.variable.variablesReference > 0, 'a dict has children');
    const workers = variable(await variables(api, settings), "'workers'");
    assert.equal(workers.variable.value, '3');

    // The same nodes in the workbench: the frame and the dict expanded, the item selected. The
    // Variables view shows only the focused frame's: room for the tree instead, in the picture.
    await vscode.commands.executeCommand('workbench.debug.variablesView.removeView').then(undefined, () => undefined);
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await api.coroutinesView.reveal(suspendedFrames[0]!, { expand: true });
    await api.coroutinesView.reveal(mainFrame, { expand: true });
    await api.coroutinesView.reveal(settings, { expand: true });
    await api.coroutinesView.reveal(workers, { select: true, focus: true });
    await screenshot('coroutine-locals');
  });
});

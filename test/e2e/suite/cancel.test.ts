import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { addBreakpoint, allTasks, debugAsyncioExample, stopDebugging } from '../support/debugging';
import { activateExtension, openWorkspaceFile, waitFor, type CoroutineLensApi } from '../support/workbench';

describe('cancelling a task from the Coroutines view', () => {
  let api: CoroutineLensApi;

  before(async () => {
    api = await activateExtension();
  });

  afterEach(stopDebugging);

  it('cancels a task in the program from the view', async () => {
    const output: string[] = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('coroutine-lens', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (message: { type: string; event?: string; body?: { output?: string } }) => {
          if (message.type === 'event' && message.event === 'output' && message.body?.output) output.push(message.body.output);
        },
      }),
    });
    try {
      const editor = await openWorkspaceFile('asyncio_app/server.py');
      addBreakpoint(editor.document, 'await asyncio.sleep(2)');
      await debugAsyncioExample();
      const stopped = await waitFor(() => vscode.debug.activeStackItem, 'the breakpoint in fetch_user', 90_000);
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      await api.coroutinesView.refresh();
      const fetchers = allTasks(api.coroutinesView.currentTree).filter((t) => t.frames.some((f) => f.name === 'fetch_user') || t.name.includes('fetch_user'));
      const victim = fetchers.find((t) => t.state !== 'running');
      assert.ok(victim, `a fetch_user task that is not running, among ${fetchers.map((t) => `${t.name}:${t.state}`).join(', ')}`);
      await vscode.commands.executeCommand('coroutineLens.cancelTask', { kind: 'task', task: victim });
      const session = stopped.session;
      await session.customRequest('continue', { threadId: stopped.threadId });
      // Another fetch_user task may reach the old breakpoint before its removal reaches the adapter.
      const ended = vscode.debug.onDidChangeActiveStackItem((item) => {
        if (item && item.session === session) void session.customRequest('continue', { threadId: item.threadId });
      });
      try {
        await waitFor(() => (vscode.debug.activeDebugSession !== session ? true : undefined), `the program to end (its output so far: ${JSON.stringify(output.join(''))})`, 60_000);
      } finally {
        ended.dispose();
      }
      const printed = output.join('');
      // gather() propagates the cancellation: main never prints its count.
      assert.match(printed, /CancelledError/);
      assert.doesNotMatch(printed, /\d+ users/);
    } finally {
      tracker.dispose();
    }
  });
});

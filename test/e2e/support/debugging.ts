/** Helpers for suites that debug the examples. */
import * as vscode from 'vscode';
import type { CoroutineTask, CoroutineTree } from '../../../debug-adapter/src/agentProtocol';
import { waitFor } from './workbench';

export function allTasks(tree: CoroutineTree | undefined): CoroutineTask[] {
  return tree?.loops.flatMap((l) => l.tasks) ?? [];
}

/** 0-based line of the first line holding `needle`. */
export function lineOf(document: vscode.TextDocument, needle: string): number {
  const index = document.getText().split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`'${needle}' not in ${document.uri.fsPath}`);
  return index;
}

export function addBreakpoint(document: vscode.TextDocument, needle: string): void {
  vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(document.uri, new vscode.Position(lineOf(document, needle), 0)))]);
}

/** Starts `python -m asyncio_app.server` in the workspace under the debugger. */
export async function debugAsyncioExample(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  await vscode.debug.startDebugging(folder, { type: 'coroutine-lens', request: 'launch', name: 'asyncio example', module: 'asyncio_app.server', cwd: folder?.uri.fsPath });
}

export async function stopDebugging(): Promise<void> {
  await vscode.debug.stopDebugging();
  await waitFor(() => vscode.debug.activeDebugSession === undefined || undefined, 'the session to end');
  vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
}

/** Shows the Coroutines view with room for the tree (the Watch and Breakpoints views are empty in these tests). */
export async function focusCoroutinesView(): Promise<void> {
  await vscode.commands.executeCommand('coroutineLens.coroutines.focus');
  for (const view of ['workbench.debug.watchExpressionsView', 'workbench.debug.breakPointsView']) {
    await vscode.commands.executeCommand(`${view}.removeView`).then(undefined, () => undefined);
  }
}

import * as vscode from 'vscode';

/** The extension's one output channel ("Coroutine Lens"), a log channel with levels. */
export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const channel = vscode.window.createOutputChannel('Coroutine Lens', { log: true });
  context.subscriptions.push(channel);
  return channel;
}

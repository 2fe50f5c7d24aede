/**
 * Activation: one log channel, the language client, the debugger and the commands.
 * Each part lives in its own module; this file only wires them together.
 */
import * as vscode from 'vscode';
import { createLog } from './log';
import { LanguageServer } from './languageServer';
import { registerDebugging } from './debugging';

let languageServer: LanguageServer | undefined;

/** The test-facing API; e2e tests read the log through it. */
export interface CoroutineLensApi {
  logUri: vscode.Uri;
}

export async function activate(context: vscode.ExtensionContext): Promise<CoroutineLensApi> {
  const log = createLog(context);
  log.info(`Coroutine Lens ${context.extension.packageJSON.version as string} activating`);

  languageServer = new LanguageServer(context, log);
  context.subscriptions.push(
    vscode.commands.registerCommand('coroutineLens.restartServer', () => languageServer?.restart()),
    vscode.commands.registerCommand('coroutineLens.showLog', () => log.show()),
  );
  registerDebugging(context, log);
  await languageServer.start();
  log.info('Coroutine Lens activated');
  return { logUri: context.logUri };
}

export async function deactivate(): Promise<void> {
  await languageServer?.stop();
}

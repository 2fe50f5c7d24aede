/**
 * Activation: one log channel, the language client, the debugger, the Coroutines view, runtime
 * findings and the commands. Each part lives in its own module; this file only wires them.
 */
import * as vscode from 'vscode';
import { registerCoroutineCommands } from './coroutines/commands';
import { CoroutinesView } from './coroutines/coroutinesView';
import { registerTreeDocumentLinks } from './coroutines/treeDocument';
import { DebugEvents } from './debugEvents';
import { DEBUG_TYPE, registerDebugging } from './debugging';
import { LanguageServer } from './languageServer';
import { createLog } from './log';
import { RuntimeDiagnostics } from './runtimeDiagnostics';

let languageServer: LanguageServer | undefined;

/** The test-facing API; e2e tests read the log and the view's tree through it. */
export interface CoroutineLensApi {
  logUri: vscode.Uri;
  coroutinesView: CoroutinesView;
}

export async function activate(context: vscode.ExtensionContext): Promise<CoroutineLensApi> {
  const log = createLog(context);
  log.info(`Coroutine Lens ${context.extension.packageJSON.version as string} activating`);

  const debugEvents = new DebugEvents(DEBUG_TYPE);
  const coroutinesView = new CoroutinesView(debugEvents, DEBUG_TYPE, log);
  const runtimeDiagnostics = new RuntimeDiagnostics(debugEvents, DEBUG_TYPE);
  languageServer = new LanguageServer(context, log);
  context.subscriptions.push(
    debugEvents,
    coroutinesView,
    runtimeDiagnostics,
    registerTreeDocumentLinks(),
    ...registerCoroutineCommands(coroutinesView),
    vscode.commands.registerCommand('coroutineLens.restartServer', () => languageServer?.restart()),
    vscode.commands.registerCommand('coroutineLens.showLog', () => log.show()),
    vscode.commands.registerCommand('coroutineLens.clearRuntimeFindings', () => runtimeDiagnostics.clear()),
  );
  registerDebugging(context, log);
  await languageServer.start();
  log.info('Coroutine Lens activated');
  return { logUri: context.logUri, coroutinesView };
}

export async function deactivate(): Promise<void> {
  await languageServer?.stop();
}

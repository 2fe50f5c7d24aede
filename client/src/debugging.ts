/**
 * The `coroutine-lens` debugger: F5 with no launch.json debugs the active Python file, the
 * interpreter is resolved here (client/src/interpreter.ts), and the DAP session runs inline in
 * the extension host.
 */
import * as vscode from 'vscode';
import { CoroutineLensSession } from '../../debug-adapter/src/session';
import { resolveInterpreter, type PythonCommand } from './interpreter';

export const DEBUG_TYPE = 'coroutine-lens';

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      // F5 with no launch.json: debug the Python file in the active editor.
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId !== 'python') {
        void vscode.window.showErrorMessage('Coroutine Lens: open a Python file to debug it, or add a launch configuration.');
        return undefined;
      }
      config = { type: DEBUG_TYPE, request: 'launch', name: 'Coroutine Lens: current file', program: editor.document.uri.fsPath };
    }
    if (config.request === 'launch') {
      const resource = folder?.uri ?? vscode.window.activeTextEditor?.document.uri;
      const python = await resolveInterpreter(config.python as PythonCommand | undefined, resource, this.log);
      if (!python) return undefined;
      config.python = python;
      config.cwd ??= folder?.uri.fsPath;
    }
    return config;
  }
}

export function registerDebugging(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(log)),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor(session) {
        log.info(`starting debug session '${session.name}'`);
        return new vscode.DebugAdapterInlineImplementation(new CoroutineLensSession());
      },
    }),
  );
}

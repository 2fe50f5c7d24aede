/** Registers the `coroutine-lens` debugger; the DAP session runs inline in the extension host. */
import * as vscode from 'vscode';
import { CoroutineLensSession } from '../../debug-adapter/src/session';

export function registerDebugging(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('coroutine-lens', {
      createDebugAdapterDescriptor() {
        log.info('starting a coroutine-lens debug session');
        return new vscode.DebugAdapterInlineImplementation(new CoroutineLensSession());
      },
    }),
  );
}

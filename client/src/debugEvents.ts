/**
 * One tracker over the messages of every `coroutine-lens` debug session, fanned out to whoever
 * listens: the Coroutines view refreshes on `stopped`, runtime findings come from `blockedLoop`.
 * A tracker sees the adapter's events as they are sent, before VS Code acts on them.
 */
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface SessionEvent {
  session: vscode.DebugSession;
  event: DebugProtocol.Event;
}

export class DebugEvents implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionEvent>();
  readonly onEvent = this.emitter.event;
  private readonly registration: vscode.Disposable;

  constructor(debugType: string) {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory(debugType, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (message: DebugProtocol.ProtocolMessage) => {
          if (message.type === 'event') this.emitter.fire({ session, event: message as DebugProtocol.Event });
        },
      }),
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}

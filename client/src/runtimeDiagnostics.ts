/**
 * Runtime findings: each `blockedLoop` event of a debug session becomes a diagnostic at the line
 * that blocked the event loop ("event loop blocked 1.2 s here"), with the stack as related
 * information. Kept after the session ends, until the next session starts or the Clear command.
 */
import * as vscode from 'vscode';
import type { EventMap, SourceFrame } from '../../debug-adapter/src/agentProtocol';
import { formatDuration, isLibraryFrame } from './coroutines/treeModel';
import type { DebugEvents } from './debugEvents';

type BlockedLoop = EventMap['blockedLoop'];

export class RuntimeDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('coroutine-lens-runtime');
  /** One diagnostic per blocking line: a handler that blocks on every request is one finding. */
  private readonly byLocation = new Map<string, { durationMs: number; diagnostic: vscode.Diagnostic }>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(events: DebugEvents, debugType: string) {
    this.subscriptions.push(
      events.onEvent(({ event }) => {
        if (event.event === 'blockedLoop') this.add(event.body as BlockedLoop);
      }),
      vscode.debug.onDidStartDebugSession((session) => {
        if (session.type === debugType) this.clear();
      }),
    );
  }

  clear(): void {
    this.byLocation.clear();
    this.collection.clear();
  }

  private add(blocked: BlockedLoop): void {
    // The innermost frame of the user's own code is where the fix goes (time.sleep's caller, not time.sleep).
    const culprit = blocked.frames.find((frame) => !isLibraryFrame(frame)) ?? blocked.frames[0];
    if (!culprit) return;
    const key = `${culprit.path}:${culprit.line}`;
    const range = new vscode.Range(culprit.line - 1, 0, culprit.line - 1, Number.MAX_SAFE_INTEGER);
    const verb = blocked.finished ? 'blocked' : 'blocked for at least';
    // Keep the longest block seen at this line; a later, shorter one adds nothing.
    if ((this.byLocation.get(key)?.durationMs ?? -1) > blocked.durationMs) return;
    const diagnostic = new vscode.Diagnostic(range, `event loop ${verb} ${formatDuration(blocked.durationMs)} here`, vscode.DiagnosticSeverity.Warning);
    diagnostic.source = 'coroutine-lens (runtime)';
    diagnostic.code = 'blocked-loop';
    diagnostic.relatedInformation = blocked.frames.map(
      (frame: SourceFrame) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(frame.path), new vscode.Position(frame.line - 1, 0)), `in ${frame.name}`),
    );
    this.byLocation.set(key, { durationMs: blocked.durationMs, diagnostic });
    this.publish(culprit.path);
  }

  private publish(path: string): void {
    const uri = vscode.Uri.file(path);
    this.collection.set(uri, [...this.byLocation.entries()].filter(([key]) => key.startsWith(`${path}:`)).map(([, { diagnostic }]) => diagnostic));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.collection.dispose();
  }
}

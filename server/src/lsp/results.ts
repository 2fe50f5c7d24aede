/**
 * The latest analysis of every open document, and how the client learns of it: pushed
 * (`textDocument/publishDiagnostics`, with the document version) or pulled (`textDocument/diagnostic`,
 * with `workspace/diagnostic/refresh` when a change elsewhere altered a document's findings).
 */
import type { Connection, Diagnostic, DocumentDiagnosticReport } from 'vscode-languageserver/node';
import type { Reported } from './codeActions';

export interface DocumentResult {
  version: number;
  reported: readonly Reported[];
  diagnostics: Diagnostic[];
  /** The diagnostics serialized: the next analysis compares against it (once per keystroke, so kept). */
  serialized: string;
  /** Changes whenever the diagnostics change: lets a pull answer "unchanged". */
  resultId: string;
}

export class Results {
  private readonly byUri = new Map<string, DocumentResult>();
  private nextResultId = 1;
  private refreshQueued = false;

  constructor(
    private readonly connection: Connection,
    readonly mode: 'push' | 'pull',
  ) {}

  get(uri: string): DocumentResult | undefined {
    return this.byUri.get(uri);
  }

  /**
   * Records a fresh analysis and tells the client if it is news. `changedElsewhere`: the cause was not an
   * edit of this document (a dependency, the configuration, the index), so a pulling client must be told.
   */
  set(uri: string, version: number, reported: readonly Reported[], changedElsewhere: boolean): void {
    const previous = this.byUri.get(uri);
    // The same findings (an edit the engine found changed nothing): no need to compare them.
    const same = previous?.reported === reported;
    const diagnostics = same ? previous.diagnostics : reported.map(({ diagnostic }) => diagnostic);
    const serialized = same ? previous.serialized : JSON.stringify(diagnostics);
    const changed = previous?.serialized !== serialized;
    const resultId = changed || !previous ? String(this.nextResultId++) : previous.resultId;
    this.byUri.set(uri, { version, reported, diagnostics, serialized, resultId });
    if (this.mode === 'push') {
      // A new version is announced even when its diagnostics are the same: the client then knows they are current.
      if (changed || previous?.version !== version) void this.connection.sendDiagnostics({ uri, version, diagnostics });
    } else if (changed && changedElsewhere) {
      this.queueRefresh();
    }
  }

  /** The document closed: forget it and clear what the client shows for it. */
  delete(uri: string): void {
    if (!this.byUri.delete(uri)) return;
    if (this.mode === 'push') void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  report(uri: string, previousResultId: string | undefined): DocumentDiagnosticReport {
    const result = this.byUri.get(uri);
    if (!result) return { kind: 'full', items: [] };
    if (previousResultId === result.resultId) return { kind: 'unchanged', resultId: result.resultId };
    return { kind: 'full', resultId: result.resultId, items: result.diagnostics };
  }

  /** One refresh request for a burst of changes. */
  private queueRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    setImmediate(() => {
      this.refreshQueued = false;
      this.connection.languages.diagnostics.refresh().catch(() => undefined);
    });
  }
}

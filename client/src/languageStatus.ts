/**
 * The language status item on Python files: index progress while indexing, then the number of
 * findings in the workspace; a link to the log either way.
 */
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol';

const SOURCE = 'coroutine-lens';

export class LanguageStatus implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('coroutineLens.status', { language: 'python' });
  private readonly diagnosticsListener: vscode.Disposable;
  private state: StatusParams = { state: 'starting' };

  constructor() {
    this.item.name = 'Coroutine Lens';
    this.item.command = { command: 'coroutineLens.showLog', title: 'Show Log' };
    this.diagnosticsListener = vscode.languages.onDidChangeDiagnostics(() => this.render());
    this.render();
  }

  update(params: StatusParams): void {
    this.state = params;
    this.render();
  }

  private findings(): number {
    let count = 0;
    for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
      count += diagnostics.filter((d) => d.source === SOURCE).length;
    }
    return count;
  }

  private render(): void {
    const { state, files, total, durationMs, message } = this.state;
    this.item.busy = state === 'indexing' || state === 'starting';
    this.item.severity = state === 'error' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    switch (state) {
      case 'starting':
        this.item.text = 'Coroutine Lens: starting';
        break;
      case 'indexing':
        this.item.text = `Coroutine Lens: indexing ${files ?? 0}/${total ?? '?'}`;
        break;
      case 'ready': {
        const findings = this.findings();
        this.item.text = `Coroutine Lens: ${findings} finding${findings === 1 ? '' : 's'}`;
        this.item.detail = `${files ?? 0} files indexed${durationMs !== undefined ? ` in ${(durationMs / 1000).toFixed(1)} s` : ''}`;
        break;
      }
      case 'disabled':
        this.item.text = 'Coroutine Lens: disabled';
        break;
      case 'error':
        this.item.text = 'Coroutine Lens: error';
        this.item.detail = message;
        break;
    }
  }

  dispose(): void {
    this.diagnosticsListener.dispose();
    this.item.dispose();
  }
}

/** Work-done progress for the workspace index: files done / total, cancellable from the client. */
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';

/** Progress messages are for eyes: a few per second is plenty, and each one is a JSON message. */
const REPORT_INTERVAL_MS = 100;

export class IndexProgress {
  private lastReport = 0;

  private constructor(private readonly reporter: WorkDoneProgressServerReporter) {}

  /** Begins the progress; cancelling it on the client aborts `controller`. */
  static async begin(connection: Connection, title: string, controller: AbortController): Promise<IndexProgress> {
    const reporter = await connection.window.createWorkDoneProgress();
    reporter.token.onCancellationRequested(() => controller.abort());
    reporter.begin(title, 0, 'looking for Python files', true);
    return new IndexProgress(reporter);
  }

  /** Reports at most every REPORT_INTERVAL_MS (and always the last step); returns whether it did. */
  report(done: number, total: number): boolean {
    const now = Date.now();
    if (done < total && now - this.lastReport < REPORT_INTERVAL_MS) return false;
    this.lastReport = now;
    const percentage = total > 0 ? Math.floor((done / total) * 100) : 0;
    this.reporter.report(percentage, `${done}/${total} files`);
    return true;
  }

  done(): void {
    this.reporter.done();
  }
}

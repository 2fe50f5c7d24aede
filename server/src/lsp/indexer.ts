/**
 * The workspace index, one folder at a time in the background: work-done progress (files done /
 * total, cancellable), the `coroutineLens/status` notifications for the client's status item, and
 * the on-disk cache written when a folder is done (shutdown waits for it, so the next start is warm).
 */
import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import type { AnalysisEngine, Configuration } from '../analysis';
import { STATUS_NOTIFICATION, type StatusParams } from '../protocol';
import { IndexProgress } from './progress';

export class WorkspaceIndexer {
  private readonly running = new Map<string, AbortController>();
  /** The indexes whose walk is still going (it finds the sub-projects), each with what resolves when it ends. */
  private readonly walking = new Map<AbortController, { ended: Promise<void>; end(): void }>();
  /** What the status item shows when no index runs (again after `enable` is switched back on). */
  private readyStatus: StatusParams = { state: 'ready', files: 0 };
  private cacheWritten: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly engine: AnalysisEngine,
    /** Analysis is switched off everywhere: the status says so instead of "ready". */
    private readonly allDisabled: () => boolean,
    /** A folder's index is complete (or stopped), or its walk has ended: its open documents deserve another look. */
    private readonly indexed: (root: string) => void,
    /** The configuration of a sub-project the walk of `root` meets at `folder` (configuration.ts subProjectAt). */
    private readonly subProjectAt: (root: string, folder: string) => Promise<Configuration | undefined>,
  ) {}

  /** Indexes `root`, stopping an index of it already running. */
  async index(root: string): Promise<void> {
    this.running.get(root)?.abort();
    const controller = new AbortController();
    this.running.set(root, controller);
    const started = Date.now();
    let files = 0;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.walking.set(controller, { ended, end });
    /** The walk has set the sub-projects' configurations: the open files that waited for it are checked. */
    const walked = (): void => {
      const walk = this.walking.get(controller);
      if (!walk) return;
      this.walking.delete(controller);
      walk.end();
      this.indexed(root);
    };
    const progress = await IndexProgress.begin(this.connection, `Coroutine Lens: indexing ${path.basename(root)}`, controller);
    try {
      await this.engine.indexWorkspace(root, {
        signal: controller.signal,
        nestedConfiguration: (folder) => this.subProjectAt(root, folder),
        onProgress: (done, total) => {
          files = total;
          // The first report comes after the walk.
          walked();
          if (progress.report(done, total)) this.status({ state: 'indexing', files: done, total });
        },
      });
      const durationMs = Date.now() - started;
      this.connection.console.info(`indexed ${root}: ${files} Python files in ${durationMs} ms`);
      this.status((this.readyStatus = { state: 'ready', files, durationMs }));
      this.cacheWritten = this.engine.flushCache().catch((error: Error) => this.connection.console.warn(`could not write the index cache: ${error.message}`));
    } catch (error) {
      if (controller.signal.aborted) {
        const message = 'indexing was cancelled: findings through files not yet indexed may be missing';
        this.connection.console.info(`${root}: ${message}`);
        this.status({ state: 'ready', files, message });
      } else {
        this.connection.console.error(`indexing ${root} failed: ${(error as Error).stack ?? error}`);
        this.status({ state: 'error', message: `indexing failed: ${(error as Error).message}` });
      }
    } finally {
      progress.done();
      if (this.running.get(root) === controller) this.running.delete(root);
      this.walking.get(controller)?.end();
      this.walking.delete(controller);
    }
    this.indexed(root);
  }

  /** When the walk of `root`'s index is going: a promise of its end (undefined when none is going). */
  walkOf(root: string): Promise<void> | undefined {
    const controller = this.running.get(root);
    return controller && this.walking.get(controller)?.ended;
  }

  stop(root: string): void {
    this.running.get(root)?.abort();
  }

  /** Shutdown: stop indexing, let the cache finish writing. */
  async stopAll(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    await this.cacheWritten;
  }

  /** The configuration changed without a new index: show ready or disabled as it now applies. */
  showState(): void {
    if (this.running.size === 0) this.status(this.readyStatus);
  }

  status(params: StatusParams): void {
    const shown: StatusParams = params.state === 'ready' && this.allDisabled() ? { state: 'disabled' } : params;
    void this.connection.sendNotification(STATUS_NOTIFICATION, shown);
  }
}

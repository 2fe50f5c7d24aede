/**
 * Worker threads for large runs, on the calling side. Each worker loads the grammar once, then
 * serves two kinds of request (workerThread.ts): source text → facts, queued as files are read so
 * parsing overlaps reading, with the calling thread taking queued jobs too once it has read
 * everything; and "analyse your share of these files" on a replica of the engine, the threads
 * taking files from one shared WorkQueue. Workers are unref'd while idle and end after IDLE_MS
 * unused, so neither the CLI nor the language server has to remember to stop them.
 */
import { Worker, isMainThread, workerData } from 'node:worker_threads';
import type { FileResult } from './api';
import type { EngineSnapshot } from './engine';
import type { ModuleFacts } from './facts';

export interface FactsJob {
  text: string;
  module: string;
  isPackage: boolean;
  /** Leave blocks without coroutine code for later, using the prefilter with these extra decorators. */
  lazyWithDecorators?: string[];
}

/** One analysed file, as a worker reports it: its index in the request's file list. */
export interface AnalyzedFile {
  index: number;
  result: FileResult;
  /** Every file the result was computed from (see AnalysisEngine.dependents). */
  dependencies: string[];
}

export interface AnalyzeRequest {
  snapshot: EngineSnapshot;
  files: string[];
  /** A WorkQueue's buffer over `files`; thread 0 is the calling thread, workers are 1…n. */
  queue: SharedArrayBuffer;
}

export type WorkerRequest = { kind: 'facts'; job: FactsJob } | ({ kind: 'analyze'; thread: number } & AnalyzeRequest);
/** `facts` is null when the worker failed on the file: the calling thread parses it again and reports why. */
export type WorkerReply = { kind: 'facts'; facts: ModuleFacts | null } | { kind: 'analyzed'; files: AnalyzedFile[] };

interface QueuedFacts {
  job: FactsJob;
  /** The same work in the calling thread (with its error reporting), when it drains the queue. */
  local(): ModuleFacts | undefined;
  resolve(facts: ModuleFacts | undefined): void;
}

interface PoolWorker {
  worker: Worker;
  /** Receive the replies to the requests in flight, in the order they were sent (a worker answers in order). */
  pending: Array<(reply: WorkerReply | undefined) => void>;
  failed: boolean;
}

const MARKER = 'coroutineLensFactsWorker';
/** Idle workers end after this long unused; the next large run starts new ones. */
const IDLE_MS = 10_000;
/**
 * Facts jobs a worker holds at once: its next job is waiting when it finishes one, instead of
 * after a round trip through the calling thread's event loop, which is busy parsing or reading
 * (with one job at a time a worker idled a third of the eager phase).
 */
const JOBS_IN_FLIGHT = 3;

export class WorkerPool {
  private readonly workers: PoolWorker[];
  private readonly queue: QueuedFacts[] = [];
  private uses = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(script: string, wasmDir: string, count: number) {
    this.workers = Array.from({ length: count }, () => this.start(script, wasmDir));
  }

  /** How many worker threads serve requests. */
  get size(): number {
    return this.workers.filter((w) => !w.failed).length;
  }

  /** Facts of one file, from the first thread free: a worker, or the calling thread in `drain`. */
  extract(job: FactsJob, local: () => ModuleFacts | undefined): Promise<ModuleFacts | undefined> {
    this.begin();
    return new Promise<ModuleFacts | undefined>((resolve) => {
      this.queue.push({ job, local, resolve });
      this.dispatch();
    }).finally(() => this.end());
  }

  /** Works off queued facts jobs in the calling thread too, until the queue is empty. */
  async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      item.resolve(item.local());
      // Let worker replies in, so a worker gets its next job without waiting for this loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Queued jobs no thread has taken are dropped (their promises resolve undefined): the run was aborted. */
  discardQueued(): void {
    for (const item of this.queue.splice(0)) item.resolve(undefined);
  }

  /** Sends the request to every worker; resolves with what each analysed (nothing, for a worker that failed). */
  analyze(request: AnalyzeRequest): Promise<AnalyzedFile[][]> {
    this.begin();
    const replies = this.workers.map(
      (w, i) =>
        new Promise<AnalyzedFile[]>((resolve) => {
          // The other threads take a failed or busy worker's share from the queue.
          if (w.failed || w.pending.length) return resolve([]);
          w.pending.push((reply) => resolve(reply?.kind === 'analyzed' ? reply.files : []));
          w.worker.postMessage({ kind: 'analyze', thread: i + 1, ...request } satisfies WorkerRequest);
        }),
    );
    return Promise.all(replies).finally(() => this.end());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.discardQueued();
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private start(script: string, wasmDir: string): PoolWorker {
    const entry: PoolWorker = { worker: new Worker(script, { workerData: { [MARKER]: true, wasmDir } }), pending: [], failed: false };
    entry.worker.on('message', (reply: WorkerReply) => {
      entry.pending.shift()?.(reply);
      this.dispatch();
    });
    // A worker that fails is not used again; what it had in hand is done by the calling thread.
    const fail = (): void => {
      entry.failed = true;
      for (const onReply of entry.pending.splice(0)) onReply(undefined);
    };
    entry.worker.on('error', fail);
    entry.worker.on('exit', fail);
    // Only after the listeners: adding a 'message' listener refs the worker's port again, and a
    // worker that is never used would then keep the process alive.
    entry.worker.unref();
    return entry;
  }

  /** Hands queued facts jobs to idle workers. */
  private dispatch(): void {
    for (const w of this.workers) {
      while (!w.failed && w.pending.length < JOBS_IN_FLIGHT && this.queue.length) {
        const item = this.queue.shift()!;
        w.pending.push((reply) => {
          // The worker died with the job in hand: this thread does it now (nothing may wait forever).
          item.resolve(reply?.kind === 'facts' ? (reply.facts ?? undefined) : item.local());
        });
        w.worker.postMessage({ kind: 'facts', job: item.job } satisfies WorkerRequest);
      }
    }
  }

  private begin(): void {
    if (this.uses++ === 0) {
      clearTimeout(this.idleTimer);
      for (const w of this.workers) w.worker.ref();
    }
  }

  private end(): void {
    if (--this.uses > 0) return;
    for (const w of this.workers) w.worker.unref();
    this.idleTimer = setTimeout(() => void this.close(), IDLE_MS).unref();
  }
}

/** True in a thread started by WorkerPool: the entry script must then call runFactsWorker(). */
export function isFactsWorker(): boolean {
  return !isMainThread && !!(workerData as Record<string, unknown> | null)?.[MARKER];
}

export async function runFactsWorker(): Promise<void> {
  // Imported here, not at the top: the worker side needs the engine, which imports this module.
  const { serveRequests } = await import('./workerThread.js');
  await serveRequests((workerData as { wasmDir: string }).wasmDir);
}

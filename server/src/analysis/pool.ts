/**
 * Worker threads for cold runs: each worker loads the grammar once and turns source text into
 * facts; the calling thread takes jobs too, so N workers + 1 thread share the list. Jobs are
 * handed out one at a time, so a few huge files do not leave a thread idle.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ModuleFacts } from './facts';
import { factsFromText } from './extract';
import { createParser } from './parser';

export interface FactsJob {
  text: string;
  module: string;
  isPackage: boolean;
  /** Leave blocks without coroutine code for later, using the prefilter with these extra decorators. */
  lazyWithDecorators?: string[];
}

const MARKER = 'coroutineLensFactsWorker';

export class FactsPool {
  private readonly workers: Worker[];

  constructor(script: string, wasmDir: string, count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(script, { workerData: { [MARKER]: true, wasmDir } }));
  }

  async extractAll(jobs: FactsJob[], local: (job: FactsJob) => ModuleFacts | undefined): Promise<Array<ModuleFacts | undefined>> {
    const results: Array<ModuleFacts | undefined> = new Array(jobs.length);
    let next = 0;
    const runWorker = (worker: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        let current = -1;
        const send = (): void => {
          if (next >= jobs.length) {
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolve();
            return;
          }
          current = next++;
          worker.postMessage(jobs[current]);
        };
        const onMessage = (facts: ModuleFacts | null): void => {
          results[current] = facts ?? undefined;
          send();
        };
        worker.on('message', onMessage);
        worker.on('error', reject);
        send();
      });
    const runLocal = async (): Promise<void> => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = local(jobs[index]!);
        // Let worker replies in, so workers get their next job without waiting for this loop.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all([...this.workers.map(runWorker), runLocal()]);
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** True in a thread started by FactsPool: the entry script must then call runFactsWorker(). */
export function isFactsWorker(): boolean {
  return !isMainThread && !!(workerData as Record<string, unknown> | null)?.[MARKER];
}

export async function runFactsWorker(): Promise<void> {
  const parser = await createParser((workerData as { wasmDir: string }).wasmDir);
  parentPort!.on('message', (job: FactsJob) => {
    let facts: ModuleFacts | null = null;
    try {
      facts = factsFromText(parser, job.text, job.module, job.isPackage, job.lazyWithDecorators) ?? null;
    } catch {
      facts = null; // the calling thread parses it again and reports the error there
    }
    parentPort!.postMessage(facts);
  });
}

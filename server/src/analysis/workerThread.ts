/**
 * The worker side of pool.ts: one parser per thread; facts requests are parsed with it, analyse
 * requests build a replica of the calling thread's engine from its snapshot and analyse the
 * files this thread takes from the shared queue.
 */
import { parentPort } from 'node:worker_threads';
import { AnalysisEngine } from './engine';
import { factsFromText } from './extract';
import type { ModuleFacts } from './facts';
import { createParser } from './parser';
import type { WorkerReply, WorkerRequest } from './pool';
import { WorkQueue } from './workQueue';

export async function serveRequests(wasmDir: string): Promise<void> {
  const parser = await createParser(wasmDir);
  parentPort!.on('message', (request: WorkerRequest) => {
    let reply: WorkerReply;
    if (request.kind === 'facts') {
      const { text, module, isPackage, lazyWithDecorators } = request.job;
      let facts: ModuleFacts | null = null;
      try {
        facts = factsFromText(parser, text, module, isPackage, lazyWithDecorators) ?? null;
      } catch {
        facts = null; // the calling thread parses it again and reports the error there
      }
      reply = { kind: 'facts', facts };
    } else {
      const engine = AnalysisEngine.replica(parser, request.snapshot);
      reply = { kind: 'analyzed', files: engine.analyzeTaken(request.files, new WorkQueue(request.queue), request.thread) };
    }
    parentPort!.postMessage(reply);
  });
}

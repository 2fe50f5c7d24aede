/** How the engine reads files: injected so the language server can serve editor buffers and tests can fake a disk. */
import { promises as fs, readFileSync } from 'node:fs';

export interface SourceReader {
  readFile(path: string): Promise<Uint8Array>;
  /** Used when resolution needs a module nobody has read yet, mid-analysis; node fs when absent. */
  readFileSync?(path: string): Uint8Array;
  /** It reads the disk through node's fs (no editor buffers, no fake disk): an engine's replica in a worker may read the same files itself. */
  readonly disk?: boolean;
}

export const nodeReader: SourceReader = {
  readFile: (path) => fs.readFile(path),
  readFileSync: (path) => readFileSync(path),
  disk: true,
};

/**
 * The disk read synchronously, for batch runs (the CLI). Over thousands of small files
 * `fs.promises.readFile` costs about 4× the CPU of `readFileSync` (open, stat, read and close are
 * each a round trip through libuv's thread pool: ~310 against ~70 ms for the bench corpus's 3,026
 * files), CPU that competes with the parse workers. The engine yields to the event loop between
 * batches of files, so the workers' replies are still taken promptly. Not for the language server:
 * a slow disk would stall its event loop for a whole batch.
 */
export const blockingNodeReader: SourceReader = {
  readFile: async (path) => readFileSync(path),
  readFileSync: (path) => readFileSync(path),
  disk: true,
};

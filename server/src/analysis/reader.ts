/** How the engine reads files: injected so the language server can serve editor buffers and tests can fake a disk. */
import { promises as fs, readFileSync } from 'node:fs';

export interface SourceReader {
  readFile(path: string): Promise<Uint8Array>;
  /** Used when resolution needs a module nobody has read yet, mid-analysis; node fs when absent. */
  readFileSync?(path: string): Uint8Array;
}

export const nodeReader: SourceReader = {
  readFile: (path) => fs.readFile(path),
  readFileSync: (path) => readFileSync(path),
};

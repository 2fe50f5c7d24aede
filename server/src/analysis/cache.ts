/**
 * The on-disk facts cache: per file, the stat it was read with, the content hash, whether the
 * prefilter found coroutine code, and the extracted facts. Facts depend only on the file's bytes
 * and the engine version (both in the key); findings — which also depend on the configuration
 * and on other files — are always recomputed from facts, so a changed dependency or setting can
 * never leave a stale finding behind.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileResult } from './api';
import type { ModuleFacts } from './facts';
import type { StatementCalls } from './prefilter';
import { ENGINE_VERSION } from './version';

export interface CachedFile {
  mtimeMs: number;
  size: number;
  hash: string;
  /** The prefilter's verdict: the file may contain coroutine code. */
  relevant: boolean;
  /** For a file the prefilter rejects: its statement calls and imports (prefilter.ts statementCalls). */
  calls?: StatementCalls;
  facts?: ModuleFacts;
  problem?: string;
}

/** A file's findings, valid while `key` (configuration + module set) and every dependency's hash hold. */
export interface CachedResult {
  key: string;
  dependencies: Record<string, string>;
  result: FileResult;
}

interface CacheFile {
  engineVersion: string;
  files: Record<string, CachedFile>;
  results?: Record<string, CachedResult>;
}

const GITIGNORE = '# Automatically created by coroutine-lens.\n*\n';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export class FactsCache {
  private files: Record<string, CachedFile> = {};
  private results: Record<string, CachedResult> = {};
  private dirty = false;

  private constructor(private readonly file: string) {}

  /** Opens the cache for `root` under `cacheDir`; a missing, corrupt or other-version cache is empty. */
  static async open(cacheDir: string, root: string): Promise<FactsCache> {
    const name = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
    const cache = new FactsCache(path.join(cacheDir, `facts-${name}.json`));
    try {
      const stored = JSON.parse(await fs.readFile(cache.file, 'utf8')) as CacheFile;
      if (stored.engineVersion === ENGINE_VERSION && stored.files && typeof stored.files === 'object') {
        cache.files = stored.files;
        cache.results = stored.results ?? {};
      }
    } catch {
      // No cache yet, or unreadable: start empty; it is rewritten on save.
    }
    return cache;
  }

  get(file: string): CachedFile | undefined {
    return this.files[file];
  }

  set(file: string, entry: CachedFile): void {
    this.files[file] = entry;
    this.dirty = true;
  }

  getResult(file: string): CachedResult | undefined {
    return this.results[file];
  }

  setResult(file: string, result: CachedResult): void {
    this.results[file] = result;
    this.dirty = true;
  }

  /** Facts already stored were completed in place (a lazy block parsed): write them on save. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Drops entries of files that no longer exist, so the cache does not grow without bound. */
  retainOnly(existing: ReadonlySet<string>): void {
    for (const file of Object.keys(this.files)) {
      if (!existing.has(file)) {
        delete this.files[file];
        delete this.results[file];
        this.dirty = true;
      }
    }
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const created = await fs.mkdir(path.dirname(this.file), { recursive: true });
    // A folder this cache made holds nothing to commit: say so to git, as ruff does for `.ruff_cache`.
    // Only then — a `--cache-dir` the user points at an existing folder keeps whatever it has.
    if (created !== undefined) await fs.writeFile(path.join(path.dirname(this.file), '.gitignore'), GITIGNORE, { flag: 'wx' }).catch(() => undefined);
    const temporary = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, JSON.stringify({ engineVersion: ENGINE_VERSION, files: this.files, results: this.results } satisfies CacheFile));
    await fs.rename(temporary, this.file);
    this.dirty = false;
  }
}

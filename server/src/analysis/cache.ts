/**
 * The on-disk cache of one root, in two files. The index (`index-*.json`, small) holds per file the
 * stat it was read with, the content hash, the prefilter's verdict, the names of its coroutine
 * functions, and its last findings with the keys that prove them valid. The facts store
 * (`facts-*.json`, most of the bytes) holds the extracted facts and is read only when something
 * must be analysed again: a warm run where nothing changed reads the index alone.
 *
 * Facts and the prefilter's verdict depend on the file's bytes, the engine version and the settings
 * that decide what is coroutine code (extra coroutine decorators; lazy parsing): a cache written
 * under other ones is empty (`factsKey`). Facts also depend on the module name they were extracted
 * under (relative imports are made absolute): stored facts are used only under the same name.
 * Findings — which also depend on the rest of the configuration and on other files — are reused
 * only while their key and every dependency's hash hold, so a changed dependency or setting never
 * leaves a stale finding behind.
 */
import { createHash } from 'node:crypto';
import { readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileResult } from './api';
import { coroutineFunctionNames } from './coroutineFunctions';
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
  /** Present when the facts store holds this file's facts: the names of its coroutine functions. */
  coroutines?: string[];
  /** The text names a library whose objects block when iterated (catalogue.ts namesIterableLibrary). */
  namesIterableLibrary?: true;
  problem?: string;
}

/** A file's findings, valid while `key` (configuration + module set) and every dependency's hash hold. */
export interface CachedResult {
  key: string;
  dependencies: Record<string, string>;
  result: FileResult;
}

interface IndexFile {
  engineVersion: string;
  factsKey: string;
  files: Record<string, CachedFile>;
  results?: Record<string, CachedResult>;
}

/**
 * Facts are kept with the hash of the bytes they came from (a store and an index written by different
 * runs never mix) and the module name they were extracted under (`pkg.__init__` for a package's own).
 */
interface StoredFacts {
  hash: string;
  module: string;
  facts: ModuleFacts;
}

interface FactsFile {
  engineVersion: string;
  factsKey: string;
  facts: Record<string, StoredFacts>;
}

const GITIGNORE = '# Automatically created by coroutine-lens.\n*\n';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export class FactsCache {
  private files: Record<string, CachedFile> = {};
  private results: Record<string, CachedResult> = {};
  /** The facts store, once something needed it (undefined: not read yet). */
  private stored: Record<string, StoredFacts> | undefined;
  private dirty = false;
  private factsDirty = false;

  private constructor(
    /** The settings facts were extracted under (see the file comment). */
    readonly factsKey: string,
    private readonly indexFile: string,
    private readonly factsFile: string,
  ) {}

  /** Opens the cache for `root` under `cacheDir`; a missing, corrupt, other-version or other-`factsKey` cache is empty. */
  static async open(cacheDir: string, root: string, factsKey: string): Promise<FactsCache> {
    const name = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
    const cache = new FactsCache(factsKey, path.join(cacheDir, `index-${name}.json`), path.join(cacheDir, `facts-${name}.json`));
    try {
      const stored = JSON.parse(await fs.readFile(cache.indexFile, 'utf8')) as IndexFile;
      if (stored.engineVersion === ENGINE_VERSION && stored.factsKey === factsKey && stored.files && typeof stored.files === 'object') {
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

  /** Records a file; with `extracted` facts (and the module name they were extracted under), they are stored under `entry.hash` and `entry.coroutines` is set from them. */
  set(file: string, entry: CachedFile, extracted?: { module: string; facts: ModuleFacts }): void {
    if (extracted) {
      this.store()[file] = { hash: entry.hash, module: extracted.module, facts: extracted.facts };
      entry = { ...entry, coroutines: coroutineFunctionNames(extracted.facts) };
      this.factsDirty = true;
    }
    this.files[file] = entry;
    this.dirty = true;
  }

  /**
   * The stored facts of `file` when they came from bytes with `hash` under the name `module`, else
   * undefined. The first call reads the whole facts store (synchronously: resolution asks for facts mid-walk).
   */
  facts(file: string, hash: string, module: string): ModuleFacts | undefined {
    const stored = this.store()[file];
    return stored?.hash === hash && stored.module === module ? stored.facts : undefined;
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
    this.factsDirty = true;
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
    const created = await makeFolder(path.dirname(this.indexFile));
    // A folder this cache made holds nothing to commit: say so to git, as ruff does for `.ruff_cache`.
    // Only then — a `--cache-dir` the user points at an existing folder keeps whatever it has.
    if (created !== undefined) await fs.writeFile(path.join(path.dirname(this.indexFile), '.gitignore'), GITIGNORE, { flag: 'wx' }).catch(() => undefined);
    // The store first: an index is never written ahead of the facts it announces.
    if (this.factsDirty && this.stored) {
      const kept: Record<string, StoredFacts> = {};
      for (const [file, stored] of Object.entries(this.stored)) {
        const entry = this.files[file];
        if (entry?.hash !== stored.hash) continue; // a removed or changed file: its facts are dead weight
        kept[file] = stored;
        // Lazy blocks parsed since may have defined coroutine functions: the index's names follow the facts.
        entry.coroutines = coroutineFunctionNames(stored.facts);
      }
      this.stored = kept;
      await writeAtomically(this.factsFile, JSON.stringify({ engineVersion: ENGINE_VERSION, factsKey: this.factsKey, facts: kept } satisfies FactsFile));
      this.factsDirty = false;
    }
    await writeAtomically(this.indexFile, JSON.stringify({ engineVersion: ENGINE_VERSION, factsKey: this.factsKey, files: this.files, results: this.results } satisfies IndexFile));
    this.dirty = false;
  }

  private store(): Record<string, StoredFacts> {
    if (!this.stored) {
      this.stored = {};
      try {
        const read = JSON.parse(readFileSync(this.factsFile, 'utf8')) as FactsFile;
        if (read.engineVersion === ENGINE_VERSION && read.factsKey === this.factsKey && read.facts && typeof read.facts === 'object') this.stored = read.facts;
      } catch {
        // No store yet, or unreadable: every file's facts are parsed again from its source.
      }
      // Index entries whose facts the store lacks announce nothing any more.
      for (const [file, entry] of Object.entries(this.files)) {
        if (entry.coroutines && this.stored[file]?.hash !== entry.hash) {
          delete entry.coroutines;
          this.dirty = true;
        }
      }
    }
    return this.stored;
  }
}

/**
 * `mkdir -p` that fails instead of spinning: Node's `{ recursive: true }` answers an ENOENT by making
 * the parent and trying again, forever where the parent exists but cannot hold the child (procfs,
 * which answers ENOENT to every mkdir). Returns the first folder it made, undefined when `dir` existed.
 */
async function makeFolder(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const stat = await fs.stat(d).catch(() => undefined);
    if (stat) {
      if (!stat.isDirectory()) throw new Error(`ENOTDIR: not a directory: ${d}`);
      break;
    }
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) await fs.mkdir(d).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // made meanwhile by another process: fine
  });
  return missing[0];
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, text);
  await fs.rename(temporary, file);
}

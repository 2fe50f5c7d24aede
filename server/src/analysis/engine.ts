/**
 * AnalysisEngine: the workspace model the CLI and the language server drive.
 * Files are known by path (module name from their package folders); their facts are extracted
 * up front for files the prefilter marks as coroutine code and on demand for the rest (when a
 * call resolves into them). Editor buffers override the disk and are re-parsed incrementally.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser, Tree } from 'web-tree-sitter';
import { Edit } from './parser';
import type { FileResult, Note } from './api';
import { FactsCache, contentHash, type CachedFile } from './cache';
import { configurationKey, defaultConfiguration, type Configuration } from './config';
import type { ModuleFacts } from './facts';
import { BufferFacts } from './incremental';
import { factsFromText, materialize } from './extract';
import { moduleNameOf } from './modules';
import { createParser } from './parser';
import { prefilterFor } from './prefilter';
import { nodeReader, type SourceReader } from './reader';
import { Resolver, type ModuleSource, type WorkspaceView } from './resolve';
import { Checker, toRange } from './rules/checks';
import { decodeSource } from './source';
import { walkPython } from './walk';
import { FactsPool } from './pool';

export interface EngineOptions {
  /** Folder holding web-tree-sitter.wasm and tree-sitter-python.wasm. */
  wasmDir: string;
  reader?: SourceReader;
  /** Where the facts cache lives; no cache without it. */
  cacheDir?: string;
  /** Parse cold files in this many worker threads (0: in this thread). Needs `workerScript`. */
  workers?: number;
  /** A script that calls `runFactsWorker()` when started as a worker (the CLI bundle itself). */
  workerScript?: string;
  /** Parse blocks without coroutine code only when needed (default true; false parses every file whole). */
  lazyParsing?: boolean;
}

/** Below this many files a cold run parses in the calling thread (workers cost a WASM start-up each). */
const POOL_MIN_FILES = 300;

interface FileEntry {
  path: string;
  module: string;
  isPackage: boolean;
  /** The prefilter's verdict (undefined until read). */
  relevant?: boolean;
  facts?: ModuleFacts;
  /** Why the file could not be analysed (read error, encoding, size …). */
  problem?: string;
  /** Editor buffer text, overriding the disk. */
  text?: string;
  tree?: Tree;
  /** The buffer's facts per top-level statement, so an edit re-extracts only what it changed. */
  bufferFacts?: BufferFacts;
  stat?: { mtimeMs: number; size: number };
}

export class AnalysisEngine {
  private readonly files = new Map<string, FileEntry>();
  private readonly modules = new Map<string, string>();
  private readonly packageDirs = new Set<string>();
  private readonly configs = new Map<string, Configuration>();
  private checkers = new Map<string, Checker>();
  /** Results computed since the last change to anything they depend on (see invalidate). */
  private readonly results = new Map<string, FileResult>();
  private readonly walkNotes = new Map<string, Note[]>();
  /** Files each analysed file's findings were computed from (the reverse gives `dependents`). */
  private readonly dependencies = new Map<string, Set<string>>();
  private collecting: Set<string> | undefined;
  private readonly caches = new Map<string, FactsCache>();
  private readonly view: WorkspaceView;
  private names: Set<string> | undefined;
  private moduleSetKey: string | undefined;
  /** Source lines of files whose lazy blocks are being parsed (read once per file, not per block). */
  private readonly linesForLazy = new Map<string, string[]>();

  private constructor(
    private readonly parser: Parser,
    private readonly options: EngineOptions,
    private readonly reader: SourceReader,
  ) {
    this.view = {
      hasModule: (name) => this.modules.has(name),
      module: (name) => {
        const file = this.modules.get(name);
        return file === undefined ? undefined : this.source(file);
      },
      materialize: (source, classIndex, name) => this.materialize(source, classIndex, name),
      coroutineNames: () => {
        if (!this.names) {
          // Every coroutine function is in eager facts: the prefilter never leaves `async def` lazy.
          this.names = new Set();
          for (const entry of this.files.values()) {
            for (const fn of entry.facts?.functions ?? []) if (fn.isAsync) this.names.add(fn.name);
          }
        }
        return this.names;
      },
    };
  }

  static async create(options: EngineOptions): Promise<AnalysisEngine> {
    const parser = await createParser(options.wasmDir);
    return new AnalysisEngine(parser, options, options.reader ?? nodeReader);
  }

  setConfiguration(root: string, config: Configuration): void {
    this.configs.set(path.resolve(root), config);
    this.invalidate();
  }

  /** The configuration that applies to `file`: the one of the innermost configured root. */
  configurationFor(file: string): Configuration {
    let best: string | undefined;
    for (const root of this.configs.keys()) {
      if ((file === root || file.startsWith(root + path.sep)) && (!best || root.length > best.length)) best = root;
    }
    return best ? this.configs.get(best)! : defaultConfiguration();
  }

  /** Walks root (skipping excluded paths, .git, venvs, node_modules), indexes every .py file. */
  async indexWorkspace(root: string, options: { onProgress?(done: number, total: number): void; signal?: AbortSignal } = {}): Promise<void> {
    root = path.resolve(root);
    const config = this.configurationFor(root);
    const stat = await fs.promises.stat(root).catch(() => undefined);
    if (stat?.isFile()) {
      this.packageDirsAbove(root);
      await this.loadFiles(root, [{ path: root, size: stat.size, mtimeMs: stat.mtimeMs }], config, options);
      return;
    }
    const walked = await walkPython(root, config.exclude, options.signal);
    for (const dir of walked.packages) this.packageDirs.add(dir);
    this.walkNotes.set(root, walked.problems.map((p) => ({ path: p.path, message: p.message })));
    await this.loadFiles(root, walked.files, config, options);
  }

  /** Problems met while walking a root (symlink loops, unreadable folders). */
  workspaceNotes(root: string): Note[] {
    return this.walkNotes.get(path.resolve(root)) ?? [];
  }

  /** Every indexed file under `root` (or every file), in path order. */
  indexedFiles(root?: string): string[] {
    const prefix = root && path.resolve(root);
    return [...this.files.keys()].filter((f) => !prefix || f === prefix || f.startsWith(prefix + path.sep)).sort();
  }

  /** Whether the prefilter found coroutine code (files without it cannot have findings). */
  mayHaveFindings(file: string): boolean {
    const entry = this.files.get(path.resolve(file));
    return !!entry && entry.relevant !== false;
  }

  /** Why a file could not be read or decoded, without parsing it. */
  fileNotes(file: string): Note[] {
    const entry = this.files.get(path.resolve(file));
    return entry?.problem ? [{ path: entry.path, message: entry.problem }] : [];
  }

  /** An editor buffer's text replaces the file on disk until removeFile/closeFile. Re-parses incrementally. */
  updateFile(file: string, text: string): void {
    file = path.resolve(file);
    const entry = this.entry(file);
    const old = entry.text;
    let tree: Tree | undefined;
    if (entry.tree && old !== undefined) {
      entry.tree.edit(editBetween(old, text));
      tree = this.parser.parse(text, entry.tree) ?? undefined;
      entry.tree.delete();
    } else {
      tree = this.parser.parse(text) ?? undefined;
    }
    entry.text = text;
    entry.tree = tree;
    entry.problem = undefined;
    entry.relevant = true;
    entry.bufferFacts ??= new BufferFacts(entry.module, entry.isPackage);
    const facts = tree ? entry.bufferFacts.extract(tree, text) : undefined;
    // Findings come from facts alone (a buffer has no lazy blocks to read from its text): equal facts, equal findings everywhere.
    const unchanged = facts !== undefined && facts === entry.facts;
    entry.facts = facts;
    if (!unchanged) this.invalidate();
  }

  /** The buffer is closed, or the file changed on disk: the file on disk applies again. */
  closeFile(file: string): void {
    const entry = this.files.get(path.resolve(file));
    if (!entry) return;
    entry.tree?.delete();
    entry.tree = undefined;
    entry.bufferFacts = undefined;
    entry.text = undefined;
    entry.facts = undefined;
    entry.relevant = undefined;
    entry.problem = undefined;
    // The disk may have changed too (the language server also calls this for watched-file events):
    // forget the stat, so no cached result that read this file is trusted until it is indexed again.
    entry.stat = undefined;
    this.invalidate();
  }

  /** The file is gone (deleted, or excluded). */
  removeFile(file: string): void {
    file = path.resolve(file);
    const entry = this.files.get(file);
    if (!entry) return;
    entry.tree?.delete();
    this.files.delete(file);
    if (this.modules.get(entry.module) === file) this.modules.delete(entry.module);
    this.dependencies.delete(file);
    this.invalidate();
  }

  analyzeFile(file: string): FileResult {
    file = path.resolve(file);
    if (!this.files.has(file)) this.entry(file);
    let result = this.results.get(file);
    if (!result) {
      result = this.storedResult(file) ?? this.computeResult(file);
      this.results.set(file, result);
    }
    return result;
  }

  private computeResult(file: string): FileResult {
    const result: FileResult = { path: file, findings: [], notes: [] };
    const source = this.source(file);
    const entry = this.files.get(file)!;
    if (entry.problem) result.notes.push({ path: file, message: entry.problem });
    if (!source) return result;
    for (const problem of source.facts.problems) {
      result.notes.push({ path: file, message: problem.message, ...(problem.span ? { range: toRange(problem.span) } : {}) });
    }
    const checker = this.checker(file);
    this.collecting = new Set([file]);
    checker.dependencySink = this.collecting;
    try {
      result.findings = checker.check(source);
    } catch (error) {
      result.notes.push({ path: file, message: `not checked: the engine failed on this file (${(error as Error).message})` });
    } finally {
      checker.dependencySink = undefined;
      this.dependencies.set(file, this.collecting);
      this.collecting = undefined;
    }
    result.findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
    this.storeResult(file, result);
    return result;
  }

  /**
   * The findings cache: a file's result is reused when the configuration, the set of workspace
   * modules and the content hash of every file its analysis read are all unchanged.
   */
  private resultKey(file: string): string {
    this.moduleSetKey ??= contentHash(Buffer.from([...this.modules.keys()].sort().join('\n')));
    return `${configurationKey(this.configurationFor(file))}|${this.moduleSetKey}`;
  }

  /** The content hash a file had when this run indexed it (undefined for buffers and unknown files). */
  private currentHash(file: string): string | undefined {
    const entry = this.files.get(file);
    if (!entry || entry.text !== undefined || !entry.stat) return undefined;
    const cached = this.cacheOf(file)?.get(file);
    return cached && cached.mtimeMs === entry.stat.mtimeMs && cached.size === entry.stat.size ? cached.hash : undefined;
  }

  private storedResult(file: string): FileResult | undefined {
    const stored = this.cacheOf(file)?.getResult(file);
    if (!stored || this.currentHash(file) === undefined || stored.key !== this.resultKey(file)) return undefined;
    for (const [dependency, hash] of Object.entries(stored.dependencies)) if (this.currentHash(dependency) !== hash) return undefined;
    this.dependencies.set(file, new Set(Object.keys(stored.dependencies)));
    return stored.result;
  }

  private storeResult(file: string, result: FileResult): void {
    const cache = this.cacheOf(file);
    if (!cache) return;
    const dependencies: Record<string, string> = {};
    for (const dependency of this.dependencies.get(file) ?? []) {
      const hash = this.currentHash(dependency);
      if (hash === undefined) return; // depends on something unhashable (a buffer): do not cache
      dependencies[dependency] = hash;
    }
    cache.setResult(file, { key: this.resultKey(file), dependencies, result });
  }

  /** Files whose findings may change because `file` changed (transitive callers). */
  dependents(file: string): string[] {
    file = path.resolve(file);
    const result: string[] = [];
    for (const [analysed, deps] of this.dependencies) if (analysed !== file && deps.has(file)) result.push(analysed);
    return result.sort();
  }

  /** Writes the facts cache(s) to disk. */
  async flushCache(): Promise<void> {
    for (const cache of this.caches.values()) await cache.save();
  }

  private checker(file: string): Checker {
    const config = this.configurationFor(file);
    const key = [...this.configs.entries()].find(([, c]) => c === config)?.[0] ?? '';
    let checker = this.checkers.get(key);
    if (!checker) {
      const view: WorkspaceView = {
        hasModule: this.view.hasModule,
        materialize: this.view.materialize,
        coroutineNames: this.view.coroutineNames,
        module: (name) => {
          const found = this.view.module(name);
          if (found) this.collecting?.add(found.path);
          return found;
        },
      };
      checker = new Checker(new Resolver(view), config);
      this.checkers.set(key, checker);
    }
    return checker;
  }

  private invalidate(): void {
    this.checkers = new Map();
    this.results.clear();
    this.moduleSetKey = undefined;
    this.names = undefined;
    this.linesForLazy.clear();
  }

  private entry(file: string): FileEntry {
    let entry = this.files.get(file);
    if (!entry) {
      const { module, isPackage } = moduleNameOf(file, (dir) => this.packageDirs.has(dir) || fs.existsSync(path.join(dir, '__init__.py')));
      entry = { path: file, module, isPackage };
      this.files.set(file, entry);
      this.results.clear(); // a new module name can change what resolution finds
      // The first file to claim a module name keeps it (stable under directory order).
      if (!this.modules.has(module)) this.modules.set(module, file);
    }
    return entry;
  }

  private packageDirsAbove(file: string): void {
    for (let dir = path.dirname(file); fs.existsSync(path.join(dir, '__init__.py')); dir = path.dirname(dir)) {
      this.packageDirs.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }

  /** Facts of a file, parsing it now if nobody has yet (synchronous: resolution needs it mid-walk). */
  private source(file: string): ModuleSource | undefined {
    const entry = this.files.get(file);
    if (!entry) return undefined;
    if (!entry.facts && !entry.problem) {
      let text = entry.text;
      let hash: string | undefined;
      if (text === undefined) {
        try {
          const bytes = this.reader.readFileSync ? this.reader.readFileSync(file) : fs.readFileSync(file);
          hash = contentHash(bytes);
          const decoded = decodeSource(bytes, this.configurationFor(file).maxFileBytes);
          if ('problem' in decoded) entry.problem = decoded.problem;
          else text = decoded.text;
        } catch (error) {
          entry.problem = `cannot read: ${(error as Error).message}`;
        }
      }
      if (text !== undefined) entry.facts = this.parse(text, entry);
      // Facts parsed on demand are cached too, so a warm run parses nothing that did not change.
      const cache = this.cacheOf(file);
      const cached = cache?.get(file);
      if (cache && cached && hash === cached.hash && entry.text === undefined) {
        cache.set(file, { ...cached, ...(entry.facts ? { facts: entry.facts } : {}), ...(entry.problem ? { problem: entry.problem } : {}) });
      }
    }
    return entry.facts && { path: file, module: entry.module, facts: entry.facts };
  }

  /** Facts of a file read from disk: blocks without coroutine code are left lazy (chunks.ts). */
  private parse(text: string, entry: FileEntry): ModuleFacts | undefined {
    try {
      return factsFromText(this.parser, text, entry.module, entry.isPackage, this.lazyDecorators(entry.path));
    } catch (error) {
      // One pathological file (a stack-deep expression, say) is a note on that file, never the end of the run.
      entry.problem = `not analysed: the engine failed on this file (${(error as Error).message})`;
      return undefined;
    }
  }

  /** The extra decorators for lazy parsing of `file`, or undefined when lazy parsing is off. */
  private lazyDecorators(file: string): string[] | undefined {
    return this.options.lazyParsing === false ? undefined : this.configurationFor(file).extraCoroutineDecorators;
  }

  /** Parses lazy blocks now; called by resolution when a call leads into them. */
  private materialize(source: ModuleSource, classIndex: number | undefined, names: string[]): void {
    const entry = this.files.get(source.path);
    let lines = this.linesForLazy.get(source.path);
    if (!lines) {
      let text = entry?.text;
      if (entry && text === undefined) {
        try {
          const bytes = this.reader.readFileSync ? this.reader.readFileSync(entry.path) : fs.readFileSync(entry.path);
          const decoded = decodeSource(bytes, this.configurationFor(entry.path).maxFileBytes);
          if ('text' in decoded) text = decoded.text;
        } catch {
          // The file vanished since it was indexed: its blocks stay unknown, and unknown is never blocking.
        }
      }
      lines = (text ?? '').split('\n');
      this.linesForLazy.set(source.path, lines);
    }
    if (materialize(this.parser, source.facts, lines, source.module, entry?.isPackage ?? false, classIndex, names)) this.cacheOf(source.path)?.markDirty();
  }

  private cacheOf(file: string): FactsCache | undefined {
    for (const [root, cache] of this.caches) if (file.startsWith(root + path.sep)) return cache;
    return undefined;
  }

  private async cacheFor(root: string): Promise<FactsCache | undefined> {
    if (!this.options.cacheDir) return undefined;
    let cache = this.caches.get(root);
    if (!cache) {
      cache = await FactsCache.open(this.options.cacheDir, root);
      this.caches.set(root, cache);
    }
    return cache;
  }

  private async loadFiles(
    root: string,
    files: Array<{ path: string; size: number; mtimeMs: number }>,
    config: Configuration,
    options: { onProgress?(done: number, total: number): void; signal?: AbortSignal },
  ): Promise<void> {
    const cache = await this.cacheFor(root);
    const relevant = prefilterFor(config.extraCoroutineDecorators);
    let pool: FactsPool | undefined;
    const toParse: Array<{ entry: FileEntry; text: string; cached: CachedFile }> = [];
    let done = 0;
    const batch = 64;
    for (let start = 0; start < files.length; start += batch) {
      if (options.signal?.aborted) return;
      await Promise.all(
        files.slice(start, start + batch).map(async (file) => {
          const entry = this.entry(file.path);
          if (entry.text !== undefined) return; // an open editor buffer wins over the disk
          entry.stat = { mtimeMs: file.mtimeMs, size: file.size };
          entry.facts = undefined;
          entry.problem = undefined;
          const cached = cache?.get(file.path);
          if (cached && cached.mtimeMs === file.mtimeMs && cached.size === file.size && (cached.facts || !cached.relevant || cached.problem)) {
            this.adopt(entry, cached);
            return;
          }
          let bytes: Uint8Array;
          try {
            bytes = await this.reader.readFile(file.path);
          } catch (error) {
            entry.problem = `cannot read: ${(error as Error).message}`;
            return;
          }
          const hash = contentHash(bytes);
          if (cached && cached.hash === hash && (cached.facts || !cached.relevant || cached.problem)) {
            this.adopt(entry, cached);
            cache?.set(file.path, { ...cached, mtimeMs: file.mtimeMs, size: file.size });
            return;
          }
          const decoded = decodeSource(bytes, config.maxFileBytes);
          const fresh: CachedFile = { mtimeMs: file.mtimeMs, size: file.size, hash, relevant: false };
          if ('problem' in decoded) {
            fresh.problem = decoded.problem;
            entry.problem = decoded.problem;
          } else {
            fresh.relevant = relevant(decoded.text);
            entry.relevant = fresh.relevant;
            if (fresh.relevant) {
              toParse.push({ entry, text: decoded.text, cached: fresh });
              // Start the workers at the first file to parse, so their start-up overlaps the reading.
              if (!pool && files.length >= POOL_MIN_FILES && (this.options.workers ?? 0) > 0 && this.options.workerScript) {
                pool = new FactsPool(this.options.workerScript, this.options.wasmDir, this.options.workers!);
              }
            }
          }
          if (!fresh.relevant) cache?.set(file.path, fresh);
        }),
      );
      done = Math.min(files.length, start + batch);
      options.onProgress?.(done, files.length);
    }
    try {
      await this.parseAll(toParse, cache, pool);
    } finally {
      await pool?.close();
    }
    cache?.retainOnly(new Set([...this.files.keys()].filter((f) => f.startsWith(root))));
    this.invalidate();
  }

  private adopt(entry: FileEntry, cached: CachedFile): void {
    entry.relevant = cached.relevant;
    if (cached.facts) entry.facts = cached.facts;
    if (cached.problem) entry.problem = cached.problem;
  }

  /** Parses the prefiltered files: shared with the worker pool when there is one, else here. */
  private async parseAll(items: Array<{ entry: FileEntry; text: string; cached: CachedFile }>, cache: FactsCache | undefined, pool: FactsPool | undefined): Promise<void> {
    let results: Array<ModuleFacts | undefined>;
    if (pool) {
      const jobs = items.map((i) => ({
        text: i.text,
        module: i.entry.module,
        isPackage: i.entry.isPackage,
        lazyWithDecorators: this.lazyDecorators(i.entry.path),
      }));
      results = await pool.extractAll(jobs, (job) => factsFromText(this.parser, job.text, job.module, job.isPackage, job.lazyWithDecorators));
    } else {
      results = items.map((i) => this.parse(i.text, i.entry));
    }
    items.forEach((item, i) => {
      const facts = results[i];
      if (facts) {
        item.entry.facts = facts;
        item.cached.facts = facts;
      }
      cache?.set(item.entry.path, item.cached);
    });
  }

}

/** The single edit that turns `before` into `after` (common prefix and suffix kept), for tree.edit. */
function editBetween(before: string, after: string): Edit {
  const start = commonPrefix(before, after);
  const suffix = commonSuffix(before, after, Math.min(before.length, after.length) - start);
  const endBefore = before.length - suffix;
  const endAfter = after.length - suffix;
  const point = (text: string, index: number): { row: number; column: number } => {
    let row = 0;
    let lineStart = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
      row++;
      lineStart = i + 1;
    }
    return { row, column: index - lineStart };
  };
  return new Edit({
    startIndex: start,
    oldEndIndex: endBefore,
    newEndIndex: endAfter,
    startPosition: point(before, start),
    oldEndPosition: point(before, endBefore),
    newEndPosition: point(after, endAfter),
  });
}

/** Strings are compared a block at a time (native comparison), then character by character in the first block that differs. */
const BLOCK = 1024;

/** Length of the common prefix of `a` and `b`. */
function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start + BLOCK <= max && a.substring(start, start + BLOCK) === b.substring(start, start + BLOCK)) start += BLOCK;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  return start;
}

/** Length of the common suffix of `a` and `b`, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let length = 0;
  while (length + BLOCK <= max && a.substring(a.length - length - BLOCK, a.length - length) === b.substring(b.length - length - BLOCK, b.length - length)) length += BLOCK;
  while (length < max && a.charCodeAt(a.length - length - 1) === b.charCodeAt(b.length - length - 1)) length++;
  return length;
}

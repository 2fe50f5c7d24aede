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
import { coroutineFunctionNames } from './coroutineFunctions';
import { configurationKey, configuredTypes, defaultConfiguration, type Configuration } from './config';
import type { ModuleFacts } from './facts';
import { BufferFacts, BufferFindings } from './incremental';
import { commonPrefix, commonSuffix } from './textChange';
import { factsFromText, materialize } from './extract';
import { ModuleMap, moduleNamesOf } from './modules';
import { createParser } from './parser';
import { coroutineHomes, mayDropCoroutine, prefilterFor, statementCalls, type CoroutineHomes, type StatementCalls } from './prefilter';
import { nodeReader, type SourceReader } from './reader';
import { Resolver, type ModuleSource, type WorkspaceView } from './resolve';
import { Checker, toRange } from './rules/checks';
import { configuresIterableType, namesIterableLibrary } from './rules/catalogue';
import { bufferProblem, decodeSource } from './source';
import { walkPython } from './walk';
import { WorkerPool, type AnalyzedFile } from './pool';
import { WorkQueue } from './workQueue';

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
  /** The workers parse and analyse from this many files in a workspace on (default 300; tests use fewer). */
  poolMinFiles?: number;
}

/** Below this many files the calling thread works alone (workers cost a WASM start-up each). */
const POOL_MIN_FILES = 300;
/**
 * Analysis is shared out from this many workers on. With one (a 2-core machine) it does not pay:
 * the worker's isolate warms its JIT up again and re-parses on demand much of what this thread
 * parses too (measured: +1.3 s CPU on the bench corpus, wall time no better), while V8's own
 * compiler and GC threads already keep the second core busy.
 */
const SHARE_MIN_WORKERS = 2;

/** What a worker needs to analyse as this engine would: every file's module and facts so far, the configurations. */
export interface EngineSnapshot {
  files: Array<{ path: string; module: string; isPackage: boolean; aliases: string[]; facts?: ModuleFacts; problem?: string }>;
  modules: Array<[string, string[]]>;
  packageDirs: string[];
  configs: Array<[string, Configuration]>;
  lazyParsing?: boolean;
  /** The calling engine's WorkspaceView.mayHoldIterables (a replica has no file texts to tell). */
  mayHoldIterables: boolean;
}

interface FileEntry {
  path: string;
  /** The name its facts are extracted under; `aliases`: the other names it is importable by (modules.ts). */
  module: string;
  isPackage: boolean;
  aliases: string[];
  /** The prefilter's verdict (undefined until read). */
  relevant?: boolean;
  /** When the prefilter rejects the file: its statement calls and imports (may it drop a coroutine? CORO200). */
  calls?: StatementCalls;
  facts?: ModuleFacts;
  /** Facts the cache's store holds for this file, not read yet (a warm run reads them only to analyse again). */
  stored?: { hash: string; coroutines: string[] };
  /** Why the file could not be analysed (read error, encoding, size …). */
  problem?: string;
  /**
   * Its text names a library whose objects block when iterated (catalogue.ts namesIterableLibrary);
   * undefined (a file not read yet) counts as naming one.
   */
  namesIterableLibrary?: boolean;
  /** Editor buffer text, overriding the disk. */
  text?: string;
  tree?: Tree;
  /** The buffer's facts per top-level statement, so an edit re-extracts only what it changed. */
  bufferFacts?: BufferFacts;
  stat?: { mtimeMs: number; size: number };
  /** The eager parse in flight; a result that arrives after the file was read again (or opened) is dropped. */
  parsing?: object;
}

/** Drops what was parsed or extracted from the file's text (its tree, facts, stored facts, a parse in flight). */
function forgetParse(entry: FileEntry): void {
  entry.tree?.delete();
  entry.tree = undefined;
  entry.bufferFacts = undefined;
  entry.facts = undefined;
  entry.stored = undefined;
  entry.parsing = undefined;
}

export class AnalysisEngine {
  private readonly files = new Map<string, FileEntry>();
  private modules = new ModuleMap();
  private readonly packageDirs = new Set<string>();
  private readonly configs = new Map<string, Configuration>();
  /** When each root's configuration was last set or removed (a count of such calls): see indexWorkspace. */
  private readonly configuredAt = new Map<string, number>();
  private configurationCalls = 0;
  private checkers = new Map<string, Checker>();
  /** Results computed since the last change to anything they depend on (see invalidate). */
  private readonly results = new Map<string, FileResult>();
  /** Editor buffers' findings per function: an edit inside coroutines re-checks only those. */
  private readonly bufferFindings = new BufferFindings();
  private readonly walkNotes = new Map<string, Note[]>();
  /** Symbolic links the walk found to files indexed under another path (walk.ts `linked`): modules, not checked. */
  private readonly linked = new Set<string>();
  /** Files each analysed file's findings were computed from (the reverse gives `dependents`). */
  private readonly dependencies = new Map<string, Set<string>>();
  private collecting: Set<string> | undefined;
  private readonly caches = new Map<string, FactsCache>();
  private readonly view: WorkspaceView;
  private names: Set<string> | undefined;
  /** Where coroutine functions are defined, by name (for mayHaveFindings); rebuilt after any change. */
  private homes: CoroutineHomes | undefined;
  /** WorkspaceView.mayHoldIterables, until the next change. */
  private iterables: boolean | undefined;
  /** A replica's WorkspaceView.mayHoldIterables: the calling engine's, which read the files. */
  private replicaIterables: boolean | undefined;
  private moduleSetKey: string | undefined;
  /** Source lines of files whose lazy blocks are being parsed (read once per file, not per block). */
  private readonly linesForLazy = new Map<string, string[]>();
  private pool: WorkerPool | undefined;

  private constructor(
    private readonly parser: Parser,
    private readonly options: EngineOptions,
    private readonly reader: SourceReader,
  ) {
    this.view = {
      hasModule: (name) => this.modules.has(name),
      importedName: (from, name) => this.siblingFirst(from.path, name),
      module: (name) => {
        const file = this.modules.get(name);
        return file === undefined ? undefined : this.source(file);
      },
      materialize: (source, classIndex, name) => this.materialize(source, classIndex, name),
      blockText: (source, block) => this.lazyLines(source.path).slice(block.lines[0], block.lines[1]).join('\n'),
      moduleDepth: () => this.modules.depth(),
      mayHoldIterables: () =>
        this.replicaIterables ??
        (this.iterables ??=
          [...this.files.values()].some((entry) => entry.namesIterableLibrary !== false) ||
          [...this.configs.values()].some((config) => configuresIterableType(config.extraBlocking))),
      coroutineNames: () => {
        if (!this.names) {
          // Every coroutine function is in eager facts: the prefilter never leaves `async def` or a
          // coroutine decorator lazy. A decorated generator counts (CORO202), whatever its decorator.
          this.names = new Set();
          for (const entry of this.files.values()) for (const name of coroutinesOf(entry)) this.names.add(name);
        }
        return this.names;
      },
    };
  }

  static async create(options: EngineOptions): Promise<AnalysisEngine> {
    const parser = await createParser(options.wasmDir);
    return new AnalysisEngine(parser, options, options.reader ?? nodeReader);
  }

  /** An engine (in a worker thread) that analyses as `snapshot`'s engine would; no cache, no workers of its own. */
  static replica(parser: Parser, snapshot: EngineSnapshot): AnalysisEngine {
    const engine = new AnalysisEngine(parser, { wasmDir: '', lazyParsing: snapshot.lazyParsing }, nodeReader);
    for (const [root, config] of snapshot.configs) engine.configs.set(root, config);
    for (const dir of snapshot.packageDirs) engine.packageDirs.add(dir);
    for (const file of snapshot.files) engine.register({ ...file });
    engine.replicaIterables = snapshot.mayHoldIterables;
    // Which files claim a module name is the calling engine's (a removed file may have claimed it).
    engine.modules = ModuleMap.from(snapshot.modules);
    return engine;
  }

  setConfiguration(root: string, config: Configuration): void {
    root = path.resolve(root);
    this.configuredAt.set(root, ++this.configurationCalls);
    const newRoot = !this.configs.has(root);
    this.configs.set(root, config);
    // Roots are where namespace packages are named from.
    if (newRoot) this.renameModules();
    this.invalidate();
  }

  /** `root` no longer has a configuration of its own (its pyproject.toml was deleted, or no longer configures us): the enclosing one applies. */
  removeConfiguration(root: string): void {
    this.configuredAt.set(path.resolve(root), ++this.configurationCalls);
    if (!this.configs.delete(path.resolve(root))) return;
    this.renameModules();
    this.invalidate();
  }

  /** The configuration that applies to `file`: the one of the innermost configured root. */
  configurationFor(file: string): Configuration {
    const root = this.configurationRoot(file);
    return root ? this.configs.get(root)! : defaultConfiguration();
  }

  /** The folder whose configuration applies to `file` (the innermost), undefined for the default one. */
  private configurationRoot(file: string): string | undefined {
    let best: string | undefined;
    for (const root of this.configs.keys()) {
      if ((file === root || file.startsWith(root + path.sep)) && (!best || root.length > best.length)) best = root;
    }
    return best;
  }

  /**
   * Walks root (skipping excluded paths, .git, venvs, node_modules), indexes every .py file.
   * `nestedConfiguration` is asked for each folder below root holding a pyproject.toml: the
   * configuration of the project it starts (a root of its own, as if set with setConfiguration), if any.
   */
  async indexWorkspace(
    root: string,
    options: { onProgress?(done: number, total: number): void; signal?: AbortSignal; nestedConfiguration?(folder: string): Promise<Configuration | undefined> } = {},
  ): Promise<void> {
    root = path.resolve(root);
    const config = this.configurationFor(root);
    const stat = await fs.promises.stat(root).catch(() => undefined);
    if (stat?.isFile()) {
      this.packageDirsAbove(root);
      await this.loadFiles(root, [{ path: root, size: stat.size, mtimeMs: stat.mtimeMs }], options);
      return;
    }
    if (stat && !stat.isDirectory()) {
      // A named pipe, socket or device: reading one could wait forever.
      this.walkNotes.set(root, [{ path: root, message: 'skipped: not a regular file or folder' }]);
      return;
    }
    // Exclude globs are relative to the configuration's folder, whichever folder below it is walked.
    /** Each sub-project the walk meets, with its configuration and when the walk was given it. */
    const nested = new Map<string, { found: Configuration; at: number }>();
    const { nestedConfiguration } = options;
    const walked = await walkPython(root, {
      exclude: config.exclude,
      excludeBase: this.configurationRoot(root),
      signal: options.signal,
      nestedProject:
        nestedConfiguration &&
        (async (folder) => {
          const found = await nestedConfiguration(folder);
          if (found) nested.set(folder, { found, at: this.configurationCalls });
          return found?.exclude;
        }),
    });
    // Set together, after the walk: a new root renames the files under it, once for all of them.
    // Not a sub-project deleted since the walk met it (the language server has forgotten it already),
    // nor one configured again since (the language server applying a settings change mid-walk): that
    // configuration is newer than the one the walk was given.
    for (const [folder, { at }] of [...nested]) {
      if (!fs.existsSync(path.join(folder, 'pyproject.toml')) || (this.configuredAt.get(folder) ?? 0) > at) nested.delete(folder);
    }
    const newRoot = [...nested.keys()].some((folder) => !this.configs.has(folder));
    for (const [folder, { found }] of nested) this.configs.set(folder, found);
    if (newRoot) this.renameModules();
    if (nested.size) this.invalidate();
    for (const dir of walked.packages) this.packageDirs.add(dir);
    this.walkNotes.set(root, walked.problems.map((p) => ({ path: p.path, message: p.message })));
    for (const file of this.linked) if (file.startsWith(root + path.sep)) this.linked.delete(file);
    for (const link of walked.linked) this.linked.add(link.path);
    await this.loadFiles(root, [...walked.files, ...walked.linked], options);
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

  /** The indexed files under `root` a check of it reports: not the links to a file indexed under another path. */
  checkedFiles(root?: string): string[] {
    return this.indexedFiles(root).filter((file) => !this.linked.has(file));
  }

  /** Whether the prefilter found coroutine code, or a call of a coroutine's name as a statement (files without either cannot have findings). */
  mayHaveFindings(file: string): boolean {
    const entry = this.files.get(path.resolve(file));
    if (!entry) return false;
    this.homes ??= coroutineHomes([...this.files.values()].flatMap((e) => namesOf(e).map((module) => ({ module, coroutines: coroutinesOf(e) }))));
    return entry.relevant !== false || mayDropCoroutine(entry.calls, entry.module, entry.isPackage, this.homes);
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
    const refused = bufferProblem(text);
    if (refused) {
      // Not parsed, like the same text read from disk: no findings, the reason as a note.
      forgetParse(entry);
      entry.text = text;
      entry.problem = refused;
      entry.relevant = true;
      this.invalidate();
      return;
    }
    entry.namesIterableLibrary = namesIterableLibrary(text);
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
    entry.parsing = undefined;
    entry.problem = undefined;
    entry.relevant = true;
    entry.bufferFacts ??= new BufferFacts(entry.module, entry.isPackage);
    const facts = tree ? entry.bufferFacts.extract(tree, text) : undefined;
    // Findings come from facts alone (a buffer has no lazy blocks to read from its text): equal facts, equal findings everywhere.
    const unchanged = facts !== undefined && facts === entry.facts;
    entry.facts = facts;
    entry.stored = undefined;
    if (unchanged) return;
    // Only coroutines' bodies changed: their own findings are all that can change (see BufferFindings).
    if (facts && this.bufferFindings.recheckOnly(file, facts)) this.results.delete(file);
    else this.invalidate();
  }

  /** The buffer is closed, or the file changed on disk: the file on disk applies again. */
  closeFile(file: string): void {
    const entry = this.files.get(path.resolve(file));
    if (!entry) return;
    forgetParse(entry);
    entry.text = undefined;
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
    this.linked.delete(file);
    this.modules.remove(file, namesOf(entry));
    // Without its __init__.py the folder is a namespace package: its files' names change.
    if (path.basename(file) === '__init__.py' && this.packageDirs.delete(path.dirname(file))) this.renameModules();
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

  /**
   * Results of many files at once (the CLI's batch). With two workers or more and a workspace
   * large enough for the pool, the files not analysed yet are shared out: every thread takes
   * files from one queue, workers analysing on replicas of this engine. Findings are the same.
   */
  async analyzeFiles(files: string[]): Promise<FileResult[]> {
    const resolved = files.map((file) => path.resolve(file));
    const pending = [...new Set(resolved)].filter((file) => {
      if (!this.files.has(file) || this.results.has(file)) return false;
      const stored = this.storedResult(file);
      if (stored) this.results.set(file, stored);
      return !stored;
    });
    // Replicas read files through node's fs and have no editor buffers: a custom reader or an open buffer keeps the work here.
    const replicable = this.reader.disk === true && ![...this.files.values()].some((entry) => entry.text !== undefined);
    const pool = pending.length > 1 && replicable && (this.options.workers ?? 0) >= SHARE_MIN_WORKERS ? this.workerPool(this.files.size) : undefined;
    if (pool) await this.analyzeShared(pending, pool);
    return resolved.map((file) => this.analyzeFile(file));
  }

  /** Analyses the files this thread takes from `queue` (thread 0 is the calling thread), each with the files it read. */
  analyzeTaken(files: string[], queue: WorkQueue, thread: number): AnalyzedFile[] {
    const done: AnalyzedFile[] = [];
    for (let index = queue.take(thread); index !== undefined; index = queue.take(thread)) {
      const result = this.analyzeFile(files[index]!);
      done.push({ index, result, dependencies: [...(this.dependencies.get(files[index]!) ?? [])] });
    }
    return done;
  }

  private async analyzeShared(files: string[], pool: WorkerPool): Promise<void> {
    const snapshot = this.snapshot();
    for (let start = 0; start < files.length; start += WorkQueue.MAX_ITEMS) {
      const share = files.slice(start, start + WorkQueue.MAX_ITEMS);
      const queue = WorkQueue.create(share.length, pool.size + 1);
      const fromWorkers = pool.analyze({ snapshot, files: share, queue });
      this.analyzeTaken(share, new WorkQueue(queue), 0);
      // A file a failed worker took and did not finish is analysed here by analyzeFiles afterwards.
      for (const { index, result, dependencies } of (await fromWorkers).flat()) {
        const file = share[index]!;
        this.results.set(file, result);
        this.dependencies.set(file, new Set(dependencies));
        this.storeResult(file, result);
      }
    }
  }

  private snapshot(): EngineSnapshot {
    for (const entry of this.files.values()) if (entry.stored) this.loadStored(entry);
    return {
      files: [...this.files.values()].map((e) => ({ path: e.path, module: e.module, isPackage: e.isPackage, aliases: e.aliases, ...(e.facts ? { facts: e.facts } : {}), ...(e.problem ? { problem: e.problem } : {}) })),
      modules: this.modules.entries(),
      packageDirs: [...this.packageDirs],
      configs: [...this.configs],
      lazyParsing: this.options.lazyParsing,
      mayHoldIterables: this.view.mayHoldIterables(),
    };
  }

  /** The worker threads, when configured and the workspace is large enough to pay for their start-up. */
  private workerPool(workspaceFiles: number): WorkerPool | undefined {
    const { workers = 0, workerScript, poolMinFiles = POOL_MIN_FILES } = this.options;
    if (workers <= 0 || !workerScript || workspaceFiles < poolMinFiles) return undefined;
    if (!this.pool || this.pool.closed) this.pool = new WorkerPool(workerScript, this.options.wasmDir, workers);
    return this.pool;
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
      result.findings = entry.text === undefined ? checker.check(source) : this.bufferFindings.check(checker, source, this.collecting);
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
   * The findings cache: a file's result is reused when the configuration, which file each module
   * name stands for, and the content hash of every file its analysis read are all unchanged.
   */
  private resultKey(file: string): string {
    this.moduleSetKey ??= contentHash(Buffer.from(this.modules.resolvable().map(([name, holder]) => `${name}\t${holder}`).join('\n')));
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
        importedName: this.view.importedName,
        materialize: this.view.materialize,
        blockText: this.view.blockText,
        coroutineNames: this.view.coroutineNames,
        mayHoldIterables: this.view.mayHoldIterables,
        moduleDepth: this.view.moduleDepth,
        module: (name) => {
          const found = this.view.module(name);
          if (found) this.collecting?.add(found.path);
          return found;
        },
      };
      checker = new Checker(new Resolver(view, configuredTypes(config)), config);
      this.checkers.set(key, checker);
    }
    return checker;
  }

  private invalidate(): void {
    this.checkers = new Map();
    this.results.clear();
    this.bufferFindings.clear();
    this.moduleSetKey = undefined;
    this.names = undefined;
    this.homes = undefined;
    this.iterables = undefined;
    this.linesForLazy.clear();
  }

  private entry(file: string): FileEntry {
    const known = this.files.get(file);
    if (known) return known;
    // An __init__.py the walk did not see (created since): its folder's files are named anew.
    const newPackage = path.basename(file) === '__init__.py' && !this.packageDirs.has(path.dirname(file));
    if (newPackage) this.packageDirs.add(path.dirname(file));
    const entry = this.register({ path: file, ...this.namesFor(file) });
    if (newPackage) this.renameModules();
    return entry;
  }

  /**
   * The module names of `file` from the sys.path folders Python would have (see modules.ts): named
   * from its innermost configured root, and also, as aliases, from each root enclosing that one (a
   * monorepo's tests import a sub-project's modules as `services.api.app.util`).
   */
  private namesFor(file: string): ReturnType<typeof moduleNamesOf> {
    const isPackageDir = (dir: string): boolean => this.packageDirs.has(dir) || fs.existsSync(path.join(dir, '__init__.py'));
    const roots = [...this.configs.keys()].filter((root) => file.startsWith(root + path.sep)).sort((a, b) => b.length - a.length);
    const names = moduleNamesOf(file, isPackageDir, roots[0]);
    for (const outer of roots.slice(1)) {
      const more = moduleNamesOf(file, isPackageDir, outer);
      for (const name of [more.module, ...more.aliases]) if (name !== names.module && !names.aliases.includes(name)) names.aliases.push(name);
    }
    return names;
  }

  /**
   * `name` imported from `file`: a file outside any regular package runs with its own folder first
   * on sys.path (a script's sys.path[0], pytest's "prepend" import mode), so a sibling package or
   * module of the name's first part is what Python imports, however many files claim that name.
   * The sibling is named by one of its names that stands for it alone (none: `name` unchanged),
   * so the findings' cache key (the resolvable names) also changes when a sibling comes or goes.
   */
  private siblingFirst(file: string, name: string): string {
    const dir = path.dirname(file);
    if (this.packageDirs.has(dir) || this.files.has(path.join(dir, '__init__.py'))) return name;
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    // Python's finder tries a folder's package before its module of the same name.
    for (const candidate of [path.join(dir, head, '__init__.py'), path.join(dir, `${head}.py`)]) {
      const sibling = this.files.get(candidate);
      if (!sibling) continue;
      const unique = namesOf(sibling).find((own) => this.modules.get(own) === candidate);
      return unique === undefined ? name : unique + name.slice(head.length);
    }
    return name;
  }

  /** Adds a file to the workspace under its module names. */
  private register(entry: FileEntry): FileEntry {
    this.files.set(entry.path, entry);
    this.results.clear(); // a new module name can change what resolution finds
    this.bufferFindings.clear();
    this.modules.add(entry.path, namesOf(entry));
    return entry;
  }

  /**
   * Names again every file whose names changed since it was indexed (a root configured, an
   * `__init__.py` created or deleted). Its facts were extracted under the old name (relative
   * imports), so it is parsed again: a buffer from its text, a file with facts now (its coroutine
   * functions must stay known to coroutineNames), any other when resolution needs it.
   */
  private renameModules(): void {
    let renamed = false;
    for (const entry of this.files.values()) {
      const names = this.namesFor(entry.path);
      if (names.module === entry.module && names.isPackage === entry.isPackage && names.aliases.join() === entry.aliases.join()) continue;
      this.modules.remove(entry.path, namesOf(entry));
      const hadFacts = entry.facts !== undefined || entry.stored !== undefined;
      forgetParse(entry);
      Object.assign(entry, names);
      this.modules.add(entry.path, namesOf(entry));
      renamed = true;
      if (entry.text !== undefined) this.updateFile(entry.path, entry.text);
      else if (hadFacts) this.source(entry.path);
    }
    if (renamed) this.invalidate();
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
    if (entry.stored) this.loadStored(entry);
    if (!entry.facts && !entry.problem) {
      let text = entry.text;
      let hash: string | undefined;
      if (text === undefined) {
        try {
          const bytes = this.reader.readFileSync ? this.reader.readFileSync(file) : fs.readFileSync(file);
          if (this.cacheOf(file)) hash = contentHash(bytes);
          const decoded = decodeSource(bytes, this.configurationFor(file).maxFileBytes);
          if ('problem' in decoded) entry.problem = decoded.problem;
          else text = decoded.text;
          // A file no walk read (analysed on its own) counted as naming such a library until now.
          if (text !== undefined && entry.namesIterableLibrary === undefined) entry.namesIterableLibrary = namesIterableLibrary(text);
        } catch (error) {
          entry.problem = `cannot read: ${(error as Error).message}`;
        }
      }
      if (text !== undefined) entry.facts = this.parse(text, entry);
      // Facts parsed on demand are cached too, so a warm run parses nothing that did not change.
      const cache = this.cacheOf(file);
      const cached = cache?.get(file);
      if (cache && cached && hash === cached.hash && entry.text === undefined) {
        cache.set(file, { ...cached, ...(entry.problem ? { problem: entry.problem } : {}) }, entry.facts && { module: extractedAs(entry), facts: entry.facts });
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
    if (materialize(this.parser, source.facts, this.lazyLines(source.path), source.module, entry?.isPackage ?? false, classIndex, names)) this.cacheOf(source.path)?.markDirty();
  }

  /** The lines of a file whose lazy blocks are looked at (read once per file, not per block). */
  private lazyLines(file: string): string[] {
    let lines = this.linesForLazy.get(file);
    if (!lines) {
      const entry = this.files.get(file);
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
      this.linesForLazy.set(file, lines);
    }
    return lines;
  }

  private cacheOf(file: string): FactsCache | undefined {
    for (const [root, cache] of this.caches) if (file.startsWith(root + path.sep)) return cache;
    return undefined;
  }

  private async cacheFor(root: string): Promise<FactsCache | undefined> {
    if (!this.options.cacheDir) return undefined;
    const key = this.factsKey(root);
    let cache = this.caches.get(root);
    if (cache?.factsKey !== key) {
      cache = await FactsCache.open(this.options.cacheDir, root, key);
      this.caches.set(root, cache);
    }
    return cache;
  }

  /**
   * What facts and prefilter verdicts under `root` depend on besides the bytes: lazy parsing, and of
   * every configuration that applies there the extra coroutine decorators and the size limit (a file
   * over it is recorded as skipped).
   */
  private factsKey(root: string): string {
    const applying = [...this.configs].filter(([configured]) => configured === root || configured.startsWith(root + path.sep) || root.startsWith(configured + path.sep));
    const decorators = applying
      .map(([configured, config]) => [configured, [...config.extraCoroutineDecorators].sort(), config.maxFileBytes] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify({ lazyParsing: this.options.lazyParsing !== false, decorators });
  }

  private async loadFiles(
    root: string,
    files: Array<{ path: string; size: number; mtimeMs: number }>,
    options: { onProgress?(done: number, total: number): void; signal?: AbortSignal },
  ): Promise<void> {
    const cache = await this.cacheFor(root);
    // Each file with its own project's configuration (a project may hold others): their prefilters, made once each.
    const prefilters = new Map<Configuration, ReturnType<typeof prefilterFor>>();
    const configured = (file: string): { config: Configuration; relevant: ReturnType<typeof prefilterFor> } => {
      const config = this.configurationFor(file);
      let relevant = prefilters.get(config);
      if (!relevant) prefilters.set(config, (relevant = prefilterFor(config.extraCoroutineDecorators)));
      return { config, relevant };
    };
    // Started at the first file to parse, so a warm run (everything from the cache) starts no worker.
    let pool: WorkerPool | undefined;
    const parsing: Array<Promise<void>> = [];
    const batch = 64;
    for (let start = 0; start < files.length; start += batch) {
      if (options.signal?.aborted) {
        pool?.discardQueued();
        return;
      }
      await Promise.all(
        files.slice(start, start + batch).map(async (file) => {
          const entry = this.entry(file.path);
          if (entry.text !== undefined) return; // an open editor buffer wins over the disk
          entry.stat = { mtimeMs: file.mtimeMs, size: file.size };
          entry.facts = undefined;
          entry.stored = undefined;
          entry.parsing = undefined;
          entry.problem = undefined;
          // Unreadable or undecodable, it can hold nothing resolution reaches.
          entry.namesIterableLibrary = false;
          const cached = cache?.get(file.path);
          if (cached && cached.mtimeMs === file.mtimeMs && cached.size === file.size && (cached.coroutines || !cached.relevant || cached.problem)) {
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
          // The hash keys the cache only: without one it is not worth computing.
          const hash = cache ? contentHash(bytes) : '';
          if (cached && cached.hash === hash && (cached.coroutines || !cached.relevant || cached.problem)) {
            this.adopt(entry, cached);
            cache?.set(file.path, { ...cached, mtimeMs: file.mtimeMs, size: file.size });
            return;
          }
          const { config, relevant } = configured(file.path);
          const decoded = decodeSource(bytes, config.maxFileBytes);
          const fresh: CachedFile = { mtimeMs: file.mtimeMs, size: file.size, hash, relevant: false };
          if ('problem' in decoded) {
            fresh.problem = decoded.problem;
            entry.problem = decoded.problem;
          } else {
            entry.namesIterableLibrary = namesIterableLibrary(decoded.text);
            if (entry.namesIterableLibrary) fresh.namesIterableLibrary = true;
            fresh.relevant = relevant(decoded.text);
            entry.relevant = fresh.relevant;
            if (!fresh.relevant) fresh.calls = entry.calls = statementCalls(decoded.text);
            if (fresh.relevant) {
              pool ??= this.workerPool(files.length);
              parsing.push(this.parseEager(entry, decoded.text, fresh, cache, pool));
            }
          }
          if (!fresh.relevant) cache?.set(file.path, fresh);
        }),
      );
      options.onProgress?.(Math.min(files.length, start + batch), files.length);
      // A reader that blocks never lets the event loop run by itself: the workers' replies (and
      // with them their next jobs) would wait until every file was read.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Everything is read: this thread parses what the workers have not taken yet.
    await pool?.drain();
    await Promise.all(parsing);
    cache?.retainOnly(new Set([...this.files.keys()].filter((f) => f.startsWith(root))));
    this.invalidate();
  }

  private adopt(entry: FileEntry, cached: CachedFile): void {
    entry.relevant = cached.relevant;
    entry.calls = cached.calls;
    entry.namesIterableLibrary = cached.namesIterableLibrary === true;
    // The facts stay in the store until something needs them (loadStored).
    if (cached.coroutines) entry.stored = { hash: cached.hash, coroutines: cached.coroutines };
    if (cached.problem) entry.problem = cached.problem;
  }

  /** Reads the facts the cache stored for `entry`; without them (a store lost), source() parses the file again. */
  private loadStored(entry: FileEntry): void {
    const { hash } = entry.stored!;
    entry.stored = undefined;
    entry.facts = this.cacheOf(entry.path)?.facts(entry.path, hash, extractedAs(entry));
  }

  /** Facts of a file the prefilter marked: queued for the workers when there are some (so parsing overlaps reading), else parsed now. */
  private async parseEager(entry: FileEntry, text: string, cached: CachedFile, cache: FactsCache | undefined, pool: WorkerPool | undefined): Promise<void> {
    const token = {};
    entry.parsing = token;
    const here = (): ModuleFacts | undefined => this.parse(text, entry);
    const job = { text, module: entry.module, isPackage: entry.isPackage, lazyWithDecorators: this.lazyDecorators(entry.path) };
    const facts = pool ? await pool.extract(job, here) : here();
    if (entry.parsing !== token) return; // read again or opened in the editor since: this parse is stale
    entry.parsing = undefined;
    if (facts) entry.facts = facts;
    cache?.set(entry.path, cached, facts && { module: extractedAs(entry), facts });
  }
}

/** The name an entry's facts are extracted under, for the facts cache (`pkg.__init__` for a package's own). */
function extractedAs(entry: FileEntry): string {
  return entry.isPackage ? `${entry.module}.__init__` : entry.module;
}

/** Every module name the entry is importable by. */
function namesOf(entry: FileEntry): string[] {
  return [entry.module, ...entry.aliases];
}

/** The names of an entry's coroutine functions: from its facts, or the cache's record of them while those are not read. */
function coroutinesOf(entry: FileEntry): string[] {
  return entry.facts ? coroutineFunctionNames(entry.facts) : (entry.stored?.coroutines ?? []);
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

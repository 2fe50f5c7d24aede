/**
 * `coroutine-lens check [PATH…]`: the command-line wrapper over the analysis engine, for CI.
 * Exit codes: 0 clean, 1 findings, 2 usage or configuration error.
 * The same script is the worker of its own thread pool (see analysis/pool.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  AnalysisEngine,
  blockingNodeReader,
  decodeSource,
  ENGINE_VERSION,
  loadPyprojectConfiguration,
  mergeConfiguration,
  parseConfiguration,
  type ConfigError,
  type Configuration,
  type Finding,
  type Note,
  type PyprojectConfiguration,
} from './analysis';
import { isFactsWorker, runFactsWorker } from './analysis/pool';
import { formatReport, FORMATS, type Format } from './analysis/report/format';

const USAGE = `usage: coroutine-lens check [options] [PATH...]
       coroutine-lens --version

Checks Python files for calls that block the event loop inside coroutines. Each file is
checked with the [tool.coroutine-lens] table of the nearest pyproject.toml at or above it
that has one (a sub-project's own table replaces its parent's, nothing is merged; its exclude
globs are relative to its folder). --select and --ignore apply over every such table.

options:
  --format FORMAT          text (default), json, sarif, github
  --select CODES           only these codes or prefixes (comma-separated), e.g. ASYNC,CORO120
  --ignore CODES           never these codes or prefixes
  --stdin-filename PATH    read the source of PATH from standard input
  --statistics             print the number of findings per code
  --no-cache               do not read or write the cache
  --cache-dir DIR          where the cache lives (default: .coroutine_lens_cache in the first PATH's project root)
  --workers N              worker threads for cold runs (default: cores - 1)

exit status: 0 no findings, 1 findings, 2 usage or configuration error`;

class UsageError extends Error {}

interface Options {
  paths: string[];
  format: Format;
  select?: string[];
  ignore?: string[];
  stdinFilename?: string;
  statistics: boolean;
  cache: boolean;
  cacheDir?: string;
  workers: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { paths: [], format: 'text', statistics: false, cache: true, workers: Math.max(0, os.availableParallelism() - 1) };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) [arg, inline] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    const take = (): string => inline ?? value(++i, arg);
    switch (arg) {
      case '--format': {
        const format = take();
        if (!FORMATS.includes(format as Format)) throw new UsageError(`unknown format '${format}' (known: ${FORMATS.join(', ')})`);
        options.format = format as Format;
        break;
      }
      case '--select':
        options.select = [...(options.select ?? []), ...take().split(',').map((s) => s.trim()).filter(Boolean)];
        break;
      case '--ignore':
        options.ignore = [...(options.ignore ?? []), ...take().split(',').map((s) => s.trim()).filter(Boolean)];
        break;
      case '--stdin-filename':
        options.stdinFilename = take();
        break;
      case '--statistics':
        options.statistics = true;
        break;
      case '--no-cache':
        options.cache = false;
        break;
      case '--cache-dir':
        options.cacheDir = take();
        break;
      case '--workers': {
        const n = Number(take());
        if (!Number.isInteger(n) || n < 0) throw new UsageError('--workers needs a whole number ≥ 0');
        options.workers = n;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        options.paths.push(arg);
    }
  }
  return options;
}

/** Each folder's pyproject.toml, read once however many paths and walks meet it. */
class Projects {
  private readonly loaded = new Map<string, Promise<PyprojectConfiguration>>();

  load(folder: string): Promise<PyprojectConfiguration> {
    let loading = this.loaded.get(folder);
    if (!loading) this.loaded.set(folder, (loading = loadPyprojectConfiguration(folder)));
    return loading;
  }

  /**
   * The project root of `start`: the nearest folder at or above it whose pyproject.toml configures
   * coroutine-lens (as a walk from above would find it), else the nearest with any pyproject.toml,
   * else the nearest existing folder.
   */
  async rootOf(start: string): Promise<string> {
    // From the nearest existing folder: the cache is made in the root, and an unsaved --stdin-filename
    // (or its folder) must not be made a folder of it.
    let dir = start;
    while (!statIsDir(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    let nearest: string | undefined;
    for (let d = dir; ; d = path.dirname(d)) {
      if (existsSync(path.join(d, 'pyproject.toml'))) {
        nearest ??= d;
        if ((await this.load(d)).configures) return d;
      }
      if (path.dirname(d) === d) break;
    }
    return nearest ?? dir;
  }

  /** Every error of the pyproject.toml files read so far. */
  async errors(): Promise<ConfigError[]> {
    return (await Promise.all(this.loaded.values())).flatMap((loaded) => loaded.errors);
  }
}

function statIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function check(options: Options): Promise<number> {
  const cwd = process.cwd();
  // A --stdin-filename alone names the file, which (an unsaved buffer) need not exist, nor its folder.
  const targets = (options.paths.length ? options.paths : options.stdinFilename ? [] : ['.']).map((p) => path.resolve(p));
  for (const target of targets) if (!existsSync(target) && target !== path.resolve(options.stdinFilename ?? '')) throw new UsageError(`no such file or folder: ${path.relative(cwd, target) || target}`);
  // Each target is checked with its own project's pyproject.toml (Projects.rootOf), as the language
  // server does per workspace folder, and sub-projects met by the walk with theirs; the first
  // target's root holds the cache.
  const projects = new Projects();
  const roots = [...new Set(await Promise.all((options.stdinFilename ? [path.resolve(options.stdinFilename)] : targets).map((target) => projects.rootOf(target))))];
  const root = roots[0]!;
  const cliErrors = parseConfiguration({ ...(options.select ? { select: options.select } : {}), ...(options.ignore ? { ignore: options.ignore } : {}) }, { path: 'command line' });
  /** A project's configuration with the command line's --select / --ignore over it (one object per folder). */
  const configs = new Map<string, Configuration>();
  const configurationOf = async (projectFolder: string): Promise<Configuration> => {
    const loaded = await projects.load(projectFolder);
    let config = configs.get(projectFolder);
    if (!config) {
      const overrides: Partial<Configuration> = {};
      if (options.select) overrides.select = cliErrors.config.select;
      if (options.ignore) overrides.ignore = [...loaded.config.ignore, ...cliErrors.config.ignore];
      configs.set(projectFolder, (config = mergeConfiguration(loaded.config, overrides)));
    }
    return config;
  };
  for (const projectFolder of roots) await configurationOf(projectFolder);
  const configurationErrors = async (): Promise<boolean> => {
    const errors = [...cliErrors.errors, ...(await projects.errors())];
    for (const e of errors) process.stderr.write(`${path.relative(cwd, e.path) || e.path}${e.line ? `:${e.line}` : ''}: configuration error: ${e.message}\n`);
    return errors.length > 0;
  };
  if (await configurationErrors()) return 2;
  const config = configs.get(root)!;
  // A folder met while walking whose pyproject.toml configures coroutine-lens is a project of its own.
  const nestedConfiguration = async (folder: string): Promise<Configuration | undefined> =>
    (await projects.load(folder)).configures ? configurationOf(folder) : undefined;

  const cacheDir = options.cache ? path.resolve(options.cacheDir ?? path.join(root, '.coroutine_lens_cache')) : undefined;
  const engine = await AnalysisEngine.create({
    wasmDir: __dirname,
    cacheDir,
    workers: options.workers,
    workerScript: __filename,
    reader: blockingNodeReader,
  });
  for (const [projectFolder, projectConfig] of configs) engine.setConfiguration(projectFolder, projectConfig);

  let reported: string[];
  const notes: Note[] = [];
  /** Files skipped before the engine saw them: standard input it cannot decode, or over the size limit. */
  let skipped = 0;
  if (options.stdinFilename) {
    const file = path.resolve(options.stdinFilename);
    // The bytes, decoded as the same file on disk would be (coding cookie, size limit, invalid text).
    const decoded = decodeSource(readFileSync(0), config.maxFileBytes);
    if ('problem' in decoded) {
      notes.push({ path: file, message: decoded.problem });
      reported = [];
      skipped = 1;
    } else {
      await engine.indexWorkspace(folderToIndexFor(file, root), { nestedConfiguration });
      engine.updateFile(file, decoded.text);
      reported = [file];
    }
  } else {
    reported = [];
    for (const target of targets) {
      await engine.indexWorkspace(target, { nestedConfiguration });
      notes.push(...engine.workspaceNotes(target));
      reported.push(...engine.indexedFiles(target));
    }
    reported = [...new Set(reported)].sort();
  }
  // A sub-project's pyproject.toml is read during the walk: its errors stop the run as the top one's do.
  if (await configurationErrors()) return 2;

  // One batch first, shared out to the worker threads in a large workspace; the loop below reads its results.
  const candidates = new Set(reported.filter((file) => engine.mayHaveFindings(file)));
  await engine.analyzeFiles([...candidates]);
  const findings: Finding[] = [];
  for (const file of reported) {
    if (!candidates.has(file)) {
      notes.push(...engine.fileNotes(file));
      continue;
    }
    const result = engine.analyzeFile(file);
    findings.push(...result.findings);
    notes.push(...result.notes);
  }
  if (cacheDir) {
    // A cache that cannot be written costs the next run time, not this run's results.
    await engine.flushCache().catch((error: Error) => notes.push({ path: cacheDir, message: `cannot write the cache: ${error.message}` }));
  }

  // Overlapping paths (a folder given twice, a folder and a file in it) meet the same problems again.
  const noteKey = (n: Note): string => JSON.stringify([n.path, n.range?.start, n.message]);
  const uniqueNotes = [...new Map(notes.map((n) => [noteKey(n), n])).values()];
  const output = formatReport(options.format, { findings, notes: uniqueNotes, files: reported.length + skipped, cwd, statistics: options.statistics });
  process.stdout.write(output.stdout);
  process.stderr.write(output.stderr);
  return findings.length ? 1 : 0;
}

/**
 * The version of the package this script ships in, from the package.json above it (read at run
 * time: the bundle sits in its package's `dist/`, the unbundled build deeper, and neither embeds it).
 */
function packageVersion(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'coroutine-lens' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * For --stdin-filename: the folder to index so the file's imports resolve: the folder above its
 * outermost package, or the project root when that folder lies under it (folders without
 * `__init__.py` there are namespace packages, named from the root).
 */
function folderToIndexFor(file: string, root: string): string {
  let dir = path.dirname(file);
  while (existsSync(path.join(dir, '__init__.py')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir.startsWith(root + path.sep) ? root : dir;
}

/**
 * V8 optimises a function (TurboFan, on its own threads) once the function has run a budget of
 * bytecode, and again after each deoptimisation. A cold run meets its hot functions (the facts
 * query, the lexical scan, the prefilter) early, before they have seen every kind of input, so with
 * the default budget they were compiled 7 to 14 times each: ~1.6 s of compiler-thread CPU a run,
 * competing with the calling thread and the worker for two cores. A budget 8 times Node 20's
 * default (the flag is process-wide: worker threads too) optimises them later, on complete type
 * feedback: ~0.8 s, for ~0.1 s more on the calling thread (measured in ARCHITECTURE.md).
 * Only on the V8 it was measured on (Node 20's 11.x): V8 writes "Error: unrecognized flag" to our
 * stderr for a flag it has dropped, and another V8's default budget and tiers differ.
 */
function optimiseLater(): void {
  if (process.versions.v8.split('.')[0] === MEASURED_V8_MAJOR) setFlagsFromString('--interrupt-budget=540672');
}

const MEASURED_V8_MAJOR = '11';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version') {
    process.stdout.write(`coroutine-lens ${packageVersion() ?? '(unknown version)'} (engine ${ENGINE_VERSION})\n`);
    return 0;
  }
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'check') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    optimiseLater();
    return await check(parseArgs(rest));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`coroutine-lens: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

if (isFactsWorker()) {
  void runFactsWorker();
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`coroutine-lens: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}

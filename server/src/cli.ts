/**
 * `coroutine-lens check [PATH…]`: the command-line wrapper over the analysis engine, for CI.
 * Exit codes: 0 clean, 1 findings, 2 usage or configuration error.
 * The same script is the worker of its own thread pool (see analysis/pool.ts).
 */
import { accessSync, chmodSync, chownSync, constants as fsConstants, existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import {
  AnalysisEngine,
  applyEdits,
  blockingNodeReader,
  decodeSource,
  ENGINE_VERSION,
  loadPyprojectConfiguration,
  mergeConfiguration,
  mergeFixes,
  parseConfiguration,
  type ConfigError,
  type Configuration,
  type Finding,
  type Fix,
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
  --fix                    apply the safe fixes (await a coroutine called without it; time.sleep
                           to the framework's sleep) to the files, then report what remains
  --unsafe-fixes           with --fix, also apply fixes that change how code runs (a blocking
                           call moved to a thread); review them
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
  fix: boolean;
  unsafeFixes: boolean;
  cache: boolean;
  cacheDir?: string;
  workers: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { paths: [], format: 'text', statistics: false, fix: false, unsafeFixes: false, cache: true, workers: Math.max(0, os.availableParallelism() - 1) };
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
      case '--fix':
        options.fix = true;
        break;
      case '--unsafe-fixes':
        options.unsafeFixes = true;
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
  if (options.unsafeFixes && !options.fix) throw new UsageError('--unsafe-fixes works with --fix only');
  if (options.fix && options.stdinFilename !== undefined) throw new UsageError('--fix rewrites files: it cannot be used with --stdin-filename');
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
    const dir = nearestFolder(start);
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

  /**
   * The outermost folder at or above `start`, and at or below `top`, whose pyproject.toml configures
   * coroutine-lens, if any: a monorepo's root, whose `check .` analyses its sub-projects with every
   * module around them.
   */
  async outermostRootOf(start: string, top: string): Promise<string | undefined> {
    let outermost: string | undefined;
    for (let d = nearestFolder(start); d === top || d.startsWith(top + path.sep); d = path.dirname(d)) {
      if (existsSync(path.join(d, 'pyproject.toml')) && (await this.load(d)).configures) outermost = d;
      if (path.dirname(d) === d) break;
    }
    return outermost;
  }

  /** Every error of the pyproject.toml files read so far. */
  async errors(): Promise<ConfigError[]> {
    return (await Promise.all(this.loaded.values())).flatMap((loaded) => loaded.errors);
  }
}

/**
 * The nearest existing folder at or above `start`: the cache is made in a project's root, and an
 * unsaved --stdin-filename (or its folder) must not be made a folder of it.
 */
function nearestFolder(start: string): string {
  let dir = start;
  while (!statIsDir(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
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
  /** The walk's own configuration when a file's context is a project above the targets' (contextOf): the engine knows only the targets' projects yet. */
  const configuredContext = async (context: string): Promise<typeof nestedConfiguration> => {
    const own = await nestedConfiguration(context);
    if (own) engine.setConfiguration(context, own);
    return nestedConfiguration;
  };

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
      for (const context of await contextOf(file, projects)) await engine.indexWorkspace(context, { nestedConfiguration: await configuredContext(context) });
      engine.updateFile(file, decoded.text);
      reported = [file];
    }
  } else {
    reported = [];
    // A target is checked with the modules around it indexed too, so the chains through what it
    // imports are followed as in a check of its project; only the target's files are reported. A
    // folder's context is the monorepo around it within the working folder, if any (contextOf tells a file's).
    const contexts = await Promise.all(targets.map(async (target) => (statIsDir(target) ? [(await projects.outermostRootOf(target, cwd)) ?? target] : contextOf(target, projects))));
    const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer + path.sep);
    const indexed: string[] = [];
    // Outermost first: a context inside one indexed already is indexed with it.
    for (const context of [...new Set(contexts.flat())].sort((a, b) => a.length - b.length)) {
      if (indexed.some((folder) => within(context, folder))) continue;
      await engine.indexWorkspace(context, { nestedConfiguration: await configuredContext(context) });
      indexed.push(context);
    }
    const walkNotes = indexed.flatMap((context) => engine.workspaceNotes(context));
    for (const target of targets) {
      // Not reached by its context's walk (excluded there, or a file not named *.py): checked all the
      // same when named, as ruff does; a folder then with its own walk's exclusions.
      if (!engine.indexedFiles(target).length) {
        await engine.indexWorkspace(target, { nestedConfiguration });
        walkNotes.push(...engine.workspaceNotes(target));
      }
      notes.push(...walkNotes.filter((note) => within(note.path, target)));
      reported.push(...(statIsDir(target) ? engine.checkedFiles(target) : engine.indexedFiles(target)));
    }
    reported = [...new Set(reported)].sort();
  }
  // A sub-project's pyproject.toml is read during the walk: its errors stop the run as the top one's do.
  if (await configurationErrors()) return 2;

  // One batch first, shared out to the worker threads in a large workspace; the loop below reads its results.
  await engine.analyzeFiles(reported.filter((file) => engine.mayHaveFindings(file)));
  let { findings, notes: fileNotes } = collectResults(engine, reported);
  let fixes: FixesApplied | undefined;
  if (options.fix) {
    fixes = applyFixes(engine, findings, options.unsafeFixes);
    // The fixed files' texts are the engine's now: what remains is their findings (and their dependents').
    if (fixes.fixed) ({ findings, notes: fileNotes } = collectResults(engine, reported));
    notes.push(...fixes.notes);
  }
  notes.push(...fileNotes);
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
  if (fixes) {
    // Machine-readable output stays a document of its own: the count goes to stderr then.
    const summary = `Fixed ${fixes.fixed} ${fixes.fixed === 1 ? 'finding' : 'findings'} in ${fixes.files} ${fixes.files === 1 ? 'file' : 'files'}.\n`;
    (options.format === 'text' ? process.stdout : process.stderr).write(summary);
  }
  return findings.length ? 1 : 0;
}

/** The findings of the files `check` reports, and their notes (a file no finding can be in: its notes only). */
function collectResults(engine: AnalysisEngine, files: readonly string[]): { findings: Finding[]; notes: Note[] } {
  const findings: Finding[] = [];
  const notes: Note[] = [];
  for (const file of files) {
    if (!engine.mayHaveFindings(file)) {
      notes.push(...engine.fileNotes(file));
      continue;
    }
    const result = engine.analyzeFile(file);
    findings.push(...result.findings);
    notes.push(...result.notes);
  }
  return { findings, notes };
}

interface FixesApplied {
  fixed: number;
  files: number;
  /** Files with fixes left alone, and why. */
  notes: Note[];
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LONE_CR = /\r(?!\n)/;

/**
 * `--fix`: for each file with a fix to apply — a safe one (Fix.preferred), or, `unsafe`, a
 * finding's first — reads the file again, analyses exactly that text (the file may have changed
 * since the run read it), merges the fixes of its findings (mergeFixes leaves out one that would
 * touch what another changes) and writes the result back; the engine takes the new text, so what
 * is reported afterwards is what remains. Only UTF-8 files are rewritten: writing back another
 * coding's text byte for byte is not guaranteed.
 */
function applyFixes(engine: AnalysisEngine, findings: readonly Finding[], unsafe: boolean): FixesApplied {
  const chosen = (finding: Finding): Fix | undefined => finding.fixes.find((fix) => fix.preferred) ?? (unsafe ? finding.fixes[0] : undefined);
  const applied: FixesApplied = { fixed: 0, files: 0, notes: [] };
  for (const file of new Set(findings.filter((finding) => chosen(finding)).map((finding) => finding.path))) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      applied.notes.push({ path: file, message: `not fixed: cannot read the file again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      continue;
    }
    const decoded = decodeSource(bytes, engine.configurationFor(file).maxFileBytes);
    const bom = bytes.subarray(0, 3).equals(UTF8_BOM) ? UTF8_BOM : Buffer.alloc(0);
    if ('problem' in decoded || !Buffer.concat([bom, Buffer.from(decoded.text)]).equals(bytes)) {
      applied.notes.push({ path: file, message: 'not fixed: only UTF-8 files are rewritten' });
      continue;
    }
    // Python ends a line at a lone CR, the parse does not: the fixes' lines would not be the file's.
    if (LONE_CR.test(decoded.text)) {
      applied.notes.push({ path: file, message: 'not fixed: its lines end in a lone CR, which the analysis does not read as line ends' });
      continue;
    }
    engine.updateFile(file, decoded.text);
    const { edits, applied: count } = mergeFixes(file, engine.analyzeFile(file).findings.flatMap((finding) => chosen(finding) ?? []));
    if (count === 0) continue;
    const fixed = applyEdits(decoded.text, edits);
    try {
      replaceContents(file, Buffer.concat([bom, Buffer.from(fixed)]));
    } catch (error) {
      applied.notes.push({ path: file, message: `not fixed: cannot write the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      continue;
    }
    engine.updateFile(file, fixed);
    applied.fixed += count;
    applied.files++;
  }
  return applied;
}

/**
 * Writes `bytes` as the new contents of `file` so that no moment leaves it cut short (a full disk, a
 * killed run): a temporary file beside it (the same folder, so the rename stays on one file system)
 * with the file's permissions, renamed over it. A symbolic link is followed: its target is rewritten
 * and the link stays. In a folder where no file can be created (the file itself writable), the file
 * is written in place, as other formatters do. A file this process may not write is refused as a
 * write in place would be, though its folder would let the rename replace it (a read-only file).
 * A file with other hard links is written in place too: a rename would leave them the old text.
 */
function replaceContents(file: string, bytes: Buffer): void {
  const target = realpathSync(file);
  accessSync(target, fsConstants.W_OK);
  const original = statSync(target);
  if (original.nlink > 1) return writeFileSync(target, bytes);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.coroutine-lens.tmp`);
  try {
    // Readable by its owner only until it has the file's mode: the text may be private.
    writeFileSync(temporary, bytes, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Created but cut short (a full disk, a file size limit): removed. One of that name already there is another run's.
    if (code !== 'EEXIST') rmSync(temporary, { force: true });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return writeFileSync(target, bytes);
    throw error;
  }
  try {
    const made = statSync(temporary);
    if (made.uid !== original.uid || made.gid !== original.gid) {
      // The file stays its owner's (a run as root over a user's tree); where this process cannot give
      // it back, the file is written in place, which keeps its owner.
      try {
        chownSync(temporary, original.uid, original.gid);
      } catch {
        rmSync(temporary, { force: true });
        return writeFileSync(target, bytes);
      }
    }
    // After the chown, which clears the setuid and setgid bits.
    chmodSync(temporary, original.mode & 0o7777);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
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
 * For a file checked on its own (a path, or --stdin-filename): what to index with it so the modules
 * it imports resolve. Inside a project whose pyproject.toml configures coroutine-lens, the outermost
 * such project within the working folder (a monorepo's root, run from there: a sub-project's modules
 * import the repository's, as `check .` there, and the editor with that folder open, resolve them;
 * never a folder above the one the run started in). Else in a project (a pyproject.toml above the folder above its outermost package):
 * the project's root, whose folders without `__init__.py` are namespace packages named from the
 * root. That folder itself when it looks like a project's (PROJECT_MARKERS). Else what Python
 * imports from it (a script's sys.path[0]) — its modules and its regular packages, not every folder
 * below it, which may be a home directory.
 */
async function contextOf(file: string, projects: Projects): Promise<string[]> {
  const outermost = await projects.outermostRootOf(file, process.cwd());
  if (outermost !== undefined) return [outermost];
  let dir = path.dirname(file);
  while (existsSync(path.join(dir, '__init__.py')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const root = await projects.rootOf(file);
  // (Without a pyproject.toml, rootOf gives the nearest existing folder: an unsaved file's folder may not exist yet.)
  if (dir.startsWith(root + path.sep) && existsSync(path.join(root, 'pyproject.toml'))) return [root];
  return PROJECT_MARKERS.some((marker) => existsSync(path.join(dir, marker))) ? [dir] : importableFrom(dir);
}

/** What makes a folder a project's root, to be walked whole: a repository without a pyproject.toml is one too. */
const PROJECT_MARKERS = ['pyproject.toml', 'setup.py', 'setup.cfg', '.git'];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The modules (`name.py`) and regular packages (`name/__init__.py`) an import finds in `dir`. */
function importableFrom(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => (name.endsWith('.py') ? IDENTIFIER.test(name.slice(0, -3)) : IDENTIFIER.test(name) && existsSync(path.join(dir, name, '__init__.py'))))
    .map((name) => path.join(dir, name));
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

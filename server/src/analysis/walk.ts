/**
 * Finds the Python files under a folder: skips version-control folders, virtual environments
 * (any folder with a `pyvenv.cfg`, and the usual names), caches, `node_modules` and the configured
 * exclude globs; follows symbolic links but never into a folder it has already entered (loops), and
 * keeps one path per real file.
 * A folder below the root may start a project of its own (a pyproject.toml that configures us):
 * below it, its exclude globs apply instead of the enclosing project's.
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';

/** The folders ruff skips by default, so both tools see the same files. */
const SKIPPED = new Set([
  '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox', '.pants.d',
  '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.svn', '.tox', '.venv', '.vscode', '__pypackages__', '_build',
  'buck-out', 'build', 'dist', 'node_modules', 'site-packages', 'venv', '__pycache__', '.coroutine_lens_cache',
]);

export interface WalkResult {
  files: Array<{ path: string; size: number; mtimeMs: number }>;
  /**
   * Symbolic links to a file `files` holds under another path: not checked again, but still modules
   * an import may name by their own path (`from pkg.alias import f` with `pkg/alias.py` a link).
   */
  linked: WalkResult['files'];
  /** Folders that contain an `__init__.py`. */
  packages: Set<string>;
  problems: Array<{ path: string; message: string }>;
}

/** Compiles a gitignore-like glob: `*` within a segment, `**` across segments; no slash = any depth. */
export function globMatcher(patterns: string[]): (relative: string) => boolean {
  const regexes = patterns.map((pattern) => {
    let p = pattern.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
    const anchored = p.includes('/');
    const tokens: Record<string, string> = { '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' };
    p = p.replace(/[.+^${}()|[\]]/g, '\\$&').replace(/\*\*\/|\*\*|\*|\?/g, (m) => tokens[m]!);
    return new RegExp(`${anchored ? '^' : '(?:^|/)'}${p}(?:/.*)?$`);
  });
  return (relative) => regexes.some((r) => r.test(relative.replace(/\\/g, '/')));
}

/**
 * Globs written relative to `from` as seen from `to`, a folder below it (a sub-project given the
 * workspace folder's globs): a glob without a slash matches at any depth and stays as it is; an
 * anchored one keeps what is left of it once its leading segments have matched the path from `from`
 * to `to` (`**` matching any part of that path), and is dropped when they cannot (`docs/**` below
 * `api/`). Everything below `to` when the glob covers `to` itself.
 */
export function rebaseGlobs(globs: string[], from: string, to: string): string[] {
  const steps = path.relative(from, to).split(path.sep).filter(Boolean);
  const rebased = new Set<string>();
  const follow = (segments: string[], i: number, j: number): void => {
    if (i === segments.length) rebased.add('**');
    else if (j === steps.length) rebased.add(segments.slice(i).join('/'));
    else if (segments[i] === '**') {
      rebased.add(segments.slice(i).join('/')); // the rest of the path, and more, below `to`
      follow(segments, i + 1, j); // `**` matches nothing of it
      follow(segments, i, j + 1); // or one more step of it
    } else if (globMatcher([segments[i]!])(steps[j]!)) follow(segments, i + 1, j + 1);
  };
  for (const glob of globs) {
    const normal = glob.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
    if (!normal.includes('/')) rebased.add(glob);
    else follow(normal.split('/'), 0, 0);
  }
  return [...rebased];
}

/** A folder's real path and its entries, or why either could not be read. */
type Listing = { real?: string; entries?: Dirent[]; error?: Error };

async function list(dir: string): Promise<Listing> {
  const listing: Listing = {};
  try {
    listing.real = await fs.realpath(dir);
    listing.entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    listing.error = error as Error;
  }
  return listing;
}

export interface WalkOptions {
  /** Globs of paths never walked, relative to `excludeBase` (the configuration's folder; default: the root). */
  exclude: string[];
  excludeBase?: string;
  signal?: AbortSignal;
  /**
   * Asked for each folder below the root that holds a `pyproject.toml` (and is not excluded): the
   * exclude globs of the project it starts (relative to it), or undefined when it starts none.
   */
  nestedProject?(folder: string): Promise<string[] | undefined>;
}

/** The exclude globs that apply in a part of the walk, and the folder they are relative to. */
interface ExcludeScope {
  base: string;
  any: boolean;
  matches(relative: string): boolean;
}

function excludeScope(exclude: string[], base: string): ExcludeScope {
  return { base, any: exclude.length > 0, matches: globMatcher(exclude) };
}

export async function walkPython(root: string, options: WalkOptions): Promise<WalkResult> {
  const { signal, nestedProject } = options;
  const result: WalkResult = { files: [], linked: [], packages: new Set(), problems: [] };
  const visited = new Set<string>();
  // A folder is listed as soon as it is found, so the file system works on many at once; the walk
  // still takes them in depth-first order, so what it decides (which path of a loop wins) is unchanged.
  const pending: Array<{ dir: string; listing: Promise<Listing>; scope: ExcludeScope }> = [
    { dir: root, listing: list(root), scope: excludeScope(options.exclude, options.excludeBase ?? root) },
  ];
  // The files of each folder, stat'ed while the walk goes on.
  const statting: Array<{ at: number; files: string[]; stats: Promise<Array<Stats | Error>> }> = [];
  // The real path of every file found: a symbolic link to a file the walk also finds is one file, not two.
  const realPaths = new Map<string, string | Promise<string>>();
  while (pending.length) {
    if (signal?.aborted) break;
    const next = pending.pop()!;
    const { dir, listing } = next;
    let { scope } = next;
    const { real, entries, error } = await listing;
    if (real !== undefined && visited.has(real)) {
      result.problems.push({ path: dir, message: `skipped: symbolic link loop (already visited ${real})` });
      continue;
    }
    if (real !== undefined) visited.add(real);
    if (!entries) {
      result.problems.push({ path: dir, message: `cannot read folder: ${error!.message}` });
      continue;
    }
    if (dir !== root && entries.some((e) => e.name === 'pyvenv.cfg')) continue;
    if (nestedProject && dir !== root && entries.some((e) => e.name === 'pyproject.toml' && !e.isDirectory())) {
      const exclude = await nestedProject(dir);
      if (exclude) scope = excludeScope(exclude, dir);
    }
    const files: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (scope.any && scope.matches(path.relative(scope.base, full))) continue;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const stat = await fs.stat(full);
          isDir = stat.isDirectory();
          isFile = stat.isFile();
        } catch (error) {
          result.problems.push({ path: full, message: `skipped: broken symbolic link (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
          continue;
        }
      }
      if (isDir) {
        if (!SKIPPED.has(entry.name)) pending.push({ dir: full, listing: list(full), scope });
      } else if (isFile && entry.name.endsWith('.py')) {
        files.push(full);
        realPaths.set(full, entry.isSymbolicLink() ? fs.realpath(full).catch(() => full) : path.join(real!, entry.name));
        if (entry.name === '__init__.py') result.packages.add(dir);
      }
    }
    statting.push({ at: result.problems.length, files, stats: Promise.all(files.map((f) => fs.stat(f).then((s) => s, (e: Error) => e))) });
  }
  // Last folder first, so each batch's problems go back where the walk met them.
  for (const { at, files, stats } of statting.reverse()) {
    const problems: WalkResult['problems'] = [];
    (await stats).forEach((stat, i) => {
      if (stat instanceof Error) problems.push({ path: files[i]!, message: `cannot read: ${stat.message}` });
      else result.files.push({ path: files[i]!, size: stat.size, mtimeMs: stat.mtimeMs });
    });
    result.problems.splice(at, 0, ...problems);
  }
  result.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await dropLinkedTwice(result, realPaths);
  return result;
}

/**
 * Keeps one path per real file: a file and a symbolic link to it (or two links to one file) would
 * report every finding twice. The file itself is kept, else the first link in path order; each other
 * link is a note, as a folder the walk has already entered is, and goes to `linked`.
 */
async function dropLinkedTwice(result: WalkResult, realPaths: Map<string, string | Promise<string>>): Promise<void> {
  const links = new Map<string, string>();
  for (const [file, real] of realPaths) if (typeof real !== 'string') links.set(file, await real);
  if (!links.size) return;
  const kept = new Map<string, string>();
  for (const { path: file } of result.files) if (!links.has(file)) kept.set(realPaths.get(file) as string, file);
  result.files = result.files.filter((found) => {
    const real = links.get(found.path);
    if (real === undefined) return true;
    const other = kept.get(real);
    if (other === undefined) {
      kept.set(real, found.path);
      return true;
    }
    // Named from the link's folder, as `ls -l` shows a link: no absolute path of this machine in a report.
    result.problems.push({ path: found.path, message: `skipped: symbolic link to ${path.relative(path.dirname(found.path), other)}, which is checked` });
    result.linked.push(found);
    return false;
  });
}

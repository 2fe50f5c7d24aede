/**
 * Finds the Python files under a folder: skips version-control folders, virtual environments
 * (any folder with a `pyvenv.cfg`, and the usual names), caches, `node_modules` and the configured
 * exclude globs; follows symbolic links but never into a folder it has already entered (loops).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The folders ruff skips by default, so both tools see the same files. */
const SKIPPED = new Set([
  '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox', '.pants.d',
  '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.svn', '.tox', '.venv', '.vscode', '__pypackages__', '_build',
  'buck-out', 'build', 'dist', 'node_modules', 'site-packages', 'venv', '__pycache__', '.coroutine_lens_cache',
]);

export interface WalkResult {
  files: Array<{ path: string; size: number; mtimeMs: number }>;
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

export async function walkPython(root: string, exclude: string[], signal?: AbortSignal): Promise<WalkResult> {
  const result: WalkResult = { files: [], packages: new Set(), problems: [] };
  const excluded = globMatcher(exclude);
  const visited = new Set<string>();
  const pending: string[] = [root];
  while (pending.length) {
    if (signal?.aborted) break;
    const dir = pending.pop()!;
    let real: string;
    let entries: import('node:fs').Dirent[];
    try {
      real = await fs.realpath(dir);
      if (visited.has(real)) {
        result.problems.push({ path: dir, message: `skipped: symbolic link loop (already visited ${real})` });
        continue;
      }
      visited.add(real);
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      result.problems.push({ path: dir, message: `cannot read folder: ${(error as Error).message}` });
      continue;
    }
    if (dir !== root && entries.some((e) => e.name === 'pyvenv.cfg')) continue;
    const files: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      if (exclude.length && excluded(relative)) continue;
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
        if (!SKIPPED.has(entry.name)) pending.push(full);
      } else if (isFile && entry.name.endsWith('.py')) {
        files.push(full);
        if (entry.name === '__init__.py') result.packages.add(dir);
      }
    }
    const stats = await Promise.all(files.map((f) => fs.stat(f).then((s) => s, (e: Error) => e)));
    files.forEach((file, i) => {
      const stat = stats[i]!;
      if (stat instanceof Error) result.problems.push({ path: file, message: `cannot read: ${stat.message}` });
      else result.files.push({ path: file, size: stat.size, mtimeMs: stat.mtimeMs });
    });
  }
  result.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return result;
}

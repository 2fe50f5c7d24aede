/**
 * Where the index cache lives. The client may name a folder; otherwise, with one workspace folder,
 * the CLI's default (`.coroutine_lens_cache` in the project root), so `coroutine-lens check` and the
 * editor warm each other up; with several folders (the engine keeps one cache folder), the
 * platform's per-user cache folder.
 */
import { homedir } from 'node:os';
import * as path from 'node:path';

/** The CLI's `--cache-dir` default, relative to the project root. */
const PROJECT_CACHE = '.coroutine_lens_cache';

export function cacheDirFor(roots: readonly string[], requested: string | undefined): string {
  if (requested) return requested;
  if (roots.length === 1) return path.join(roots[0], PROJECT_CACHE);
  const home = homedir();
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'coroutine-lens', 'cache');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'coroutine-lens');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'coroutine-lens');
}

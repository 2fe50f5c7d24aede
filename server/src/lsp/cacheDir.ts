/**
 * Where the index cache lives when the client names no folder: the platform's per-user cache
 * folder, so that a re-opened workspace starts warm and nothing is written into the workspace.
 */
import { homedir } from 'node:os';
import * as path from 'node:path';

export function defaultCacheDir(): string {
  const home = homedir();
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'coroutine-lens', 'cache');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'coroutine-lens');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'coroutine-lens');
}

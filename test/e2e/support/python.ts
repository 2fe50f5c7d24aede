/** The Python the e2e tests and the demo debug with: the newest test venv (it has Tornado). */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function testPython(root: string): Promise<string> {
  const { ensureVenvs } = (await import(pathToFileURL(join(root, 'scripts', 'python-envs.mjs')).href)) as {
    ensureVenvs(): Record<string, string>;
  };
  const venvs = Object.entries(ensureVenvs()).sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const newest = venvs.at(-1);
  if (!newest) throw new Error('no Python 3.9–3.13 venv');
  return newest[1];
}

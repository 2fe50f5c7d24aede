/** CPython's own compiler, for tests of rewritten source: it catches what a tree-sitter parse accepts (`yield` in a comprehension, `await` outside `async def`). */
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.PYTHON ?? 'python3';
export const pythonAvailable = !spawnSync(PYTHON, ['--version']).error;

/** CPython's compile error for `text` (undefined when it compiles). */
export function pythonCompileError(text: string): string | undefined {
  const result = spawnSync(PYTHON, ['-c', 'import sys; compile(sys.stdin.buffer.read(), "main.py", "exec")'], { input: text, encoding: 'utf8' });
  return result.status === 0 ? undefined : result.stderr || `exit ${result.status}`;
}

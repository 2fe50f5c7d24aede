/**
 * The lexical prefilter: a file can hold a finding only if it has a coroutine context
 * (`async def`, a coroutine decorator) or a task spawn — or if it calls a coroutine function
 * without awaiting it (CORO200 in synchronous code). Most of a large tree has none of these, and a
 * regular-expression scan is ~50× cheaper than a parse, so only files that pass are parsed up
 * front; the modules their calls lead into are parsed on demand.
 */
import { libraryCoroutineFunctions } from './rules/catalogue';

export function prefilterFor(extraDecorators: string[]): (text: string) => boolean {
  const extra = extraDecorators.map((d) => d.split('.').pop()!.replace(/[^\w]/g, ''));
  const pattern = new RegExp(`async\\s+def|coroutine|gen\\.engine|create_task|ensure_future${extra.map((e) => `|${e}`).join('')}`);
  return (text) => pattern.test(text);
}

const ALIASED_DECORATOR = /\b(?:coroutine|engine)\s+as\s+([A-Za-z_]\w*)/g;

/**
 * The test for one file's blocks, stricter than the file prefilter (a docstring that mentions
 * "coroutine" does not count): an `async def`, a decorator line naming a coroutine decorator —
 * also one the file imports under another name (`from tornado.gen import coroutine as co`) or a
 * configured one —, or a task spawn.
 */
export function blockFilterFor(extraDecorators: string[], fileText: string): (block: string) => boolean {
  const aliases = [...fileText.matchAll(ALIASED_DECORATOR)].map((m) => m[1]!);
  const decorators = ['coroutine', 'engine', ...aliases, ...extraDecorators.map((d) => d.split('.').pop()!.replace(/[^\w]/g, ''))];
  const pattern = new RegExp(`async\\s+def|^[ \\t]*@[\\w. \\t]*\\b(?:${decorators.join('|')})\\b|create_task\\s*\\(|ensure_future\\s*\\(`, 'm');
  return (block) => pattern.test(block);
}

/** A call that starts a line (`fetch(…)`, `api.fetch(…)`, `self.close(…)`): its last name. */
const STATEMENT_CALL = /^[ \t]*(?:[A-Za-z_]\w*[ \t]*\.[ \t]*)*([A-Za-z_]\w*)[ \t]*\(/gm;

/**
 * The last names of the calls a file makes as statements of their own (sorted, once each). Kept for
 * files the prefilter rejects: were one a coroutine function's name, the call could drop its
 * coroutine (CORO200), so the file is analysed after all (see callsCoroutineName).
 */
export function statementCallNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(STATEMENT_CALL)) names.add(match[1]!);
  return [...names].sort();
}

/** Last names of the catalogue's library coroutine functions (`asyncio.sleep` → `sleep`). */
export const libraryCoroutineNames: ReadonlySet<string> = new Set([...libraryCoroutineFunctions].map((name) => name.split('.').pop()!));

/** Whether one of `calls` (statementCallNames) is the name of a workspace or library coroutine function. */
export function callsCoroutineName(calls: readonly string[] | undefined, workspaceCoroutines: ReadonlySet<string>): boolean {
  return !!calls?.some((name) => workspaceCoroutines.has(name) || libraryCoroutineNames.has(name));
}

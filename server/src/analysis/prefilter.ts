/**
 * The lexical prefilter: a file can hold a finding only if it has a coroutine context
 * (`async def`, a coroutine decorator) or a task spawn. Most of a large tree has neither, and a
 * regular-expression scan is ~50× cheaper than a parse, so only files that pass are parsed up
 * front; the modules their calls lead into are parsed on demand.
 */
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

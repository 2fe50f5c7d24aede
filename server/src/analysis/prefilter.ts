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

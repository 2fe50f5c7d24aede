/**
 * Which framework a coroutine's advice is for (asyncio, Tornado, trio, anyio): the one its own
 * awaits name, else its file's by the rule in docs/rules/README.md. A trio suggestion must never
 * reach asyncio code.
 */
import type { Framework } from './api';
import type { FunctionFact, ModuleFacts } from './facts';

const FRAMEWORKS: ReadonlySet<string> = new Set(['asyncio', 'trio', 'anyio', 'tornado']);

/** The framework `qualified` (an imported name) belongs to, if any. */
function frameworkModule(qualified: string): Framework | undefined {
  const root = qualified.split('.', 1)[0]!;
  return FRAMEWORKS.has(root) ? (root as Framework) : undefined;
}

/**
 * The framework that what `fn` awaits names through an import (`await trio.sleep(…)`, `await
 * asyncio.gather(…)`, `async with anyio.create_task_group()`): the first one, in order; undefined
 * when it names none. Only awaited calls and `async with` items count: they run on that framework's
 * loop, while a synchronous helper of its package (`asyncio.windows_utils.pipe()`, called in trio's
 * own tests) says nothing about which loop the coroutine runs on.
 */
function calledFramework(facts: ModuleFacts, fn: FunctionFact): Framework | undefined {
  for (const call of fn.calls) {
    if (!call.awaited && !call.asyncWithItem) continue;
    const head = /^[^.([]*/.exec(call.callee)![0];
    const local = Object.hasOwn(fn.locals, head) ? fn.locals[head]! : undefined;
    const imported = local !== undefined ? (local.startsWith('=') ? local.slice(1) : undefined) : Object.hasOwn(facts.imports, head) ? facts.imports[head] : undefined;
    const framework = imported === undefined ? undefined : frameworkModule(imported);
    if (framework) return framework;
  }
  return undefined;
}

/**
 * The framework a coroutine's advice is for: the one its own calls name (a file may import asyncio
 * and trio; the coroutine that awaits `trio.sleep` is trio code), else the file's (fileFramework).
 */
export function coroutineFramework(facts: ModuleFacts, fn: FunctionFact): Framework {
  // Asked once per finding and per fix: a coroutine with thousands of blocking calls must not scan its calls each time.
  // Keyed by the facts too: an editor buffer's next facts may reuse an unchanged function's record.
  let known = frameworksOf.get(facts);
  if (!known) frameworksOf.set(facts, (known = new WeakMap()));
  let framework = known.get(fn);
  if (framework === undefined) {
    framework = calledFramework(facts, fn) ?? facts.framework;
    known.set(fn, framework);
  }
  return framework;
}

const frameworksOf = new WeakMap<ModuleFacts, WeakMap<FunctionFact, Framework>>();

/**
 * The file's framework, for coroutines whose calls name none: the one most of its coroutines name
 * (ties: the one imported first), else the first the file imports — asyncio and Tornado counting as
 * one family (Tornado runs on asyncio; its advice fits native coroutines there), Tornado's advice
 * when the file imports it —, else asyncio. Import order, not a fixed preference: a trio suggestion
 * must never reach asyncio code, and a file that imports both has shown nothing better.
 */
export function fileFramework(facts: ModuleFacts): Framework {
  const imported = [...Object.values(facts.imports), ...facts.starImports].map(frameworkModule).filter((f): f is Framework => f !== undefined);
  const family = (framework: Framework): Framework => (framework === 'asyncio' || framework === 'tornado') && imported.includes('tornado') ? 'tornado' : framework;
  const votes = new Map<Framework, number>();
  for (const fn of facts.functions) {
    // `async def` only: never in a lazy block, so the vote is the same however the file was parsed.
    if (!fn.isAsync) continue;
    const framework = calledFramework(facts, fn);
    if (framework) votes.set(family(framework), (votes.get(family(framework)) ?? 0) + 1);
  }
  const firstImported = (framework: Framework): number => {
    const at = imported.findIndex((f) => family(f) === framework);
    return at < 0 ? Infinity : at;
  };
  const ranked = [...votes].sort(([a, x], [b, y]) => y - x || firstImported(a) - firstImported(b));
  if (ranked.length) return ranked[0]![0];
  return imported.length ? family(imported[0]!) : 'asyncio';
}

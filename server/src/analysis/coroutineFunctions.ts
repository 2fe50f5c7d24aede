/**
 * Which functions count as coroutine functions workspace-wide (for CORO200 / CORO202 and the
 * prefilter's second look at files without coroutine code). Shared by the engine and the cache,
 * which keeps these names per file so a warm run needs no facts to know them.
 */
import type { FunctionFact, ModuleFacts } from './facts';

/** An `async def`, or a decorated generator whatever its decorator (CORO202). */
export function countsAsCoroutine(fn: FunctionFact): boolean {
  return fn.isAsync || (fn.hasYield && fn.decorators.length > 0);
}

/** The names of a module's coroutine functions, each once, in order of definition. */
export function coroutineFunctionNames(facts: ModuleFacts): string[] {
  return [...new Set(facts.functions.filter(countsAsCoroutine).map((fn) => fn.name))];
}

/** Decorators that leave the function they decorate as it is (a method's kind, a type checker's mark). */
const TRANSPARENT_DECORATOR = /(?:^|\.)(?:staticmethod|classmethod|abstractmethod|override)$/;

/**
 * Whether calling the `async def` `fn` surely gives a coroutine object: not an async generator
 * (`@asynccontextmanager` over one makes a context manager), and under no decorator that may
 * return something else (a workspace decorator wrapping it into a context manager).
 */
export function returnsCoroutine(fn: FunctionFact): boolean {
  return fn.isAsync && !fn.hasYield && fn.decorators.every((decorator) => TRANSPARENT_DECORATOR.test(decorator));
}

/** An `async def` with a `yield`: calling it gives an async generator, iterated with `async for`, never awaited. */
export function isAsyncGenerator(fn: FunctionFact): boolean {
  return fn.isAsync && fn.hasYield;
}

/**
 * A plain generator function (no decorator that may make it something else: a context manager, a
 * coroutine): calling it runs nothing, iterating what the call gives runs its body, step by step.
 */
export function isPlainGenerator(fn: FunctionFact): boolean {
  return !fn.isAsync && fn.hasYield && fn.decorators.every((decorator) => TRANSPARENT_DECORATOR.test(decorator));
}

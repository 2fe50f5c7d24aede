/**
 * A branch where the code itself tests that a callable is no coroutine function:
 * `if not inspect.iscoroutinefunction(self.close): self.close()`, or the `else` of
 * `if asyncio.iscoroutinefunction(f): await f() else: f()`. Code generated for a synchronous and an
 * asynchronous flavour from one source (neo4j's `__del__`) calls the method there only when it is
 * synchronous. Where the engine resolved the callee to a plain `async def` (or a library coroutine),
 * such a call makes no coroutine and none is dropped (no CORO200): were it that function, the branch
 * would not run. Not so for a generator-based coroutine, an async generator function or an `async
 * def` under a wrapping decorator: inspect calls none of them a coroutine function, so the branch runs.
 *
 * The test is recorded as a guard of the calls in its branch (guards.ts), `F(x)` for a call of one
 * dotted name `F` with one dotted argument `x`, in files whose text names `iscoroutinefunction` at
 * all; which function `F` is, the module's imports tell when a call there is judged.
 */
import type { Node } from 'web-tree-sitter';

/** The word a file must show for its conditions to be read as such tests. */
export const COROUTINE_FUNCTION_TEST = 'iscoroutinefunction';

/** The functions that answer whether a callable is a coroutine function (`asyncio`'s is deprecated, same answer). */
const TEST_FUNCTIONS: ReadonlySet<string> = new Set(['inspect.iscoroutinefunction', 'asyncio.iscoroutinefunction', 'asyncio.coroutines.iscoroutinefunction']);

const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
const TEST_GUARD = /^!([\w.]+)\(([\w.]+)\)$/;

/** The guard a condition `F(x)` (a `call` node) may be a coroutine-function test as: `F(x)`; else undefined. */
export function coroutineFunctionTest(call: Node): string | undefined {
  const tested = call.childForFieldName('function')?.text;
  const args = call.childForFieldName('arguments');
  if (!tested || !DOTTED_NAME.test(tested) || args?.type !== 'argument_list' || args.namedChildCount !== 1) return undefined;
  const argument = args.namedChild(0)!.text;
  return DOTTED_NAME.test(argument) ? `${tested}(${argument})` : undefined;
}

/**
 * Whether `guards` (a call's) hold a test, by a function `imports` binds to a coroutine-function test,
 * that `callee` is no coroutine function.
 */
export function testedNotCoroutineFunction(guards: readonly string[] | undefined, callee: string, imports: Record<string, string>): boolean {
  return !!guards?.some((guard) => {
    const test = TEST_GUARD.exec(guard);
    if (!test || test[2] !== callee) return false;
    const tested = test[1]!;
    const dot = tested.indexOf('.');
    const head = dot < 0 ? tested : tested.slice(0, dot);
    // hasOwn: facts back from the cache are plain objects.
    return Object.hasOwn(imports, head) && TEST_FUNCTIONS.has(imports[head]! + (dot < 0 ? '' : tested.slice(dot)));
  });
}

/**
 * Code that runs only where no event loop runs on the thread: the `except RuntimeError` of a `try` whose
 * whole body is `asyncio.get_running_loop()` (it raises only when no loop runs), and, when that body binds a
 * name (`loop = asyncio.get_running_loop()`) which the handler sets to `None` and nothing else in the
 * function binds, the branch of `if loop is None:` (or the `else` of `if loop is not None:` / `if
 * loop:`). Streamlit's `_close_script_event_loop()` drives a loop there with `run_until_complete`;
 * called from a coroutine, that branch never runs, so a call there is no finding in a coroutine and no
 * hop of a chain. In synchronous code such a call still counts for the dropped-result rules.
 *
 * Which function the body calls, the module's imports tell when a call is judged: the facts keep
 * the callee as written (`CallFact.withoutLoop`).
 */
import type { Node } from 'web-tree-sitter';

/** The word code must show for its `try` statements to be read: the handlers that count catch it by name. */
export const NO_LOOP_ERROR = 'RuntimeError';

/** The callables that raise when no event loop runs on the thread. */
const RAISING_TESTS: ReadonlySet<string> = new Set(['asyncio.get_running_loop', 'asyncio.events.get_running_loop']);

const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

/** A range of the source (UTF-16 indices) of function `scope` that runs only when `test()` raised: no loop runs. */
export interface NoLoopRegion {
  start: number;
  end: number;
  test: string;
  /** The tree node id of the function the range is code of: a nested def or lambda there runs whenever it is called. */
  scope: number;
}

/** The regions of `root` that run only where no event loop runs, in document order of their start. */
export function noLoopRegions(root: Node): NoLoopRegion[] {
  const regions: NoLoopRegion[] = [];
  for (const statement of root.descendantsOfType('try_statement')) {
    if (!statement) continue;
    const test = loopTest(statement);
    const scope = test && enclosingFunction(statement);
    if (!test || !scope) continue;
    const handlers = statement.namedChildren.filter((c): c is Node => c?.type === 'except_clause' && catchesNoLoopError(c));
    for (const handler of handlers) regions.push({ start: handler.startIndex, end: handler.endIndex, test: test.callee, scope: scope.id });
    if (test.name && handlers.length) regions.push(...branchesOnName(statement, scope, test.name, test.callee, handlers));
  }
  return regions.sort((a, b) => a.start - b.start);
}

/** The test's callee when `node` is code of a region of `regions` (of its own function, not of a def nested there). */
export function noLoopAt(regions: readonly NoLoopRegion[], node: Node): string | undefined {
  const at = node.startIndex;
  const region = regions.find((r) => r.start <= at && at < r.end);
  return region && enclosingFunction(node)?.id === region.scope ? region.test : undefined;
}

/** Whether `test` (a call's `withoutLoop`), as `imports` bind its head, raises where no loop runs. */
export function raisesWithoutLoop(test: string | undefined, imports: Record<string, string>): boolean {
  if (test === undefined) return false;
  const dot = test.indexOf('.');
  const head = dot < 0 ? test : test.slice(0, dot);
  // hasOwn: facts back from the cache are plain objects.
  return Object.hasOwn(imports, head) && RAISING_TESTS.has(imports[head]! + (dot < 0 ? '' : test.slice(dot)));
}

/** `except RuntimeError:`, `except (RuntimeError, …) as e:`: a handler that names the error by itself. */
function catchesNoLoopError(handler: Node): boolean {
  const caught = handler.namedChildren.find((c) => c?.type !== 'block');
  const types = caught?.type === 'as_pattern' ? caught.namedChild(0) : caught;
  if (!types) return false;
  const names = types.type === 'tuple' || types.type === 'parenthesized_expression' ? types.namedChildren : [types];
  return names.some((name) => name?.text === NO_LOOP_ERROR || name?.text === `builtins.${NO_LOOP_ERROR}`);
}

/** `try: [name =] f()` with nothing else in its body, `f` a dotted name and no arguments: `f`, and the name. */
function loopTest(statement: Node): { callee: string; name?: string } | undefined {
  const body = statement.childForFieldName('body');
  if (body?.namedChildCount !== 1) return undefined;
  const expression = body.namedChild(0);
  if (expression?.type !== 'expression_statement' || expression.namedChildCount !== 1) return undefined;
  let value = expression.namedChild(0)!;
  let name: string | undefined;
  if (value.type === 'assignment') {
    const left = value.childForFieldName('left');
    const right = value.childForFieldName('right');
    if (left?.type !== 'identifier' || !right || value.childForFieldName('type')) return undefined;
    name = left.text;
    value = right;
  }
  if (value.type !== 'call' || value.childForFieldName('arguments')?.namedChildCount !== 0) return undefined;
  const callee = value.childForFieldName('function')?.text;
  if (!callee || !DOTTED_NAME.test(callee)) return undefined;
  return { callee, name };
}

/**
 * The branches on `name` after `statement` that run only when it is None, when every handler sets it
 * to None (one statement `name = None`) and nothing else in the enclosing function binds it.
 */
function branchesOnName(statement: Node, scope: Node, name: string, test: string, handlers: Node[]): NoLoopRegion[] {
  const setsNone = (handler: Node): boolean => handler.namedChildren.some((child) => {
    if (child?.type !== 'block' || child.namedChildCount !== 1) return false;
    const assignment = child.namedChild(0)?.namedChild(0);
    return assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === name && assignment.childForFieldName('right')?.type === 'none';
  });
  if (!handlers.every(setsNone)) return [];
  const allowed = new Set([statement.id, ...handlers.map((h) => h.id)]);
  for (const identifier of scope.descendantsOfType('identifier')) {
    if (identifier?.text !== name || onlyRead(identifier)) continue;
    // A binding must be the `try`'s or a handler's own assignment (assignment → statement → block → try / except).
    const assignment = identifier.parent;
    const owner = assignment?.parent?.parent?.parent;
    if (assignment?.type !== 'assignment' || !owner || !allowed.has(owner.id)) return [];
  }
  const regions: NoLoopRegion[] = [];
  for (const branch of scope.descendantsOfType('if_statement')) {
    if (!branch || branch.startIndex < statement.endIndex || enclosingFunction(branch)?.id !== scope.id) continue;
    const condition = branch.childForFieldName('condition');
    const none = condition ? nonePolarity(condition, name) : undefined;
    if (none === undefined) continue;
    if (none) {
      const consequence = branch.childForFieldName('consequence');
      if (consequence) regions.push({ start: consequence.startIndex, end: consequence.endIndex, test, scope: scope.id });
    } else {
      for (const alternative of branch.childrenForFieldName('alternative')) {
        if (alternative.type === 'else_clause') regions.push({ start: alternative.startIndex, end: alternative.endIndex, test, scope: scope.id });
      }
    }
  }
  return regions;
}

/** `name is None` / `not name`: true; `name is not None` / `name`: false (its branch runs with a loop); else undefined. */
function nonePolarity(condition: Node, name: string): boolean | undefined {
  if (condition.type === 'identifier') return condition.text === name ? false : undefined;
  if (condition.type === 'not_operator') return condition.childForFieldName('argument')?.text === name ? true : undefined;
  if (condition.type !== 'comparison_operator' || condition.namedChildCount !== 2) return undefined;
  const [left, right] = [condition.namedChild(0), condition.namedChild(1)];
  if (left?.type !== 'identifier' || left.text !== name || right?.type !== 'none') return undefined;
  const operators = condition.children.filter((c) => c && !c.isNamed).map((c) => c!.type).join(' ');
  return operators === 'is' ? true : operators === 'is not' ? false : undefined;
}

/** The def or lambda `node` is code of. */
function enclosingFunction(node: Node): Node | undefined {
  for (let scope = node.parent; scope; scope = scope.parent) if (scope.type === 'function_definition' || scope.type === 'lambda') return scope;
  return undefined;
}

/** Parents where an identifier is only read, never bound. */
const READING: ReadonlySet<string> = new Set([
  'if_statement', 'elif_clause', 'while_statement', 'not_operator', 'boolean_operator', 'comparison_operator',
  'binary_operator', 'unary_operator', 'argument_list', 'parenthesized_expression', 'conditional_expression',
  'return_statement', 'assert_statement', 'expression_statement', 'subscript', 'list', 'set', 'tuple',
  'expression_list', 'pair', 'call', 'await', 'attribute', 'keyword_argument',
]);

function onlyRead(identifier: Node): boolean {
  const parent = identifier.parent;
  if (!parent) return false;
  if (READING.has(parent.type)) return parent.type !== 'keyword_argument' || parent.childForFieldName('value')?.id === identifier.id;
  if (parent.type === 'assignment' || parent.type === 'augmented_assignment') return parent.childForFieldName('right')?.id === identifier.id;
  return false;
}

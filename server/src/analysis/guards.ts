/**
 * Code that never runs: a branch of an `if` whose condition is a constant the file itself fixes —
 * `if True: … else: <never>`, `if TYPE_CHECKING: <never at run time>`, and a module constant bound
 * once to a literal (`_IS_SYNC = False` … `if _IS_SYNC: <never>`, the shape of code generated for a
 * synchronous and an asynchronous flavour from one source, as pymongo's and psycopg's). A call there
 * is no finding and no hop of a chain.
 *
 * The facts record, per call, the conditions it runs under (`guards`: the literals of the `if` /
 * `elif` branches around it); whether one is false is told later, from the whole module's facts
 * (`neverRuns`), because the constant's binding lies in another top-level statement. Only what the
 * file's text shows may be such a constant is recorded (`guardNames`: a line `NAME = True` /
 * `NAME = False` at column 0 for a name written as a constant, `TYPE_CHECKING`, `if True` /
 * `if False`), so a file without any reads its conditions not at all (the facts query without the
 * guard patterns); checking that a name is bound once costs a look at the code that could bind it.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { COROUTINE_FUNCTION_TEST, coroutineFunctionTest } from './coroutineFunctionTests';
import type { CallFact, ModuleFacts } from './facts';

/**
 * A condition a call runs under: a name (`_IS_SYNC`, `True`, `typing.TYPE_CHECKING`), or a test that a callable
 * is a coroutine function (`inspect.iscoroutinefunction(self.close)`, coroutineFunctionTests.ts); `!` before it when negated.
 */
export type Guard = string;

/** A range of the source (UTF-16 indices) whose code runs only when every guard holds. */
export interface GuardRegion {
  start: number;
  end: number;
  guards: Guard[];
}

/** Names written as constants: capitals, digits, underscores, possibly private (`_IS_SYNC`). */
const CONSTANT_STYLE = /^_*[A-Z][A-Z0-9_]*$/;
/** A module-level line binding such a name to a literal (`_IS_SYNC = False`, `DEBUG: bool = True  # …`). */
const CONSTANT_LINE = /^(_*[A-Z][A-Z0-9_]*)[ \t]*(?::[^=\n]*)?=[ \t]*(?:True|False)[ \t]*(?:#.*)?$/gm;
/** A branch on a literal: `if True:`, `elif not False`, `if (True)`. */
const LITERAL_CONDITION = /\b(?:if|elif)[ \t]+(?:not[ \t]+)?\(?[ \t]*(?:True|False)\b/;
const TYPE_CHECKING = 'TYPE_CHECKING';
const TYPING_MODULES: ReadonlySet<string> = new Set(['typing', 'typing_extensions']);

function negate(guard: Guard): Guard {
  return guard.startsWith('!') ? guard.slice(1) : `!${guard}`;
}

/**
 * What of a file's text may fix a condition (see the top of this file): undefined when nothing, so
 * the file's facts are read without the guard patterns.
 */
export function guardNames(text: string): ReadonlySet<string> | undefined {
  let names: Set<string> | undefined;
  if (text.includes(TYPE_CHECKING)) (names ??= new Set()).add(TYPE_CHECKING);
  if (LITERAL_CONDITION.test(text)) (names ??= new Set()).add('True').add('False');
  // Not a constant: a test that a callable is no coroutine function (coroutineFunctionTests.ts).
  if (text.includes(COROUTINE_FUNCTION_TEST)) (names ??= new Set()).add(COROUTINE_FUNCTION_TEST);
  for (const match of text.matchAll(CONSTANT_LINE)) (names ??= new Set()).add(match[1]!);
  return names;
}

/** The literal a condition (or a part of an `and`) is, when it is one `names` (guardNames) allows; else undefined. */
function literalOf(node: Node, names: ReadonlySet<string>): Guard | undefined {
  switch (node.type) {
    case 'true':
      return names.has('True') ? 'True' : undefined;
    case 'false':
      return names.has('False') ? 'False' : undefined;
    case 'identifier':
      return names.has(node.text) ? node.text : undefined;
    case 'attribute':
      // `typing.TYPE_CHECKING`, `t.TYPE_CHECKING`: which module the head is, the imports tell.
      return node.childForFieldName('attribute')?.text === TYPE_CHECKING && node.childForFieldName('object')?.type === 'identifier' ? node.text : undefined;
    case 'not_operator': {
      const inner = node.childForFieldName('argument');
      const literal = inner ? literalOf(inner, names) : undefined;
      return literal === undefined ? undefined : negate(literal);
    }
    case 'parenthesized_expression':
      return node.namedChildCount === 1 ? literalOf(node.namedChild(0)!, names) : undefined;
    case 'call':
      return names.has(COROUTINE_FUNCTION_TEST) ? coroutineFunctionTest(node) : undefined;
    default:
      return undefined;
  }
}

/**
 * What a condition says its branch needs: every literal of an `and` chain (a part the engine cannot
 * know is left out: the branch needs it too, so leaving it out only makes the guard weaker), and
 * whether the condition is exactly one literal (only then does the `else` get its negation).
 */
function conjunction(node: Node, names: ReadonlySet<string>): { literals: Guard[]; exact: boolean } {
  if (node.type === 'boolean_operator' && node.childForFieldName('operator')?.type === 'and') {
    const left = conjunction(node.childForFieldName('left')!, names);
    const right = conjunction(node.childForFieldName('right')!, names);
    return { literals: [...left.literals, ...right.literals], exact: false };
  }
  if (node.type === 'parenthesized_expression' && node.namedChildCount === 1 && node.namedChild(0)!.type === 'boolean_operator') return conjunction(node.namedChild(0)!, names);
  const literal = literalOf(node, names);
  return literal === undefined ? { literals: [], exact: false } : { literals: [literal], exact: true };
}

/**
 * The regions an `if` / `elif` condition guards: its own block, and, when the condition is one
 * literal, every clause after it (`elif`, `else`) under the negation. A literal naming something an
 * enclosing function binds (a parameter, a local) is the function's, not the module's: left out.
 */
export function guardRegions(condition: Node, names: ReadonlySet<string>, bound: Map<string, boolean>): GuardRegion[] {
  const clause = condition.parent;
  if (!clause) return [];
  let { literals, exact } = conjunction(condition, names);
  const local = literals.filter((literal) => boundInEnclosingFunction(clause, literal.replace(/^!/, '').split('.')[0]!, bound));
  if (local.length) {
    literals = literals.filter((literal) => !local.includes(literal));
    exact = false;
  }
  if (!literals.length) return [];
  const regions: GuardRegion[] = [];
  const consequence = clause.childForFieldName('consequence');
  if (consequence) regions.push({ start: consequence.startIndex, end: consequence.endIndex, guards: literals });
  if (!exact) return regions;
  const negated = [negate(literals[0]!)];
  const later = clause.type === 'if_statement' ? clause.childrenForFieldName('alternative') : followingClauses(clause);
  for (const other of later) regions.push({ start: other.startIndex, end: other.endIndex, guards: negated });
  return regions;
}

function followingClauses(clause: Node): Node[] {
  const clauses: Node[] = [];
  for (let next = clause.nextNamedSibling; next && (next.type === 'elif_clause' || next.type === 'else_clause'); next = next.nextNamedSibling) clauses.push(next);
  return clauses;
}

/** The guards of the regions holding `at`; regions that end before it are dropped (calls arrive in document order). */
export function guardsAt(regions: GuardRegion[], at: number): Guard[] | undefined {
  let guards: Guard[] | undefined;
  let kept = 0;
  for (const region of regions) {
    if (region.end <= at) continue;
    regions[kept++] = region;
    if (region.start <= at) guards = guards ? [...guards, ...region.guards] : region.guards;
  }
  regions.length = kept;
  return guards;
}

/** `bound`: answers so far, by function node and name (a generated module asks about one name in every function). */
function boundInEnclosingFunction(node: Node, name: string, bound: Map<string, boolean>): boolean {
  if (name === 'True' || name === 'False') return false;
  for (let scope = node.parent; scope; scope = scope.parent) {
    if (scope.type !== 'function_definition' && scope.type !== 'lambda') continue;
    const key = `${scope.id} ${name}`;
    let binding = bound.get(key);
    if (binding === undefined) bound.set(key, (binding = binds(scope, name)));
    if (binding) return true;
  }
  return false;
}

/** Whether `name` occurs in `node` anywhere but where it is only read (conservative: an unknown place counts as a binding). */
function binds(node: Node, name: string): boolean {
  return node.descendantsOfType('identifier').some((identifier) => identifier?.text === name && !onlyRead(identifier));
}

/** Parents where an identifier is read, never bound. */
const READING: ReadonlySet<string> = new Set([
  'if_statement', 'elif_clause', 'while_statement', 'not_operator', 'boolean_operator', 'comparison_operator',
  'binary_operator', 'unary_operator', 'argument_list', 'parenthesized_expression', 'conditional_expression',
  'return_statement', 'assert_statement', 'expression_statement', 'subscript', 'list', 'set', 'tuple',
  'expression_list', 'pair', 'call', 'await', 'decorator',
]);

function onlyRead(identifier: Node): boolean {
  const parent = identifier.parent;
  if (!parent) return false;
  if (READING.has(parent.type)) return true;
  // `obj.NAME` is no name of this scope; `NAME.x` reads it.
  if (parent.type === 'attribute') return true;
  // `f(NAME=…)` names a parameter of the callee; `f(x=NAME)` reads it.
  if (parent.type === 'keyword_argument') return true;
  if (parent.type === 'assignment' || parent.type === 'augmented_assignment') return parent.childForFieldName('right')?.id === identifier.id;
  return false;
}

/**
 * The module's constants: names bound by one statement of the module's own level, `NAME = True` /
 * `NAME = False` (annotated or not), and nowhere else in the file's module-level code, nor by a
 * `global` statement anywhere, in a module without `from m import *`. `tree` may have lazy blocks blanked (only `def` / `class` blocks are:
 * a function binding the name is a local of its own, or says `global`, which `text` shows).
 */
export function moduleConstants(tree: Tree, text: string, names: ReadonlySet<string> | undefined): Record<string, boolean> | undefined {
  if (!names || ![...names].some((name) => name !== 'True' && name !== 'False' && name !== TYPE_CHECKING && name !== COROUTINE_FUNCTION_TEST)) return undefined;
  const statements = tree.rootNode.namedChildren.filter((node): node is Node => !!node);
  // `from m import *` may bind any name.
  if (statements.some((statement) => statement.type === 'import_from_statement' && statement.namedChildren.some((c) => c?.type === 'wildcard_import'))) return undefined;
  const candidates = new Map<string, { value: boolean; statement: Node } | null>();
  for (const statement of statements) {
    const assignment = statement.type === 'expression_statement' && statement.namedChildCount === 1 ? statement.namedChild(0) : null;
    if (assignment?.type !== 'assignment') continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (left?.type !== 'identifier' || !names.has(left.text) || !CONSTANT_STYLE.test(left.text) || (right?.type !== 'true' && right?.type !== 'false')) continue;
    candidates.set(left.text, candidates.has(left.text) ? null : { value: right.type === 'true', statement });
  }
  let constants: Record<string, boolean> | undefined;
  for (const [name, found] of candidates) {
    if (!found || new RegExp(`\\bglobal\\b[^\\n;]*\\b${name}\\b`).test(text)) continue;
    const elsewhere = statements.some((statement) => {
      if (statement.id === found.statement.id) return false;
      const definition = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (definition?.type === 'function_definition' || definition?.type === 'class_definition') return definition.childForFieldName('name')?.text === name;
      return binds(statement, name);
    });
    if (!elsewhere) (constants ??= Object.create(null) as Record<string, boolean>)[name] = found.value;
  }
  return constants;
}

/**
 * Whether a call guarded so never runs: one of its guards is false by what the module (`imports`,
 * `constants`) says — a literal, `TYPE_CHECKING` imported from typing (false at run time), a module constant.
 */
export function neverRuns(guards: readonly Guard[], imports: Record<string, string>, constants: Record<string, boolean> | undefined): boolean {
  return guards.some((guard) => {
    const negated = guard.startsWith('!');
    const value = valueOf(negated ? guard.slice(1) : guard, imports, constants);
    return value !== undefined && value === negated;
  });
}

function valueOf(name: string, imports: Record<string, string>, constants: Record<string, boolean> | undefined): boolean | undefined {
  if (name === 'True') return true;
  if (name === 'False') return false;
  const dot = name.indexOf('.');
  if (dot >= 0) {
    // `typing.TYPE_CHECKING`: the head must be the typing module as imported.
    const head = name.slice(0, dot);
    return Object.hasOwn(imports, head) && TYPING_MODULES.has(imports[head]!) && name.slice(dot + 1) === TYPE_CHECKING ? false : undefined;
  }
  if (Object.hasOwn(imports, name)) {
    const qualified = imports[name]!;
    return qualified.endsWith(`.${TYPE_CHECKING}`) && TYPING_MODULES.has(qualified.slice(0, -TYPE_CHECKING.length - 1)) ? false : undefined;
  }
  return constants && Object.hasOwn(constants, name) ? constants[name] : undefined;
}

/** Whether `call`, a call of a function of the module `facts`, sits in a branch that never runs. */
export function inDeadBranch(facts: ModuleFacts, call: CallFact): boolean {
  return call.guards !== undefined && neverRuns(call.guards, facts.imports, facts.constants);
}

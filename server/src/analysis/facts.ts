/**
 * One walk over a file's syntax tree collects its *facts*: imports, bindings, functions, classes,
 * the calls each function makes, noqa comments and syntax problems. Facts are plain JSON so the
 * cache can store them and a worker thread can send them; every rule and every cross-module
 * question is answered from facts, never from the tree.
 *
 * Expressions are kept as strings in a tiny dotted form: `a.b().c` is the attribute `c` of the
 * result of calling `a.b`, `a[].c` the attribute `c` of an item of `a` (whatever the key: only a
 * modelled type's items have a type, `client["db"]` a pymongo database). Anything else (operators,
 * literals) is not recorded, so it can never be resolved — and an unresolved name is never guessed to block.
 */
import type { Language, Node, Tree } from 'web-tree-sitter';
import { Query } from './parser';
import type { LazyBlock } from './chunks';
import type { Framework } from './api';
import { callShape, importAnchor, nameClashes, type CallShape, type ImportAnchor } from './fixFacts';
import { fileFramework } from './frameworks';
import { annotationType } from './annotations';
import { keepsArguments, keptArguments } from './callArguments';
import { guardNames, guardRegions, guardsAt, moduleConstants, type Guard, type GuardRegion } from './guards';
import { NO_LOOP_ERROR, noLoopAt, noLoopRegions } from './runningLoop';

/** [startLine, startColumn, endLine, endColumn], 0-based, UTF-16 columns. */
export type Span = [number, number, number, number];

export interface CallFact {
  /** The called expression in dotted form (`time.sleep`, `self.load`, `IOLoop.current().run_sync`). */
  callee: string;
  span: Span;
  awaited: boolean;
  /** The call is a statement of its own: its result is dropped. */
  dropped: boolean;
  /**
   * The first positional argument of `os.spawn*` (its mode: a name), `.setblocking(…)` and
   * `.settimeout(…)` (a name or a literal: `False`, `0`), as written.
   */
  firstArg?: string;
  /** Callee of the call this call is written directly inside as an argument (`trio.wrap_file(open(…))`). */
  argumentOf?: string;
  /** How the call is written, for quick fixes (calls in `async def` and decorated functions only). */
  shape?: CallShape;
  /**
   * The call is an item of a (synchronous) `with`: the context manager it returns is entered and
   * exited right there, so a `@contextmanager` generator's body runs, and a class's `__enter__` / `__exit__`.
   */
  withItem?: boolean;
  /** The call is an item of an `async with`: what it returns must be an async context manager. */
  asyncWithItem?: boolean;
  /**
   * The call is in the body of a `try` with an `except` that catches `BlockingIOError`: the code
   * expects the object it is made on to be non-blocking (a blocking socket waits, never raises it).
   */
  wouldBlockHandled?: boolean;
  /**
   * Arguments that may make the call return at once (`block=False`, `0`, `os.WNOHANG`), by position
   * or keyword, for the calls the catalogue's `noWaitArguments` names (see callArguments.ts).
   */
  arguments?: Record<string, string>;
  /**
   * The conditions the call runs under, from the `if` / `elif` branches around it, when they name
   * something a file can fix (see guards.ts): `_IS_SYNC`, `!True`, `typing.TYPE_CHECKING`.
   */
  guards?: Guard[];
  /**
   * The call runs only where no event loop runs on the thread (see runningLoop.ts): the callee, as
   * written, of the `get_running_loop()` whose raising leads there.
   */
  withoutLoop?: string;
}

/**
 * A binding's value: a dotted expression (`requests.Session()`), `:T` for an annotation (in the
 * form annotations.ts gives it: `:Optional[T]`), `#f<index>` for a function and `#c<index>` for a
 * class defined in this file, `=q` for a
 * function-level import of the qualified name `q` (`~q` when written relative), `>e` for the target of `with e as x`,
 * `:T=e` for an annotated assignment `x: T = e` (which of the two types it: see Resolver).
 */
export type Bindings = Record<string, string>;

export interface FunctionFact {
  name: string;
  /** Dotted path inside the module: `f`, `Handler.get`, `outer.inner`. */
  qualname: string;
  isAsync: boolean;
  decorators: string[];
  hasYield: boolean;
  /** Index of the class when this function is defined directly in a class body. */
  classIndex?: number;
  /** Index of the enclosing function (closures see its bindings). */
  parent?: number;
  /** Name of the first parameter of a method (`self` / `cls`); absent for static methods. */
  selfName?: string;
  span: Span;
  locals: Bindings;
  calls: CallFact[];
  /**
   * The dotted form of what each `return` statement gives ('' for a bare `return` or a value with
   * no dotted form), so `with make_client() as c` and `lock = await get_lock()` can type their target.
   */
  returns?: string[];
  /**
   * `raise E(v)` statements (one argument with a dotted form): the callee and `v`. `raise
   * gen.Return(v)` is a `@gen.coroutine` generator's way to return on Python 2 (under any alias, so
   * the resolver tells which callee is Tornado's).
   */
  raisedReturns?: Array<{ raiser: string; value: string }>;
  /** Its return annotation (`-> threading.Lock`) in the form annotations.ts gives. */
  returnType?: string;
  /**
   * Items of its synchronous `with` statements that are no calls (`with lock:`, `with self._lock
   * as held:`; a parenthesised one even when it holds a call, `with (get_lock()):`, which calls do
   * not see as an item), in dotted form: entering such an object runs its `__enter__` right there.
   */
  entered?: EnteredObject[];
  /**
   * What it iterates right there, in dotted form: the iterable of a (synchronous) `for`, of a list,
   * set or dict comprehension, and the argument of a builtin that consumes an iterator (`list(cur)`,
   * `next(cur)`, also `list(d for d in cur)`), and what such an iterable passes through
   * (`enumerate(cur)`, `zip(keys, cur)`, `map(f, cur)` …). A generator expression alone iterates nothing yet.
   */
  iterated?: EnteredObject[];
  /**
   * What it reads an item of by an index right there, in dotted form (`cursor` of `cursor[0]`,
   * `cursor[i]`, `cursor[-1]`; a string key or a slice is no index), outside generator expressions:
   * a pymongo cursor runs a query for that document.
   */
  indexed?: EnteredObject[];
}

export interface EnteredObject {
  value: string;
  span: Span;
}

export interface ClassFact {
  name: string;
  qualname: string;
  bases: string[];
  span: Span;
  /** Class attributes and `self.x = …` assignments made in its methods. */
  members: Bindings;
  /** Methods not parsed yet (see chunks.ts). */
  lazyMembers?: Record<string, LazyBlock>;
}

/** Why a file is not (fully) analysed: reported as a note, at `span` when there is one. */
export interface Problem {
  message: string;
  span?: Span;
}

export interface ModuleFacts {
  /** Local name → qualified name (`nap` → `time.sleep`); relative imports already made absolute. */
  imports: Record<string, string>;
  /** Modules imported with `*`. */
  starImports: string[];
  /**
   * The `imports` names bound by a relative import, and `*m` for a relative `*` import of `m`:
   * each names a module of the file's own package, never a script's sibling (see
   * WorkspaceView.importedName). Absent when there is none.
   */
  relativeImports?: string[];
  globals: Bindings;
  functions: FunctionFact[];
  classes: ClassFact[];
  /** Line → codes suppressed there (`*` for a bare `# noqa`). */
  noqa: Record<number, string[]>;
  framework: Framework;
  problems: Problem[];
  /** Top-level functions and classes not parsed yet (see chunks.ts); their names are bound as `#lazy`. */
  lazy?: Record<string, LazyBlock>;
  /**
   * Objects of the file made non-blocking (`x.setblocking(False)`, `x.settimeout(0)` anywhere in it),
   * as written: `sock`. Read for module globals (a local's own function tells, a `self` attribute its class).
   */
  nonBlocking?: string[];
  /** Module constants: names bound once, to `True` or `False`, at module level (see guards.ts). */
  constants?: Record<string, boolean>;
  /** Where quick fixes add imports. */
  importAt?: ImportAnchor;
  /** Names quick fixes must not import: the module uses them otherwise (see fixFacts.ts). */
  fixNameClashes?: string[];
}

const NOQA = /#\s*noqa(?::\s*([A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*))?/i;

function spanOf(node: Node): Span {
  const s = node.startPosition;
  const e = node.endPosition;
  return [s.row, s.column, e.row, e.column];
}

/**
 * A record keyed by names from user code. Without a prototype, `__proto__` or `constructor` is a key
 * like any other (on a plain object, `record['__proto__'] = v` would replace the prototype instead).
 */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * `record[name] = value` as the record's own property, also on a record that came back from the
 * cache's JSON or a worker's message: those are plain objects again, where assigning `__proto__`
 * would call the prototype's setter and store nothing.
 */
export function setName<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
  else record[name] = value;
}

/** Facts with nothing in them yet, their name-keyed records without a prototype. */
export function emptyFacts(): ModuleFacts {
  return { imports: nameRecord(), starImports: [], globals: nameRecord(), functions: [], classes: [], noqa: {}, framework: 'asyncio', problems: [] };
}

/**
 * Links (attributes, calls, parentheses) a dotted form may have. Every call of a chain is recorded
 * with its own callee, so an unbounded walk costs the square of the chain's length (a generated
 * `a.b(1).b(1)…` of 4,000 links took minutes); resolution ends at the first unknown call result,
 * so a longer chain could never be resolved anyway.
 */
const MAX_DOTTED_LINKS = 64;

/** How many awaited calls a dotted form may hold one inside another (`(await (await f()).g()).h`). */
const MAX_AWAIT_NESTING = 8;

/**
 * The dotted form of an expression, or undefined when it is not a name / attribute / call / subscript
 * chain; such a chain may start with an awaited call in parentheses, `(await f()).g` (see valueForm).
 */
export function dotted(node: Node | null, awaits = 0): string | undefined {
  // A loop, not recursion: one level per link would overflow the stack on a long chain.
  const suffixes: string[] = [];
  for (let current = node; current && suffixes.length <= MAX_DOTTED_LINKS; ) {
    switch (current.type) {
      case 'identifier':
        suffixes.push(current.text);
        return suffixes.reverse().join('');
      case 'attribute': {
        const attribute = current.childForFieldName('attribute');
        if (!attribute) return undefined;
        suffixes.push(`.${attribute.text}`);
        current = current.childForFieldName('object');
        break;
      }
      case 'call':
        suffixes.push('()');
        current = current.childForFieldName('function');
        break;
      case 'subscript':
        suffixes.push('[]');
        current = current.childForFieldName('value');
        break;
      case 'parenthesized_expression':
        if (current.namedChildCount !== 1) return undefined;
        suffixes.push('');
        current = current.namedChild(0);
        break;
      case 'await':
      case 'yield': {
        // Only right inside the parentheses that start a chain (the '' just pushed); `yield from` delegates, it gives no coroutine's result.
        if (suffixes[suffixes.length - 1] !== '' || awaits >= MAX_AWAIT_NESTING) return undefined;
        if (current.type === 'yield' && current.child(1)?.type === 'from') return undefined;
        const call = dotted(current.namedChild(0), awaits + 1);
        if (!call?.endsWith('()')) return undefined;
        suffixes[suffixes.length - 1] = `${current.type === 'await' ? AWAITED : YIELDED}${call})`;
        return suffixes.reverse().join('');
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/** A callee as a message shows it: an item's key is not kept (`client[…].find_one`). */
export function shownCallee(callee: string): string {
  return callee.replace(/\[\]/g, '[…]');
}

/** Records whether the module-level import `key` (a local name, or `*m`) was last written as a relative import. */
export function markRelative(facts: ModuleFacts, key: string, relative: boolean): void {
  const list = facts.relativeImports;
  if (relative) {
    if (!list) facts.relativeImports = [key];
    else if (!list.includes(key)) list.push(key);
  } else if (list?.includes(key)) {
    list.splice(list.indexOf(key), 1);
  }
}

/** `from ..pkg import x` inside `module` → the absolute module the dots point at. */
export function absoluteModule(module: string, isPackage: boolean, dots: number, rest: string): string | undefined {
  const parts = module.split('.');
  const base = parts.slice(0, parts.length - (isPackage ? dots - 1 : dots));
  if (base.length < 0 || dots - (isPackage ? 1 : 0) > parts.length) return undefined;
  return [...base, ...(rest ? [rest] : [])].join('.') || undefined;
}

/**
 * Every scope has every field, set in one place (scopeOf): one hidden class for V8, so the hot
 * capture loop is not deoptimised each time a scope of another shape comes by (it was, ~8 times a
 * run, each a ~70 ms recompile of extractFacts on a compiler thread).
 */
interface Scope {
  fn: number | undefined;
  cls: number | undefined;
  /** Inside a class body: calls there run at class creation, not in any function. */
  classBody: boolean;
  /** Inside a lambda: its calls run later, when it is called, so they belong to no body. */
  lambda: boolean;
  /** Inside a generator expression (or, when not, another comprehension) of this body, for quick fixes. */
  comprehension: 'generator' | 'other' | undefined;
  prefix: string;
  /** Where this scope's node ends (UTF-16 index). */
  end: number;
  /**
   * Where the body of this scope's def, lambda or class starts: what comes before it (parameter
   * defaults, base classes) runs in `outer`, when the definition is executed. -1 when not such a scope.
   */
  bodyStart: number;
  outer: Scope | undefined;
}

/** The header part of a def, lambda or class `node` defined in `outer`: where its body starts. */
function header(node: Node, outer: Scope): Pick<Scope, 'bodyStart' | 'outer'> {
  return { bodyStart: node.childForFieldName('body')?.startIndex ?? -1, outer };
}

/** The scope a call at `start` runs in: a default value or base class runs where its definition does. */
function headerScope(scope: Scope, start: number): Scope {
  let current = scope;
  while (current.outer && start < current.bodyStart) current = current.outer;
  return current;
}

/** `base` (or the module scope) with `changes`: the one way a Scope is made, so all share a shape. */
function scopeOf(base: Scope | undefined, changes: Partial<Scope>): Scope {
  const scope: Scope = {
    fn: base?.fn,
    cls: base?.cls,
    classBody: base?.classBody ?? false,
    lambda: base?.lambda ?? false,
    comprehension: base?.comprehension,
    prefix: base?.prefix ?? '',
    end: base?.end ?? Infinity,
    bodyStart: base?.bodyStart ?? -1,
    outer: base?.outer,
  };
  if ('fn' in changes) scope.fn = changes.fn;
  if ('cls' in changes) scope.cls = changes.cls;
  if (changes.classBody !== undefined) scope.classBody = changes.classBody;
  if (changes.lambda !== undefined) scope.lambda = changes.lambda;
  if (changes.comprehension !== undefined) scope.comprehension = changes.comprehension;
  if (changes.prefix !== undefined) scope.prefix = changes.prefix;
  if (changes.end !== undefined) scope.end = changes.end;
  if (changes.bodyStart !== undefined) scope.bodyStart = changes.bodyStart;
  if ('outer' in changes) scope.outer = changes.outer;
  return scope;
}

/**
 * One query finds everything the facts need; tree-sitter runs it inside WebAssembly, so only the
 * captured nodes cross into JavaScript (a JavaScript walk over every node costs ~3× the parse).
 * Captures arrive in document order, outer nodes first: scopes are a stack closed by end index.
 */
const FACTS_QUERY = `
(function_definition name: (identifier) @fn.name) @fn
(class_definition name: (identifier) @cls.name) @cls
(decorated_definition) @decorated
(lambda) @lambda
(generator_expression) @comprehension.generator
[(list_comprehension) (set_comprehension) (dictionary_comprehension)] @comprehension.other
(call function: [(identifier) (attribute)] @call)
(await (call function: [(identifier) (attribute)] @call.awaited))
(expression_statement (call function: [(identifier) (attribute)] @call.dropped))
(import_statement) @import
(import_from_statement) @import
(assignment left: [(identifier) (attribute)] @assign.left type: (type (_) @assign.type))
(assignment left: [(identifier) (attribute)] @assign.left right: [(call) (attribute) (identifier) (subscript) (await) (yield)] @assign.right)
(named_expression name: (identifier) @assign.left value: [(call) (attribute) (identifier) (subscript) (await)] @assign.right)
(with_item value: (as_pattern (_) @with.value alias: (as_pattern_target (identifier) @with.target)))
(with_item value: [(call function: [(identifier) (attribute)] @call.entered) (as_pattern (call function: [(identifier) (attribute)] @call.entered))])
(with_item value: [(identifier) (attribute) (subscript) (parenthesized_expression) (await)] @with.object)
(with_item value: (as_pattern [(identifier) (attribute) (subscript) (parenthesized_expression) (await)] @with.object))
(for_statement right: (_) @iterated)
(for_in_clause right: (_) @iterated)
(return_statement) @return
(raise_statement (call function: [(identifier) (attribute)] @raise.callee arguments: (argument_list . (_) @raise.value .)))
(subscript value: (_) @indexed subscript: [(integer) (identifier) (unary_operator)])
(except_clause value: (_) @except.caught)
(yield) @yield
`;

/** Conditions that may be constants, or coroutine-function tests (guards.ts): queried only in files whose text shows one may be (guardNames). */
const GUARD_PATTERNS = `
(if_statement condition: [(identifier) (true) (false) (not_operator) (boolean_operator) (attribute) (parenthesized_expression) (call)] @guard)
(elif_clause condition: [(identifier) (true) (false) (not_operator) (boolean_operator) (attribute) (parenthesized_expression) (call)] @guard)
`;

/** Calls whose first argument decides what they do: `os.spawn*`'s mode, a socket's blocking mode. */
const FIRST_ARG_KEPT = /spawn|\.setblocking$|\.settimeout$/;
const LITERAL_ARGUMENTS: ReadonlySet<string> = new Set(['false', 'true', 'integer', 'float', 'none']);

/** Builtins that advance the iterator they are given until it ends (or, `next`, once). */
const CONSUMERS = new Set(['list', 'tuple', 'set', 'frozenset', 'dict', 'sorted', 'next', 'sum', 'min', 'max', 'any', 'all']);

/**
 * How deep in the tree a fact may start. Real code stays far above it (the deepest file of a
 * 1.3 M-line corpus, a CPython test of deep nesting, reaches 808; the next 88), but tree-sitter's
 * error recovery can build trees tens of thousands of levels deep (50,000 lines inside an unclosed
 * parenthesis: 88,000 levels), where an unbounded query took minutes; bounded, it takes milliseconds.
 * A call deeper than this (a generated chain of thousands of operators) is not recorded, so never flagged.
 */
const MAX_QUERY_DEPTH = 1000;

const queries = new WeakMap<Language, Query>();
const guardedQueries = new WeakMap<Language, Query>();

/** The facts query; `guarded`, with the guard patterns too (they cost a capture for most `if` statements). */
function factsQuery(language: Language, guarded: boolean): Query {
  const cache = guarded ? guardedQueries : queries;
  let query = cache.get(language);
  if (!query) {
    query = new Query(language, guarded ? FACTS_QUERY + GUARD_PATTERNS : FACTS_QUERY);
    cache.set(language, query);
  }
  return query;
}

/** Whether the iterable `node` of a `for` statement or a comprehension's `for` clause belongs to an `async for`. */
function isAsyncFor(node: Node): boolean {
  return node.parent?.firstChild?.type === 'async';
}

/**
 * What the call of a consuming builtin (`list(…)`; `callee`: its function node) iterates: its first
 * argument, or the first iterable of a generator expression written as its argument.
 */
function consumedIterable(callee: Node): Node | undefined {
  const args = callee.parent?.childForFieldName('arguments');
  if (args?.type === 'generator_expression') {
    return args.namedChildren.find((c) => c?.type === 'for_in_clause')?.childForFieldName('right') ?? undefined;
  }
  const first = args?.namedChild(0);
  return first && first.type !== 'keyword_argument' && first.type !== 'list_splat' && first.type !== 'dictionary_splat' ? first : undefined;
}

/**
 * Builtins that return an iterator advancing what they are given as it is advanced, by the index of
 * their first such argument (`map(f, cur)`: 1).
 */
const PASSING_THROUGH: ReadonlyMap<string, number> = new Map([
  ['enumerate', 0],
  ['iter', 0],
  ['reversed', 0],
  ['zip', 0],
  ['map', 1],
  ['filter', 1],
]);

/** What iterating `node` iterates when it is a call of such a builtin (`enumerate(cur)`: `cur`); else undefined. */
function passedThrough(node: Node): Node[] | undefined {
  const callee = node.type === 'call' ? node.childForFieldName('function') : null;
  const from = callee?.type === 'identifier' ? PASSING_THROUGH.get(callee.text) : undefined;
  if (from === undefined) return undefined;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((arg): arg is Node => !!arg && arg.type !== 'keyword_argument' && arg.type !== 'list_splat' && arg.type !== 'dictionary_splat' && arg.type !== 'comment') ?? [];
  // `zip(a, b)` and `map(f, a, b)` advance every iterable they are given, the others just one.
  return callee!.text === 'zip' || callee!.text === 'map' ? args.slice(from) : args.slice(from, from + 1);
}

/** An `except` clause's exception (or tuple of them) that names `BlockingIOError`. */
const WOULD_BLOCK = /\bBlockingIOError\b/;

/**
 * Marks the calls `fn` makes in `body` (a `try` body whose handlers catch `BlockingIOError`) as
 * wouldBlockHandled. The handler comes after the body, so its calls are the last ones recorded.
 */
function markWouldBlockHandled(fn: FunctionFact, body: Node | null | undefined): void {
  if (!body) return;
  const start = body.startPosition;
  const end = body.endPosition;
  for (let i = fn.calls.length - 1; i >= 0; i--) {
    const call = fn.calls[i]!;
    const [row, column] = call.span;
    if (row < start.row || (row === start.row && column < start.column)) break;
    if (row < end.row || (row === end.row && column < end.column)) call.wouldBlockHandled = true;
  }
}

/** Whether the callee `node` of a `with` item's call belongs to an `async with`. */
function isAsyncWith(node: Node): boolean {
  let statement = node.parent;
  while (statement && statement.type !== 'with_statement') statement = statement.parent;
  return statement?.firstChild?.type === 'async';
}

const SIMPLE_DOTTED = /^[A-Za-z_][\w.]*(?:\(\))?$/;

/** `dotted()` without walking the node when its text is already in dotted form. */
function dottedFast(node: Node): string | undefined {
  const text = node.text;
  if (SIMPLE_DOTTED.test(text) && !text.includes('..')) return text;
  return dotted(node);
}

/**
 * Opens the dotted form of an awaited call, what awaiting it gives: `(await get_lock())`, closed by
 * its `)`; a chain may go on from it (`(await get_lock()).acquire`).
 */
export const AWAITED = '(await ';
/**
 * The same for a yielded call, `(yield make_session())`: in a `@gen.coroutine` generator, Tornado's
 * runner sends back what the yielded coroutine gives (the resolver checks the generator is one).
 * As long as AWAITED, so the two forms are taken apart the same way.
 */
export const YIELDED = '(yield ';

/** The dotted form of a value: also `await f()` and `yield f()`, written `(await f())` and `(yield f())`. */
function valueForm(node: Node): string | undefined {
  if (node.type !== 'await' && node.type !== 'yield') return dottedFast(node);
  if (node.type === 'yield' && node.child(1)?.type === 'from') return undefined;
  const awaited = node.namedChild(0);
  const call = awaited?.type === 'call' ? dottedFast(awaited) : undefined;
  return call?.endsWith('()') ? `${node.type === 'await' ? AWAITED : YIELDED}${call})` : undefined;
}

function spanFromText(node: Node, text: string): Span {
  const s = node.startPosition;
  if (!text.includes('\n')) return [s.row, s.column, s.row, s.column + text.length];
  const e = node.endPosition;
  return [s.row, s.column, e.row, e.column];
}

/** One top-level statement of a tree to extract on its own, with what the file's text says for all of its statements. */
export interface Statement {
  node: Node;
  /** The file's mentionsWrappers(). */
  wrappers: boolean;
  /** The file's guardNames(). */
  guardNames: ReadonlySet<string> | undefined;
}

/** Whether calls' enclosing calls are recorded (`argumentOf`): the file mentions `wrap_file`. */
export function mentionsWrappers(text: string): boolean {
  return text.includes('wrap_file');
}

/**
 * The facts of the file `tree` was parsed from (`text`). With `statement` (a top-level node of the
 * tree), only that statement's part: functions, classes, bindings and calls, without what belongs to
 * the whole file (completeModuleFacts) — incremental.ts joins such parts and completes them once.
 */
export function extractFacts(tree: Tree, module: string, isPackage: boolean, text: string, statement?: Statement): ModuleFacts {
  const facts = emptyFacts();
  const moduleScope = scopeOf(undefined, {});
  const stack: Scope[] = [moduleScope];
  const pendingDecorators = new Map<number, string[]>();
  const callsById = new Map<number, CallFact>();
  /** Calls a quick fix may rewrite (in `async def` or decorated functions); shaped once their flags are known. */
  const maybeFixed: Array<{ call: CallFact; node: Node; comprehension: Scope['comprehension'] }> = [];
  const pendingFlags = new Map<number, { awaited?: boolean; dropped?: boolean; withItem?: boolean; asyncWithItem?: boolean }>();
  const checkWrappers = statement ? statement.wrappers : mentionsWrappers(text);
  const guardable = statement ? statement.guardNames : guardNames(text);
  let pendingFunction: { node: Node; scope: Scope } | undefined;
  let pendingClass: { node: Node; scope: Scope } | undefined;
  let assignLeft: string | undefined;
  let withValue: string | undefined;
  /** The callee of the call a `raise` statement raises, for its argument (`gen.Return` of `raise gen.Return(v)`). */
  let raiser: string | undefined;
  /** The annotation of the assignment being read (`x: T = …`), until its value arrives. */
  let annotation: { assignment: number | undefined; type: string } | undefined;
  /** Branches of constant-looking conditions around what comes next (see guards.ts). */
  const guarded: GuardRegion[] = [];
  const boundNames = new Map<string, boolean>();
  /** Code that runs only where no event loop runs (runningLoop.ts), in code that catches RuntimeError. */
  const noLoop = text.includes(NO_LOOP_ERROR) ? noLoopRegions(statement?.node ?? tree.rootNode) : undefined;
  /** The parameters of each method, by function index: what `self.x = param` keeps is the caller's. */
  const methodParameters = new Map<number, Set<string>>();

  const bind = (scope: Scope, name: string, value: string): void => {
    if (scope.classBody && scope.cls !== undefined) setName(facts.classes[scope.cls]!.members, name, value);
    else if (scope.fn !== undefined) setName(facts.functions[scope.fn]!.locals, name, value);
    else setName(facts.globals, name, value);
  };

  const addImport = (scope: Scope, local: string, qualified: string, relative = false): void => {
    // Function-level imports bind locally; the common case (module level) goes to the import table.
    if (scope.fn !== undefined || scope.classBody) bind(scope, local, `${relative ? '~' : '='}${qualified}`);
    else {
      setName(facts.imports, local, qualified);
      markRelative(facts, local, relative);
    }
  };

  const recordImport = (node: Node, scope: Scope): void => {
    if (node.type === 'import_statement') {
      for (const name of node.childrenForFieldName('name')) {
        if (name.type === 'aliased_import') {
          addImport(scope, name.childForFieldName('alias')!.text, name.childForFieldName('name')!.text);
        } else {
          const first = name.text.split('.')[0]!; // `import a.b.c` binds `a`
          addImport(scope, first, first);
        }
      }
      return;
    }
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    let from: string | undefined;
    const relative = moduleNode.type === 'relative_import';
    if (relative) {
      const prefix = moduleNode.namedChildren.find((c) => c?.type === 'import_prefix');
      const rest = moduleNode.namedChildren.find((c) => c?.type === 'dotted_name');
      from = absoluteModule(module, isPackage, prefix?.text.length ?? 1, rest?.text ?? '');
    } else {
      from = moduleNode.text;
    }
    if (!from) return;
    if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      facts.starImports.push(from);
      if (relative) markRelative(facts, `*${from}`, true);
      return;
    }
    for (const name of node.childrenForFieldName('name')) {
      if (name.type === 'aliased_import') {
        addImport(scope, name.childForFieldName('alias')!.text, `${from}.${name.childForFieldName('name')!.text}`, relative);
      } else {
        addImport(scope, name.text, `${from}.${name.text}`, relative);
      }
    }
  };

  const defineFunction = (node: Node, nameNode: Node, scope: Scope): Scope => {
    const decorators = pendingDecorators.get(node.startIndex) ?? [];
    const index = facts.functions.length;
    const name = nameNode.text;
    // Every key present from the start (undefined when it does not apply): one hidden class for all
    // functions, see Scope. Undefined keys vanish in the cache's JSON.
    const fact: FunctionFact = {
      name,
      qualname: scope.prefix + name,
      isAsync: node.text.startsWith('async'),
      decorators,
      hasYield: false,
      classIndex: scope.classBody ? scope.cls : undefined,
      parent: scope.fn,
      selfName: undefined,
      span: spanFromText(nameNode, name),
      locals: nameRecord(),
      calls: [],
      returns: undefined,
      returnType: undefined,
      entered: undefined,
      iterated: undefined,
      indexed: undefined,
    };
    let first = true;
    for (const param of node.childForFieldName('parameters')?.namedChildren ?? []) {
      if (!param) continue;
      const paramName = param.type === 'identifier' ? param : (param.childForFieldName('name') ?? param.namedChild(0));
      if (paramName?.type !== 'identifier') continue;
      if (first && fact.classIndex !== undefined && !decorators.some((d) => d.endsWith('staticmethod'))) fact.selfName = paramName.text;
      first = false;
      if (fact.classIndex !== undefined) methodParameters.set(index, (methodParameters.get(index) ?? new Set()).add(paramName.text));
      const typeNode = param.childForFieldName('type')?.namedChild(0);
      const annotation = typeNode ? annotationType(typeNode.text) : undefined;
      if (annotation) setName(fact.locals, paramName.text, `:${annotation}`);
    }
    const returnType = node.childForFieldName('return_type');
    if (returnType) fact.returnType = annotationType(returnType.text);
    facts.functions.push(fact);
    bind(scope, name, `#f${index}`);
    return scopeOf(undefined, { fn: index, prefix: `${fact.qualname}.`, end: node.endIndex, ...header(node, scope) });
  };

  const defineClass = (node: Node, nameNode: Node, scope: Scope): Scope => {
    const index = facts.classes.length;
    const qualname = scope.prefix + nameNode.text;
    const bases = (node.childForFieldName('superclasses')?.namedChildren ?? [])
      .map((b) => (b ? dottedFast(b) : undefined))
      .filter((b): b is string => b !== undefined);
    facts.classes.push({ name: nameNode.text, qualname, bases, span: spanFromText(nameNode, nameNode.text), members: nameRecord() });
    bind(scope, nameNode.text, `#c${index}`);
    return scopeOf(undefined, { fn: scope.fn, cls: index, classBody: true, prefix: `${qualname}.`, end: node.endIndex, ...header(node, scope) });
  };

  const recordCall = (node: Node, scope: Scope): void => {
    if (scope.fn === undefined || scope.classBody || scope.lambda) return;
    const text = node.text;
    const callee = SIMPLE_DOTTED.test(text) && !text.includes('..') ? text : dotted(node);
    if (!callee) return;
    const call: CallFact = { callee, span: spanFromText(node, text), awaited: false, dropped: false };
    if (FIRST_ARG_KEPT.test(callee)) {
      const first = node.parent?.childForFieldName('arguments')?.namedChild(0);
      const firstArg = first && (first.type === 'identifier' || first.type === 'attribute') ? dotted(first) : first && LITERAL_ARGUMENTS.has(first.type) ? first.text : undefined;
      if (firstArg) call.firstArg = firstArg;
    }
    if (keepsArguments(callee)) {
      const kept = keptArguments(node.parent?.childForFieldName('arguments'), dotted);
      if (kept) call.arguments = kept;
    }
    if (checkWrappers) {
      const list = node.parent?.parent;
      if (list?.type === 'argument_list' && list.parent?.type === 'call') {
        const outer = dotted(list.parent.childForFieldName('function'));
        if (outer) call.argumentOf = outer;
      }
    }
    if (guarded.length) {
      const guards = guardsAt(guarded, node.startIndex);
      if (guards) call.guards = guards;
    }
    if (noLoop?.length) {
      const test = noLoopAt(noLoop, node);
      if (test) call.withoutLoop = test;
    }
    const fn = facts.functions[scope.fn]!;
    if (fn.isAsync || fn.decorators.length) maybeFixed.push({ call, node, comprehension: scope.comprehension });
    fn.calls.push(call);
    if (CONSUMERS.has(callee) && scope.comprehension !== 'generator') {
      const iterable = consumedIterable(node);
      if (iterable) recordIterated(fn, iterable);
    }
    const flags = pendingFlags.get(node.id);
    if (flags) Object.assign(call, flags);
    callsById.set(node.id, call);
  };

  const recordIterated = (fn: FunctionFact, node: Node): void => {
    const passed = passedThrough(node);
    if (passed) {
      for (const iterable of passed) recordIterated(fn, iterable);
      return;
    }
    const value = valueForm(node);
    if (value) (fn.iterated ??= []).push({ value, span: spanFromText(node, node.text) });
  };

  /** `await f()`, `f()` as a statement and `with f():` arrive as extra captures of the same callee node. */
  const flag = (node: Node, key: 'awaited' | 'dropped' | 'withItem' | 'asyncWithItem'): void => {
    const call = callsById.get(node.id);
    if (call) call[key] = true;
    else pendingFlags.set(node.id, { ...pendingFlags.get(node.id), [key]: true });
  };

  const query = factsQuery(tree.language, guardable !== undefined);
  for (const { name, node } of query.captures(statement?.node ?? tree.rootNode, { maxStartDepth: MAX_QUERY_DEPTH })) {
    const start = node.startIndex;
    while (stack.length > 1 && start >= stack[stack.length - 1]!.end) stack.pop();
    const scope = stack[stack.length - 1]!;
    switch (name) {
      case 'fn':
        pendingFunction = { node, scope };
        break;
      case 'fn.name':
        if (pendingFunction) stack.push(defineFunction(pendingFunction.node, node, pendingFunction.scope));
        pendingFunction = undefined;
        break;
      case 'cls':
        pendingClass = { node, scope };
        break;
      case 'cls.name':
        if (pendingClass) stack.push(defineClass(pendingClass.node, node, pendingClass.scope));
        pendingClass = undefined;
        break;
      case 'decorated': {
        const definition = node.childForFieldName('definition');
        if (!definition) break;
        const decorators = node.namedChildren
          .filter((c) => c?.type === 'decorator')
          .map((d) => {
            const expression = d!.namedChild(0);
            // `@gen.coroutine(…)`-style factories: the decorator is the called name.
            const target = expression?.type === 'call' ? expression.childForFieldName('function') : expression;
            return (target && dottedFast(target)) ?? '';
          });
        pendingDecorators.set(definition.startIndex, decorators);
        break;
      }
      case 'lambda':
        stack.push(scopeOf(scope, { lambda: true, end: node.endIndex, ...header(node, scope) }));
        break;
      case 'comprehension.generator':
      case 'comprehension.other':
        // Tracked like a scope, by end index: asking each call's ancestors would cost their depth per step.
        stack.push(scopeOf(scope, { comprehension: name === 'comprehension.generator' || scope.comprehension === 'generator' ? 'generator' : 'other', end: node.endIndex }));
        break;
      case 'call':
        recordCall(node, headerScope(scope, start));
        break;
      case 'call.awaited':
        flag(node, 'awaited');
        break;
      case 'call.dropped':
        flag(node, 'dropped');
        break;
      case 'call.entered':
        // `async with` awaits `__aenter__` / `__aexit__`: coroutine code, checked where it is written.
        flag(node, isAsyncWith(node) ? 'asyncWithItem' : 'withItem');
        break;
      case 'import':
        recordImport(node, scope);
        break;
      case 'assign.left':
        assignLeft = node.text;
        break;
      case 'assign.type':
      case 'assign.right': {
        const value = name === 'assign.type' ? annotationType(node.text) : valueForm(node);
        if (name === 'assign.type') annotation = value === undefined ? undefined : { assignment: node.parent?.parent?.id, type: value };
        if (!assignLeft || !value) break;
        // `x: T = e`: the annotation says what the value is when the value alone says nothing (`db: Database = get_db()`).
        const annotated = name === 'assign.right' && annotation?.assignment === node.parent?.id ? annotation!.type : undefined;
        const bound = name === 'assign.type' ? `:${value}` : annotated !== undefined ? `:${annotated}=${value}` : value;
        if (!assignLeft.includes('.')) {
          if (!scope.lambda) bind(scope, assignLeft, bound);
        } else if (scope.fn !== undefined) {
          const fn = facts.functions[scope.fn]!;
          const [object, attribute, more] = assignLeft.split('.');
          if (fn.classIndex !== undefined && fn.selfName && object === fn.selfName && attribute && !more) {
            setName(facts.classes[fn.classIndex]!.members, attribute, memberBinding(bound, fn, methodParameters.get(scope.fn)));
          }
        }
        break;
      }
      case 'with.value':
        withValue = valueForm(node);
        break;
      case 'with.target':
        // `>`: the object the `with` entered for this item (its `__enter__`'s result, taken to be the object itself).
        if (withValue) bind(scope, node.text, `>${withValue}`);
        withValue = undefined;
        break;
      case 'with.object': {
        if (scope.fn === undefined || scope.classBody || scope.lambda || isAsyncWith(node)) break;
        const value = valueForm(node);
        const fn = facts.functions[scope.fn]!;
        if (value) (fn.entered ??= []).push({ value, span: spanFromText(node, node.text) });
        break;
      }
      case 'iterated':
        // A generator expression's loop runs when it is consumed, not here (see CONSUMERS).
        if (scope.fn === undefined || scope.classBody || scope.lambda || scope.comprehension === 'generator' || isAsyncFor(node)) break;
        recordIterated(facts.functions[scope.fn]!, node);
        break;
      case 'indexed': {
        if (scope.fn === undefined || scope.classBody || scope.lambda || scope.comprehension === 'generator') break;
        const value = valueForm(node);
        if (value) (facts.functions[scope.fn]!.indexed ??= []).push({ value, span: spanOf(node.parent!) });
        break;
      }
      case 'return': {
        if (scope.fn === undefined || scope.classBody || scope.lambda) break;
        const value = node.namedChild(0);
        (facts.functions[scope.fn]!.returns ??= []).push((value && valueForm(value)) ?? '');
        break;
      }
      case 'raise.callee':
        raiser = dottedFast(node);
        break;
      case 'raise.value': {
        const callee = raiser;
        raiser = undefined;
        const value = valueForm(node);
        if (scope.fn === undefined || scope.classBody || scope.lambda || !callee || !value) break;
        (facts.functions[scope.fn]!.raisedReturns ??= []).push({ raiser: callee, value });
        break;
      }
      case 'except.caught':
        if (scope.fn === undefined || scope.classBody || scope.lambda || !WOULD_BLOCK.test(node.text)) break;
        markWouldBlockHandled(facts.functions[scope.fn]!, node.parent?.parent?.childForFieldName('body'));
        break;
      case 'yield':
        if (scope.fn !== undefined && !scope.classBody && !scope.lambda) facts.functions[scope.fn]!.hasYield = true;
        break;
      case 'guard':
        if (scope.fn !== undefined && guardable) guarded.push(...guardRegions(node, guardable, boundNames));
        break;
    }
  }
  for (const { call, node, comprehension } of maybeFixed) {
    const shape = call.awaited ? undefined : callShape(node, call.dropped, comprehension);
    if (shape) call.shape = shape;
  }
  if (!statement) completeModuleFacts(facts, tree, text);
  return facts;
}

/**
 * The facts that belong to the whole file rather than to one statement: noqa comments, the first
 * syntax error, the framework, where quick fixes add imports and which names they must not use.
 */
export function completeModuleFacts(facts: ModuleFacts, tree: Tree, text: string): void {
  facts.noqa = noqaComments(text);
  const nonBlocking = nonBlockingObjects(text);
  if (nonBlocking.length) facts.nonBlocking = nonBlocking;
  const constants = moduleConstants(tree, text, guardNames(text));
  if (constants) facts.constants = constants;
  const syntax = syntaxProblem(tree);
  if (syntax) facts.problems.push(syntax);
  facts.framework = fileFramework(facts);
  facts.importAt = importAnchor(tree, text);
  const clashes = nameClashes(tree, text, facts.imports);
  if (clashes.length) facts.fixNameClashes = clashes;
}

/** The first syntax error of `tree` as a problem; undefined when it parses cleanly. */
export function syntaxProblem(tree: Tree): Problem | undefined {
  if (!tree.rootNode.hasError) return undefined;
  // Found by descending only into subtrees that contain an error: an (ERROR) query pattern
  // would make tree-sitter test every node (it cost ~40 % of the whole query).
  const error = firstError(tree.rootNode);
  return { message: 'syntax error: the code around here was analysed as far as it parses', ...(error ? { span: spanOf(error) } : {}) };
}

function firstError(root: Node): Node | undefined {
  let node: Node = root;
  for (;;) {
    let next: Node | undefined;
    for (const child of node.children) {
      if (!child) continue;
      if (child.isError || child.isMissing) return child;
      if (child.hasError) {
        next = child;
        break;
      }
    }
    if (!next) return node === root ? unplaced(root) : node;
    node = next;
  }
}

/**
 * When tree-sitter could not structure the file at all (the root itself is the ERROR, e.g. past
 * ~500 levels of indentation), the first token it left loose — where the statement it could not
 * place begins. Undefined for a root that is not an error.
 */
function unplaced(root: Node): Node | undefined {
  if (!root.isError) return undefined;
  return root.children.find((child) => child && !child.isNamed) ?? root;
}

const NON_BLOCKING_CALL = /([A-Za-z_][\w.]*)\.(?:setblocking\(\s*(?:False|0)\s*\)|settimeout\(\s*0(?:\.0*)?\s*\))/g;

/** The objects a file makes non-blocking, found lexically (see ModuleFacts.nonBlocking). */
export function nonBlockingObjects(text: string): string[] {
  if (!text.includes('.setblocking(') && !text.includes('.settimeout(')) return [];
  return [...new Set(Array.from(text.matchAll(NON_BLOCKING_CALL), (m) => m[1]!))];
}

/** Whether `call` (a call fact of a function) makes `object` non-blocking: `object.setblocking(False)`, `object.settimeout(0)`. */
export function makesNonBlocking(call: CallFact, object: string): boolean {
  if (call.firstArg === undefined) return false;
  if (call.callee === `${object}.setblocking`) return call.firstArg === 'False' || call.firstArg === '0';
  return call.callee === `${object}.settimeout` && /^0(?:\.0*)?$/.test(call.firstArg);
}

/**
 * A type checker's own suppression of its unused-coroutine check — mypy's `# type:
 * ignore[unused-coroutine]`, pyright's `# pyright: ignore[reportUnusedCoroutine]` — says what
 * `# noqa: CORO200` says: the coroutine is left unawaited on purpose (sqlalchemy calls a driver
 * cursor's `close()` so where the driver's is synchronous, whatever the protocol it is typed with declares).
 */
const UNUSED_COROUTINE_IGNORED = /#\s*(?:type|pyright):\s*ignore\[[^\]]*\b(?:unused-coroutine|reportUnusedCoroutine)\b/;

/** noqa comments, found lexically (a `#` outside a string on the line is close enough for suppression). */
function noqaComments(text: string): Record<number, string[]> {
  const result: Record<number, string[]> = {};
  const noqa = /noqa/i.test(text);
  const ignored = text.includes('unused-coroutine') || text.includes('reportUnusedCoroutine');
  if (!noqa && !ignored) return result;
  const lines = text.split('\n');
  lines.forEach((line, row) => {
    const match = noqa ? NOQA.exec(line) : null;
    const codes = match ? (match[1] ? match[1].split(',').map((c) => c.trim().toUpperCase()) : ['*']) : [];
    if (ignored && !codes.includes('*') && UNUSED_COROUTINE_IGNORED.test(line)) codes.push('CORO200');
    if (codes.length) result[row] = codes;
  });
  return result;
}

/** The first name of a dotted name: `a` of `a.b.c` (a top-level module, a variable whose attribute is read). */
export function firstName(dotted: string): string {
  const dot = dotted.indexOf('.');
  return dot < 0 ? dotted : dotted.slice(0, dot);
}

/** What a member binds when what it was given cannot be told (a method's unannotated parameter): nothing resolves it. */
export const UNKNOWN_MEMBER = '?';

/** The name a plain value form starts with (`sock` of `sock.dup()`, of `(await sock.dup())`); undefined for other forms. */
const LEADING_NAME = /^(?:\((?:await|yield) )?([A-Za-z_]\w*)/;
/** The name a plain dotted form starts with (not an awaited one, a `#f` function, a `>` with target, an `=` import). */
const PLAIN_HEAD = /^[A-Za-z_]\w*/;

/**
 * What `self.x = value` in method `fn` binds the member to. A member's binding is resolved at module
 * level, but a value naming one of the method's parameters or locals means that name, not a module
 * global of the same name: a parameter stands for its annotation (`parent: Queue[T]`), a local for its
 * binding when that reads no other (`requests.Session()`); anything else for nothing known.
 */
function memberBinding(value: string, fn: FunctionFact, parameters: ReadonlySet<string> | undefined): string {
  const local = (name: string): boolean => !!parameters?.has(name) || Object.hasOwn(fn.locals, name);
  if (value.startsWith(':')) {
    // `self.x: T = param`: the annotation says what the method's own name holds.
    const assigned = value.indexOf('=');
    const valueHead = assigned < 0 ? undefined : LEADING_NAME.exec(value.slice(assigned + 1))?.[1];
    return valueHead !== undefined && local(valueHead) ? value.slice(0, assigned) : value;
  }
  const head = LEADING_NAME.exec(value)?.[1];
  if (head === undefined || !local(head)) return value;
  if (head !== value || !Object.hasOwn(fn.locals, head)) return UNKNOWN_MEMBER;
  const own = fn.locals[head]!;
  if (own.startsWith(':')) return own.includes('=') ? UNKNOWN_MEMBER : own;
  // A parameter given a value in the method (`if lock is None: lock = Lock()`) may still hold the caller's.
  if (parameters?.has(head)) return UNKNOWN_MEMBER;
  const ownHead = PLAIN_HEAD.exec(own)?.[0];
  return ownHead !== undefined && !local(ownHead) ? own : UNKNOWN_MEMBER;
}

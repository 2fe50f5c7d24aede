/**
 * The rules: from a module's facts and the resolver to findings. Every call is classified once
 * (blocking catalogue entry, workspace coroutine, workspace sync function, task spawner …); the
 * codes follow from the class and from whether the call sits in a coroutine context.
 */
import type { ChainHop, Finding, RuleCode } from '../api';
import { callChains, headInBlock, typingNamesOfLocal, type LazyBlock } from '../chunks';
import { firstName, makesNonBlocking, nonBlockingObjects, shownCallee, type CallFact, type EnteredObject, type FunctionFact, type Span } from '../facts';
import { coroutineFramework } from '../frameworks';
import { inDeadBranch } from '../guards';
import { testedNotCoroutineFunction } from '../coroutineFunctionTests';
import { raisesWithoutLoop } from '../runningLoop';
import type { ModuleSource, Resolver, Value } from '../resolve';
import { effectiveSeverity, type Configuration } from '../config';
import {
  awaitedGeneratorDecorators,
  contextManagerDecorators,
  coroutineDecorators,
  enteredAlternatives,
  libraryCoroutineFunctions,
  libraryCoroutineMethods,
  helperLockTakers,
  lookupBlocking,
  lookupConfigured,
  lookupEntering,
  lookupIndexing,
  lookupIterating,
  makesBlockingIterable,
  iterableTypeModules,
  offloadAlternatives,
  offloadingDecorators,
  loopRunningDecorators,
  loopHandlerClasses,
  loopHandlerMethods,
  noWaitArguments,
  safeWrappers,
  suggestionFor,
  taskSpawners,
  type BlockingCall,
} from './catalogue';
import { libraryCoroutineNames } from '../prefilter';
import { blockingCallFixes, blockingHelperFixes, isTornadoGenCoroutine, missingAwaitFixes } from './fixes';
import { TransitiveSummaries, type Summary } from './transitive';
import { isAsyncGenerator, isPlainGenerator, returnsCoroutine } from '../coroutineFunctions';

export type Target =
  | { kind: 'blocking'; name: string; entry: BlockingCall }
  /** `runsOnlyAwaited`: `async def` and asyncio's generator coroutines; not Tornado's, which start when called. */
  | { kind: 'coroutine'; style: 'async' | 'generator'; runsOnlyAwaited: boolean; source: ModuleSource; index: number }
  | { kind: 'sync'; source: ModuleSource; index: number }
  /** A synchronous function not parsed yet: parsed only when its body matters (CORO120). */
  | { kind: 'lazySync'; value: Value }
  | { kind: 'spawner'; name: string }
  | { kind: 'libraryCoroutine'; name: string };

/** Lazy functions judged at once (a chain of lazy callees): beyond this, the parse decides. */
const MAX_JUDGING = 64;
/** Bound on the base-class walk that looks for a Tornado handler class (a class cycle ends). */
const MAX_BASE_DEPTH = 12;
const NO_METHODS: ReadonlySet<string> = new Set();

/** What a `with` runs on the object its item made, around the block. */
const ENTER_EXIT = ['__enter__', '__exit__'] as const;
/** A `with` in a block's text (anywhere: `if x: with f():`; a docstring's word only costs a parse). */
const WITH_STATEMENT = /\bwith\b/;
const NO_TARGETS: readonly Target[] = [];
/** Methods of a `socket.socket`: none blocks on a socket made non-blocking. */
const SOCKET_METHOD = 'socket.socket.';
/** The name a dotted callee starts with, without its links: `f` of `f().g`, `d` of `d[].g`. */
const CALLEE_HEAD_NAME = /^[^.([]*/;
/**
 * Signs in a block's text that it may iterate something (a `for`, a comprehension, a consuming
 * builtin) or read an item by an index (`x[0]`, `f()[i]`, `x[-1]`).
 */
const ITERATION = /\bfor\b|\b(?:list|tuple|set|frozenset|dict|sorted|next|sum|min|max|any|all)\s*\(|[\w)\]]\[\s*-?\s*\w/;
/** A name and its attributes as written in a block's text (`db.everyone`, `self.cursor`). */
const DOTTED_NAME = /\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g;

/** The last call in `fn` before `span` that sets `object`'s blocking mode (`object.setblocking(…)`, `object.settimeout(…)`). */
function lastModeSetBefore(fn: FunctionFact, object: string, span: Span): CallFact | undefined {
  let last: CallFact | undefined;
  for (const call of fn.calls) {
    if (call.callee !== `${object}.setblocking` && call.callee !== `${object}.settimeout`) continue;
    const [row, column] = call.span;
    if ((row < span[0] || (row === span[0] && column < span[1])) && (!last || row > last.span[0] || (row === last.span[0] && column > last.span[1]))) last = call;
  }
  return last;
}

export class Checker {
  readonly summaries: TransitiveSummaries;
  /** While set, receives every file a finding depends on through a memoised summary. */
  dependencySink: Set<string> | undefined;
  private readonly extraBlocking: Map<string, BlockingCall>;
  private readonly decorators: Set<string>;
  private readonly transitive: boolean;
  private readonly dropRules: boolean;
  /** cannotBlock's verdicts per lazy function: its files when clean, null when a parse must tell, 'judging' meanwhile. */
  private readonly lexicalVerdicts = new Map<string, ReadonlySet<string> | null | 'judging'>();
  private judging = 0;

  constructor(
    readonly resolver: Resolver,
    readonly config: Configuration,
  ) {
    this.extraBlocking = new Map(
      config.extraBlocking.map((e) => [
        e.name,
        {
          code: e.code ?? 'CORO101',
          alternatives: e.suggestion
            ? { asyncio: e.suggestion, tornado: e.suggestion, trio: e.suggestion, anyio: e.suggestion, genCoroutine: e.suggestion }
            : offloadAlternatives,
        },
      ]),
    );
    this.decorators = new Set([...coroutineDecorators, ...config.extraCoroutineDecorators]);
    // Work for a rule that is off is skipped: `--select ASYNC` does no transitive exploration.
    this.transitive = config.transitive && !!effectiveSeverity(config, 'CORO120');
    this.dropRules = (['CORO200', 'CORO201', 'CORO202'] as const).some((code) => effectiveSeverity(config, code));
    this.summaries = new TransitiveSummaries(this);
  }

  /** 'async' for `async def`, 'generator' for a decorated generator coroutine, undefined for plain functions. */
  coroutineStyle(source: ModuleSource, fn: FunctionFact): 'async' | 'generator' | undefined {
    if (fn.isAsync) return 'async';
    return this.decoratedWith(source, fn, this.decorators) ? 'generator' : undefined;
  }

  /**
   * Whether the synchronous function `fn` is an entry point of a Tornado handler (`def get(self)` of a
   * RequestHandler subclass, `def on_message` of a WebSocketHandler's): Tornado calls it on the
   * IOLoop's thread, so what blocks in it blocks the loop as in a coroutine. A method moved to the
   * executor (`@run_on_executor`) is not.
   */
  isLoopHandlerMethod(source: ModuleSource, fn: FunctionFact): boolean {
    if (fn.classIndex === undefined || fn.isAsync || fn.hasYield || !loopHandlerMethods.has(fn.name)) return false;
    if (fn.decorators.length && this.decoratedWith(source, fn, offloadingDecorators)) return false;
    return this.handlerEntryPoints(source, fn.classIndex, 0).has(fn.name);
  }

  /** The methods Tornado calls on the workspace class `classIndex` of `source`: those of the Tornado handler classes among its bases, at any depth. */
  private handlerEntryPoints(source: ModuleSource, classIndex: number, depth: number): ReadonlySet<string> {
    const cls = source.facts.classes[classIndex]!;
    const own = loopHandlerClasses.get(`${source.module}.${cls.qualname}`);
    if (own || depth > MAX_BASE_DEPTH) return own ?? NO_METHODS;
    const methods = new Set<string>();
    for (const base of cls.bases) {
      const value = this.resolver.resolve(source, undefined, base);
      const inherited = value?.kind === 'external' ? loopHandlerClasses.get(value.name) : value?.kind === 'class' ? this.handlerEntryPoints(value.source, value.index, depth + 1) : undefined;
      for (const method of inherited ?? []) methods.add(method);
    }
    return methods;
  }

  /**
   * Parses the entry-point methods of the Tornado handler classes of `source` that lazy parsing left
   * out (a handler with only synchronous methods holds no coroutine code), so they are checked too.
   */
  private parseLoopHandlerMethods(source: ModuleSource): void {
    const { facts } = source;
    const namedLikeEntryPoints = (members: Record<string, LazyBlock> | undefined): string[] => Object.keys(members ?? {}).filter((name) => loopHandlerMethods.has(name));
    const lazyClasses = Object.entries(facts.lazy ?? {}).filter(([, block]) => block.kind === 'class' && namedLikeEntryPoints(block.members).length);
    this.resolver.materialize(source, undefined, lazyClasses.map(([name]) => name));
    facts.classes.forEach((cls, index) => {
      const names = namedLikeEntryPoints(cls.lazyMembers);
      if (!names.length) return;
      const entryPoints = this.handlerEntryPoints(source, index, 0);
      this.resolver.materialize(source, index, names.filter((name) => entryPoints.has(name)));
    });
  }

  /** Whether one of `fn`'s decorators is (or, under any alias, resolves to) a name of `names`. */
  private decoratedWith(source: ModuleSource, fn: FunctionFact, names: ReadonlySet<string>): boolean {
    for (const decorator of fn.decorators) {
      if (!decorator) continue;
      if (names.has(decorator)) return true;
      const value = this.resolver.resolve(source, fn.parent, decorator);
      if (value?.kind === 'external' && names.has(value.name)) return true;
      // A configured decorator defined in the workspace resolves to its definition.
      const defined = value && this.resolver.qualifiedNameOf(value);
      if (defined !== undefined && names.has(defined)) return true;
    }
    return false;
  }

  classify(source: ModuleSource, fn: number, call: CallFact): Target | undefined {
    const value = this.resolver.resolve(source, fn, call.callee);
    const target = value && this.classifyValue(value);
    // A socket made non-blocking raises BlockingIOError instead of waiting (trio's and anyio's own
    // sockets); code that catches it around the call says the socket is one (anyio's sockets passed in).
    if (target?.kind === 'blocking' && target.name.startsWith(SOCKET_METHOD) && (call.wouldBlockHandled || this.madeNonBlocking(source, fn, call))) return undefined;
    if (target?.kind === 'blocking' && call.arguments && this.returnsAtOnce(source, fn, call.arguments, target.name)) return undefined;
    return target;
  }

  /** Whether `args` make the blocking call `name` return at once (`q.get(block=False)`, see `noWaitArguments`). */
  private returnsAtOnce(source: ModuleSource, fn: number, args: Readonly<Record<string, string>>, name: string): boolean {
    return (noWaitArguments.get(name) ?? []).some((parameter) => {
      const value = args[parameter.keyword] ?? args[String(parameter.position)];
      if (value === undefined) return false;
      if (parameter.values.includes(value)) return true;
      // Flags `|`-ed together: one of them is enough (WNOHANG makes any waitpid return at once).
      return value.split('|').some((part) => {
        const resolved = this.resolver.resolve(source, fn, part);
        return resolved?.kind === 'external' && parameter.values.includes(resolved.name);
      });
    });
  }

  /**
   * Whether the object `call` is made on (its callee without the method) is made non-blocking: a
   * local by the last call setting its mode before `call` in its own function (a socket made
   * non-blocking after the call, or blocking again before it, blocked there), else by a call in an
   * enclosing function; an attribute of the instance (`self.sock`) by a call in another method of
   * its class, parsed or not; a module global anywhere in the file (the facts' lexical
   * `nonBlocking`). Told by names, so only where a name means one object: a local of another
   * function, or another class's attribute of the same name, does not count.
   */
  private madeNonBlocking(source: ModuleSource, fn: number, call: CallFact): boolean {
    const object = call.callee.slice(0, call.callee.lastIndexOf('.'));
    if (!object || object.includes('(') || object.includes('[')) return false;
    const { functions, classes } = source.facts;
    const head = firstName(object);
    let scope: number | undefined = fn;
    for (; scope !== undefined; scope = functions[scope]!.parent) {
      const fact = functions[scope]!;
      if (scope === fn) {
        const lastSet = lastModeSetBefore(fact, object, call.span);
        if (lastSet) return makesNonBlocking(lastSet, object);
      } else if (fact.calls.some((other) => makesNonBlocking(other, object))) return true;
      if (Object.hasOwn(fact.locals, head)) return false;
      if (fact.selfName === head && fact.classIndex !== undefined) break;
    }
    if (scope === undefined) return !!source.facts.nonBlocking?.includes(object);
    const classIndex = functions[scope]!.classIndex!;
    const attribute = object.slice(head.length);
    const inMethod = (method: FunctionFact): boolean => method.classIndex === classIndex && method.selfName !== undefined && method.calls.some((call) => makesNonBlocking(call, method.selfName + attribute));
    if (functions.some((method, index) => index !== fn && inMethod(method))) return true;
    // Methods not parsed yet (typically `__init__`): their text, with `self` as the class's methods name it.
    const lazy = classes[classIndex]!.lazyMembers ?? {};
    return Object.values(lazy).some((block) => nonBlockingObjects(this.resolver.blockText(source, block)).includes(head + attribute));
  }

  /**
   * A lazy synchronous target, parsed: what it really is (a generator function is not followed) —
   * or, when its text alone shows it cannot block (`cannotBlock`), undefined without a parse, as a
   * call that can lead to no finding. `files` receives what that verdict was read from.
   */
  forced(target: Target | undefined, files?: Set<string>): Target | undefined {
    if (target?.kind !== 'lazySync') return target;
    const clean = this.cannotBlock(target.value);
    if (clean) {
      for (const file of clean) files?.add(file);
      return undefined;
    }
    const value = this.resolver.force(target.value);
    return value && this.classifyValue(value);
  }

  /**
   * Whether the lazy function `value` cannot block, told from its text without parsing it (most
   * functions CORO120 follows are lazy, and parsing them was half the analysis): every call in it
   * (callChains) has a head the block does not bind (headInBlock) — so it means what it means in
   * the module, or is the class's instance — and resolves to nothing that blocks: no catalogue or
   * configured blocking call, no workspace function but ones already known not to block. Then a
   * parse would find no blocking call and no edge to follow, so the verdict is the parse's.
   * Returns the files the verdict depends on (the function's own and those behind the clean
   * summaries it relies on), undefined when only a parse can tell. Lazy callees are judged the same
   * way, depth first; one met again while being judged (a cycle) needs the parse.
   */
  private cannotBlock(value: Value): ReadonlySet<string> | undefined {
    if (value.kind !== 'lazyFunction') return undefined;
    const { source, classIndex, name } = value;
    const key = `${source.path}#${classIndex ?? ''}#${name}`;
    const known = this.lexicalVerdicts.get(key);
    if (known !== undefined) return known === 'judging' ? undefined : known ?? undefined;
    const table = classIndex === undefined ? source.facts.lazy : source.facts.classes[classIndex]!.lazyMembers;
    const block = table && Object.hasOwn(table, name) ? table[name] : undefined;
    if (block?.kind !== 'def' || this.judging >= MAX_JUDGING) return undefined;
    this.lexicalVerdicts.set(key, 'judging');
    this.judging++;
    const verdict = this.judge(source, classIndex, this.resolver.blockText(source, block));
    this.judging--;
    this.lexicalVerdicts.set(key, verdict ?? null);
    return verdict;
  }

  private judge(source: ModuleSource, classIndex: number | undefined, text: string): Set<string> | undefined {
    const chains = callChains(text);
    if (!chains) return undefined;
    // Iterating (or indexing) a modelled cursor blocks, and only the parse records what a block iterates: a block
    // that may iterate goes to the parse when its module imports such a library (an annotated
    // parameter) or its text names such an object or type (a cursor imported from another module).
    // (Looking costs ~6 % of a cold run's CPU on the bench corpus, which holds no such library: the workspace says when none can be.)
    if (ITERATION.test(text) && this.resolver.mayHoldIterables() && (this.importsIterableLibrary(source) || this.namesBlockingIterable(source, classIndex, text))) return undefined;
    const entersContexts = WITH_STATEMENT.test(text);
    const files = new Set([source.path]);
    for (const callee of chains) {
      // `super().m` means the bases' member, which only the parsed method's class can tell.
      if (callee.startsWith('super()')) return undefined;
      // The text writes the links with their arguments and keys (`f(x)`, `d["k"]`): look up the bare name.
      const head = CALLEE_HEAD_NAME.exec(callee)![0];
      const meaning = headInBlock(text, head, classIndex !== undefined);
      // resolveOnInstance starts after `self`: `self(…)` and `self[…]` need the parse.
      if (!meaning || (meaning === 'self' && callee[head.length] !== '.')) return undefined;
      const resolved = meaning === 'self' ? this.resolver.resolveOnInstance(source, classIndex!, callee) : this.resolver.resolve(source, undefined, callee);
      // Nor what is iterated: a call that makes a cursor (`coll.find()`) may be.
      if (resolved?.kind === 'external' && makesBlockingIterable(resolved.name, this.extraBlocking)) return undefined;
      // The text does not tell whether the call is a `with` item: were it one, entering must not block either.
      if (entersContexts && resolved && !this.enteringKnownClean(resolved, files)) return undefined;
      const target = resolved && this.classifyValue(resolved);
      if (!target || target.kind === 'coroutine' || target.kind === 'spawner' || target.kind === 'libraryCoroutine') continue;
      // Taking a mutex is no hop of a summary (helperLockTakers): no reason to parse for it.
      if (target.kind === 'blocking' && helperLockTakers.has(target.name)) continue;
      const clean = target.kind === 'sync' ? this.summaries.knownClean(target.source, target.index) : target.kind === 'lazySync' ? this.cannotBlock(target.value) : undefined;
      if (!clean) return undefined;
      for (const file of clean) files.add(file);
    }
    return files;
  }

  /**
   * A configured blocking function or method whose source is in the workspace (`extra-blocking =
   * ["legacy_db.query"]` with `legacy_db/` checked too): the configuration names it blocking, whatever
   * its body shows, as it does when the library is outside the workspace.
   */
  private configuredBlocking(value: Value): Target | undefined {
    if (!this.extraBlocking.size) return undefined;
    const name = this.resolver.qualifiedNameOf(value);
    const entry = name === undefined ? undefined : lookupConfigured(name, this.extraBlocking);
    return entry && { kind: 'blocking', name: name!, entry };
  }

  private classifyValue(value: Value): Target | undefined {
    switch (value.kind) {
      case 'external': {
        const entry = lookupBlocking(value.name, this.extraBlocking);
        if (entry) return { kind: 'blocking', name: value.name, entry };
        if (taskSpawners.has(value.name)) return { kind: 'spawner', name: value.name };
        if (libraryCoroutineFunctions.has(value.name) || libraryCoroutineMethods.has(value.name)) return { kind: 'libraryCoroutine', name: value.name };
        return undefined;
      }
      case 'function': {
        const configured = this.configuredBlocking(value);
        if (configured) return configured;
        const fact = value.source.facts.functions[value.index]!;
        const style = this.coroutineStyle(value.source, fact);
        if (style) {
          // Such a function runs its coroutine to completion itself: calling it makes no coroutine.
          if (fact.decorators.length && this.decoratedWith(value.source, fact, loopRunningDecorators)) return undefined;
          const runsOnlyAwaited = style === 'async' || this.decoratedWith(value.source, fact, awaitedGeneratorDecorators);
          return { kind: 'coroutine', style, runsOnlyAwaited, source: value.source, index: value.index };
        }
        // Calling a generator function only creates the generator: its body does not run yet; nor
        // does an @run_on_executor method's here (it runs in the executor; the call returns a Future).
        if (fact.hasYield || (fact.decorators.length && this.decoratedWith(value.source, fact, offloadingDecorators))) return undefined;
        return { kind: 'sync', source: value.source, index: value.index };
      }
      case 'lazyFunction':
        return this.configuredBlocking(value) ?? { kind: 'lazySync', value };
      case 'class':
      case 'object': {
        // Calling a class runs its `__init__`; calling an instance runs its class's `__call__`.
        const method = this.resolver.classMember(value.source, value.index, value.kind === 'class' ? '__init__' : '__call__', 0);
        return method && (method.kind === 'function' || method.kind === 'lazyFunction') ? this.classifyValue(method) : undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * For a `with` item's call: what entering and exiting the context manager it returns runs besides
   * the call itself — the body of a `@contextmanager` generator function (the call only made the
   * generator), a workspace class's `__enter__` and `__exit__` — as synchronous targets, forced
   * (see `forced`; `files` receives what a verdict without a parse was read from).
   */
  enteredTargets(source: ModuleSource, fn: number, call: CallFact, files?: Set<string>): readonly Target[] {
    const value = this.resolver.resolve(source, fn, call.callee);
    return value ? this.enteredTargetsOf(value, files) : NO_TARGETS;
  }

  private enteredTargetsOf(value: Value, files: Set<string> | undefined): readonly Target[] {
    switch (value.kind) {
      case 'lazyFunction': {
        // A body whose text shows it cannot block cannot block when a `with` runs it either.
        const clean = this.cannotBlock(value);
        if (clean) {
          for (const file of clean) files?.add(file);
          return NO_TARGETS;
        }
        const parsed = this.resolver.force(value);
        return parsed ? this.enteredTargetsOf(parsed, files) : NO_TARGETS;
      }
      case 'function':
        return this.isContextManager(value.source, value.source.facts.functions[value.index]!) ? [{ kind: 'sync', source: value.source, index: value.index }] : NO_TARGETS;
      case 'class': {
        const targets: Target[] = [];
        for (const name of ENTER_EXIT) {
          const method = this.resolver.classMember(value.source, value.index, name, 0);
          const target = method && (method.kind === 'function' || method.kind === 'lazyFunction') ? this.forced(this.classifyValue(method), files) : undefined;
          if (target?.kind === 'sync') targets.push(target);
        }
        return targets;
      }
      default:
        return NO_TARGETS;
    }
  }

  /** A generator function made a context manager by `@contextlib.contextmanager` (under any alias). */
  private isContextManager(source: ModuleSource, fn: FunctionFact): boolean {
    return fn.hasYield && !fn.isAsync && fn.decorators.length > 0 && this.decoratedWith(source, fn, contextManagerDecorators);
  }

  /**
   * For `judge`: whether entering and exiting what calling `value` returns is known not to block
   * without a parse — not a context manager, or one whose memoised summary is clean (its files go
   * to `files`). A workspace class with `__enter__` / `__exit__` is left to the parse.
   */
  private enteringKnownClean(value: Value, files: Set<string>): boolean {
    if (value.kind === 'class') {
      return !ENTER_EXIT.some((name) => {
        const method = this.resolver.classMember(value.source, value.index, name, 0);
        return method?.kind === 'function' || method?.kind === 'lazyFunction';
      });
    }
    if (value.kind !== 'function' || !this.isContextManager(value.source, value.source.facts.functions[value.index]!)) return true;
    const clean = this.summaries.knownClean(value.source, value.index);
    for (const file of clean ?? []) files.add(file);
    return !!clean;
  }

  /**
   * When entering or leaving what the `with` item `expr` (written in function `fn`) gives blocks —
   * an instance of a modelled type with a catalogue `__enter__` entry, such as a threading lock, or
   * `__exit__` entry, such as a pymongo cursor, however it was made (see Resolver.given) — that entry, by name.
   */
  enteringBlocks(source: ModuleSource, fn: number, expr: string): { name: string; entry: BlockingCall } | undefined {
    const type = this.typeOf(this.resolver.given(source, fn, expr));
    return type === undefined ? undefined : lookupEntering(type, this.extraBlocking);
  }

  /**
   * The type whose entries apply to `value`: a modelled instance's, or, when blocking calls are
   * configured, a workspace class's own dotted name (`legacy_db.Lock.__enter__` configured with
   * `legacy_db/` checked too).
   */
  private typeOf(value: Value | undefined): string | undefined {
    if (value?.kind === 'instance') return value.type;
    if (value?.kind !== 'object' || !this.extraBlocking.size) return undefined;
    return this.resolver.qualifiedNameOf({ kind: 'class', source: value.source, index: value.index });
  }

  /**
   * Whether `expr` (written in function `fn`) is a call that blocks by itself (`coll.aggregate([])`):
   * advancing the cursor it returns right there is the same round trip — the command's reply holds
   * the first batch — so the call's finding is the one at that place (docs/rules/CORO102.md).
   */
  private madeByBlockingCall(source: ModuleSource, fn: number, expr: string): boolean {
    if (!expr.endsWith('()')) return false;
    const maker = this.resolver.resolve(source, fn, expr.slice(0, -2));
    return maker?.kind === 'external' && lookupBlocking(maker.name, this.extraBlocking) !== undefined;
  }

  /**
   * Whether `call`, the blocking method `name` of a cursor type (one whose iteration blocks), is made
   * directly on the call that ran the cursor's command (`coll.aggregate([]).to_list()`): see madeByBlockingCall.
   */
  private advancesFreshCursor(source: ModuleSource, fn: number, call: CallFact, name: string): boolean {
    const receiver = call.callee.slice(0, call.callee.lastIndexOf('.'));
    const type = name.slice(0, name.lastIndexOf('.'));
    return lookupIterating(type, this.extraBlocking) !== undefined && this.madeByBlockingCall(source, fn, receiver);
  }

  /**
   * The plain generator function (see isPlainGenerator) whose call `expr` is (`walk(root)`, written in
   * function `fn`): iterating it runs the body, which summaries judge as any synchronous function's.
   * A lazy one whose text shows it cannot block is left unparsed (its files go to the dependencies).
   */
  private iteratedGenerator(source: ModuleSource, fn: number, expr: string): { source: ModuleSource; index: number } | undefined {
    if (!expr.endsWith('()')) return undefined;
    let value = this.resolver.resolve(source, fn, expr.slice(0, -2));
    if (value?.kind === 'lazyFunction') {
      const clean = this.cannotBlock(value);
      if (clean) {
        for (const file of clean) this.dependencySink?.add(file);
        return undefined;
      }
      value = this.resolver.force(value);
    }
    if (value?.kind !== 'function') return undefined;
    return isPlainGenerator(value.source.facts.functions[value.index]!) ? { source: value.source, index: value.index } : undefined;
  }

  /**
   * When iterating what `expr` (written in function `fn`) gives blocks — an instance of a modelled
   * type with a catalogue `__next__` entry, such as a pymongo cursor, also one a workspace helper
   * returns (`for d in recent()`, see Resolver.given) — that entry, by name. Anything else (a
   * workspace iterator, an unmodelled object) is never guessed.
   */
  iteratingBlocks(source: ModuleSource, fn: number, expr: string): { name: string; entry: BlockingCall } | undefined {
    const type = this.typeOf(this.resolver.given(source, fn, expr));
    const entry = type === undefined ? undefined : lookupIterating(type, this.extraBlocking);
    return entry && { name: `${type}.__next__`, entry };
  }

  /**
   * When reading an item of what `expr` (written in function `fn`) gives by an index blocks — an
   * instance of a modelled type with a catalogue `__getitem__` entry, a pymongo cursor — that entry, by name.
   */
  indexingBlocks(source: ModuleSource, fn: number, expr: string): { name: string; entry: BlockingCall } | undefined {
    const type = this.typeOf(this.resolver.given(source, fn, expr));
    const entry = type === undefined ? undefined : lookupIndexing(type, this.extraBlocking);
    return entry && { name: `${type}.__getitem__`, entry };
  }

  /**
   * Whether a lazy block's text names, at module level or on the instance, an object whose
   * iteration blocks or its type, as the parse would resolve it: `everyone` imported from a module
   * that sets it to `users.find()`, `self.cursor`, an annotation `Cursor` imported through a
   * workspace module. Any occurrence counts (a shadowed name too): it only costs a parse.
   */
  private namesBlockingIterable(source: ModuleSource, classIndex: number | undefined, text: string): boolean {
    const { imports, globals } = source.facts;
    const resolved = new Set<string>();
    for (const [name] of text.matchAll(DOTTED_NAME)) {
      const parts = name.split('.');
      const onInstance = classIndex !== undefined && parts[0] === 'self';
      if (!onInstance && !Object.hasOwn(imports, parts[0]!) && !Object.hasOwn(globals, parts[0]!)) continue;
      for (let length = onInstance ? 2 : 1; length <= parts.length; length++) {
        const expr = parts.slice(0, length).join('.');
        if (resolved.has(expr)) continue;
        resolved.add(expr);
        const value = onInstance ? this.resolver.resolveOnInstance(source, classIndex, expr) : this.resolver.resolve(source, undefined, expr);
        if (value?.kind === 'instance' && lookupIterating(value.type, this.extraBlocking)) return true;
        if (value?.kind === 'external' && makesBlockingIterable(value.name, this.extraBlocking)) return true;
        if (value && this.returnsBlockingIterable(value)) return true;
      }
    }
    return false;
  }

  /**
   * Whether `value` is a workspace helper that returns an object whose iteration blocks (`def
   * recent(): return coll.find()`). Asked only of helpers whose module imports such a library: no
   * other can make one, and the answer may parse the helper.
   */
  private returnsBlockingIterable(value: Value): boolean {
    if ((value.kind !== 'function' && value.kind !== 'lazyFunction') || !this.importsIterableLibrary(value.source)) return false;
    const returned = this.resolver.returnedBy(value);
    return returned?.kind === 'instance' && lookupIterating(returned.type, this.extraBlocking) !== undefined;
  }

  /** Whether the module imports a library whose objects block when iterated (`pymongo`). */
  private importsIterableLibrary(source: ModuleSource): boolean {
    const modules = iterableTypeModules(this.extraBlocking);
    const imported = (name: string): boolean => modules.has(firstName(name));
    return Object.values(source.facts.imports).some(imported) || source.facts.starImports.some(imported);
  }

  /** The code a blocking call is reported under, or undefined when it is made safe by its context. */
  blockingCode(source: ModuleSource, fn: number, call: CallFact, entry: BlockingCall): RuleCode | undefined {
    if (call.argumentOf) {
      const outer = this.resolver.resolve(source, fn, call.argumentOf);
      if (outer?.kind === 'external' && safeWrappers.has(outer.name)) return undefined;
    }
    if (entry.spawnMode) {
      const mode = call.firstArg ? this.resolver.resolve(source, fn, call.firstArg) : undefined;
      return mode?.kind === 'external' && mode.name === 'os.P_WAIT' ? 'ASYNC221' : 'ASYNC220';
    }
    return entry.code;
  }

  check(source: ModuleSource): Finding[] {
    return this.checkFunctions(source).flat();
  }

  /**
   * The findings of each function, in order. `known(index)`: the findings of a function that cannot
   * have changed since they were computed (an editor buffer re-checks only the functions an edit touched).
   */
  checkFunctions(source: ModuleSource, known?: (index: number) => Finding[] | undefined): Finding[][] {
    const perFunction: Finding[][] = [];
    let findings: Finding[] = [];
    const { facts } = source;
    const report = (code: RuleCode, span: Span, message: string, extra: Partial<Finding> = {}): void => {
      const severity = effectiveSeverity(this.config, code);
      if (!severity) return;
      const suppressed = facts.noqa[span[0]];
      if (suppressed && (suppressed.includes('*') || suppressed.includes(code))) return;
      findings.push({ code, message, severity, path: source.path, range: toRange(span), fixes: [], ...extra });
    };

    if (effectiveSeverity(this.config, 'CORO200') || effectiveSeverity(this.config, 'CORO202')) this.parseBlocksThatMayDropCoroutines(source);
    this.parseLoopHandlerMethods(source);
    facts.functions.forEach((fn, index) => {
      const reused = known?.(index);
      findings = reused ?? [];
      perFunction.push(findings);
      if (reused) return;
      const style = this.coroutineStyle(source, fn);
      // A Tornado handler's synchronous entry point runs on the IOLoop too: blocking calls count there
      // as in a coroutine, but it cannot await (no fix, and CORO200 is judged as in synchronous code).
      const handler = !style && this.isLoopHandlerMethod(source, fn);
      const onLoop = style !== undefined || handler;
      const where = handler ? `Tornado handler method ${fn.qualname}() (synchronous, it runs on the IOLoop; make it \`async def\` to wait)` : `coroutine ${fn.name}()`;
      // A @gen.coroutine runs on Tornado's IOLoop whatever else its file imports (trio, anyio).
      const genCoroutine = style === 'generator' && isTornadoGenCoroutine(facts, fn);
      const framework = genCoroutine || handler ? 'tornado' : style ? coroutineFramework(facts, fn) : facts.framework;
      // `await` is a syntax error in a generator coroutine (and `async with` a TaskGroup needs):
      // asyncio's generators wait with `yield from`, Tornado's (and, as theirs, configured ones) with `yield`.
      const awaitKeyword = style !== 'generator' ? 'await' : this.decoratedWith(source, fn, awaitedGeneratorDecorators) ? 'yield from' : 'yield';
      const reportEntering = (span: Span, shown: string, entering: { name: string; entry: BlockingCall }): void => {
        const suggestion = suggestionFor(entering.entry.alternatives, framework, shown, genCoroutine);
        const when = entering.name.endsWith('__exit__') ? 'exits' : 'enters';
        report(entering.entry.code, span, `\`with ${shown}\` (${entering.name}) blocks the event loop in ${where} as it ${when}; alternative: ${suggestion}`, { suggestion });
      };
      // `for x in walk(root):` runs the body of the generator function `walk` here, one step per item.
      const reportGeneratorRun = (item: EnteredObject): void => {
        const generator = this.iteratedGenerator(source, index, item.value);
        if (!generator) return;
        const summary = this.summaries.of(generator.source, generator.index);
        for (const file of this.summaries.filesBehind(generator.source, generator.index)) this.dependencySink?.add(file);
        if (!summary) return;
        const chain = this.chain(source, item.span, generator, summary);
        const path = chain.map((h) => h.description).join(' → ');
        // The call only makes the generator: `list` in a thread runs its body there.
        const suggestion = suggestionFor(offloadAlternatives, framework, 'list', genCoroutine);
        report('CORO120', item.span, `iterating \`${shownCallee(item.value)}\` blocks the event loop in ${where}: each step runs the generator's body, ${path} (${chain[chain.length - 1]!.code}); ${suggestion}`, { chain, suggestion });
      };
      if (onLoop) {
        for (const item of fn.entered ?? []) {
          const entering = this.enteringBlocks(source, index, item.value);
          if (entering) reportEntering(item.span, shownCallee(item.value), entering);
        }
        for (const item of fn.iterated ?? []) {
          if (this.madeByBlockingCall(source, index, item.value)) continue;
          const iterating = this.iteratingBlocks(source, index, item.value);
          if (!iterating) {
            if (this.transitive) reportGeneratorRun(item);
            continue;
          }
          const shown = shownCallee(item.value);
          const suggestion = suggestionFor(iterating.entry.alternatives, framework, shown, genCoroutine);
          const type = iterating.name.slice(0, -'.__next__'.length);
          report(iterating.entry.code, item.span, `iterating \`${shown}\` (${type}) blocks the event loop in ${where}: each step may wait for the server; alternative: ${suggestion}`, { suggestion });
        }
        for (const item of fn.indexed ?? []) {
          const indexing = this.indexingBlocks(source, index, item.value);
          if (!indexing) continue;
          const shown = `${shownCallee(item.value)}[…]`;
          const suggestion = suggestionFor(indexing.entry.alternatives, framework, shown, genCoroutine);
          report(indexing.entry.code, item.span, `indexing \`${shown}\` (${indexing.name}) blocks the event loop in ${where}: it runs a query for that item; alternative: ${suggestion}`, { suggestion });
        }
      }
      for (const call of fn.calls) {
        // Only calls made in a coroutine, or whose result is dropped, can be findings: resolving
        // the others would parse modules for nothing.
        if (!(onLoop && !call.awaited) && !(call.dropped && this.dropRules)) continue;
        if (inDeadBranch(source.facts, call)) continue;
        // On a loop's thread, code that runs only without a loop never does (in synchronous code it may).
        if (onLoop && raisesWithoutLoop(call.withoutLoop, source.facts.imports)) continue;
        const classified = this.classify(source, index, call);
        // A lazy function's body is parsed only when CORO120 will follow it.
        const target = classified?.kind === 'lazySync' && onLoop && !call.awaited && this.transitive ? this.forced(classified, this.dependencySink) : classified;
        const entered = onLoop && !call.awaited && call.withItem && this.transitive && target?.kind !== 'blocking' ? this.enteredTargets(source, index, call, this.dependencySink) : NO_TARGETS;
        // `with threading.Lock():`, `with get_lock():` — the object made, or the helper's return, is entered.
        const entering = onLoop && !call.awaited && call.withItem && target?.kind !== 'blocking' ? this.enteringBlocks(source, index, `${call.callee}()`) : undefined;
        if (!target && !entered.length && !entering) continue;
        const written = `${shownCallee(call.callee)}()`;
        if (entering) reportEntering(call.span, written, entering);
        if (onLoop && !call.awaited) {
          if (target?.kind === 'blocking') {
            const code = this.advancesFreshCursor(source, index, call, target.name) ? undefined : this.blockingCode(source, index, call, target.entry);
            if (code) {
              const suggestion = suggestionFor(target.entry.alternatives, framework, shownCallee(call.callee), genCoroutine);
              const named = target.name.replace(/^builtins\./, '');
              const what = named === call.callee ? written : `${written} (${named})`;
              const verb = code === 'CORO110' ? 'starts an event loop inside the running one' : 'blocks the event loop';
              report(code, call.span, `${what} ${verb} in ${where}; alternative: ${suggestion}`, {
                suggestion,
                fixes: style ? blockingCallFixes(source, fn, style, call, target.name, code) : [],
              });
            }
          } else if (this.transitive) {
            // The call's own target first (`Cls()` runs `__init__`), then what the `with` runs.
            const helpers = target?.kind === 'sync' ? [target, ...entered] : entered;
            for (const helper of helpers) {
              if (helper.kind !== 'sync') continue;
              const summary = this.summaries.of(helper.source, helper.index);
              for (const file of this.summaries.filesBehind(helper.source, helper.index)) this.dependencySink?.add(file);
              if (!summary) continue;
              const chain = this.chain(source, call.span, helper, summary);
              const last = chain[chain.length - 1]!;
              const path = chain.map((h) => h.description).join(' → ');
              if (helper === target) {
                const suggestion = suggestionFor(offloadAlternatives, framework, shownCallee(call.callee), genCoroutine);
                report('CORO120', call.span, `${written} blocks the event loop in ${where}: ${path} (${last.code}); ${suggestion}`, {
                  chain,
                  suggestion,
                  fixes: style ? blockingHelperFixes(source, fn, style, call) : [],
                });
              } else {
                // No quick fix: offloading the call would not move the `with`'s entry and exit off the loop.
                const suggestion = suggestionFor(enteredAlternatives, framework, shownCallee(call.callee), genCoroutine);
                report('CORO120', call.span, `\`with ${written}\` blocks the event loop in ${where} as it enters or exits: ${path} (${last.code}); ${suggestion}`, {
                  chain,
                  suggestion,
                });
              }
              break;
            }
          }
        }
        if (style && (call.withItem || call.asyncWithItem) && target?.kind === 'coroutine' && target.style === 'async' && returnsCoroutine(target.source.facts.functions[target.index]!)) {
          // A coroutine object has neither `__enter__` nor `__aenter__`: the `with` raises TypeError
          // and the coroutine never runs.
          const statement = call.asyncWithItem ? 'async with' : 'with';
          // A generator coroutine has no `await`: `with (yield make())` (only `with`: `async with` needs `async def`).
          const awaited = awaitKeyword === 'await' ? `await ${written}` : `(${awaitKeyword} ${written})`;
          report('CORO200', call.span, `coroutine ${written} is entered by \`${statement}\` but never awaited: a coroutine is no ${call.asyncWithItem ? 'async ' : ''}context manager (TypeError) and never runs; write \`${statement} ${awaited}\` if it returns one`);
        }
        if (!target || !call.dropped) continue;
        // Where the code tested that the callee is no coroutine function, it is not this plain `async def`
        // (inspect says so of one; not of a generator-based coroutine, an async generator or a wrapper).
        const surelyCoroutineFunction = (target.kind === 'coroutine' && returnsCoroutine(target.source.facts.functions[target.index]!)) || target.kind === 'libraryCoroutine';
        if (surelyCoroutineFunction && testedNotCoroutineFunction(call.guards, call.callee, facts.imports)) continue;
        if (target.kind === 'coroutine' && isAsyncGenerator(target.source.facts.functions[target.index]!)) {
          // An async generator is iterated, never awaited (`await` on one is a TypeError): no await fix.
          report('CORO200', call.span, `async generator ${written} is called but never iterated, so its body never runs; iterate it with \`async for\`, or make it a coroutine (\`await\`, not \`yield\`) if that was meant`);
        } else if ((target.kind === 'coroutine' && target.runsOnlyAwaited) || target.kind === 'libraryCoroutine') {
          // Synchronous code cannot await: there the coroutine is awaited by a caller or run as a task.
          const remedy = !style ? 'await it from a coroutine, or schedule it as a task and keep the task' : `add \`${awaitKeyword}\`${style === 'async' ? '' : ' (or schedule it as a task and keep the task)'}`;
          report('CORO200', call.span, `coroutine ${written} is called but never awaited, so it never runs; ${remedy}`, {
            fixes: missingAwaitFixes(source, fn, style, call),
          });
        } else if (target.kind === 'coroutine') {
          report('CORO202', call.span, `the result of @gen.coroutine ${written} is dropped: its exceptions are lost; yield or await it, or use IOLoop.spawn_callback`);
        } else if (target.kind === 'spawner') {
          report('CORO201', call.span, `the task returned by ${written} is dropped: the event loop keeps only a weak reference, so it can be garbage-collected mid-run; keep it (${style === 'generator' ? 'a set of tasks' : 'a set of tasks, a TaskGroup'}) and ${awaitKeyword} it`);
        }
      }
    });
    return perFunction;
  }

  /**
   * Lazy blocks hold no coroutine code, but may call a coroutine function without awaiting it
   * (CORO200 / CORO202 in synchronous code): parse those that make a statement call of the name of
   * a workspace coroutine function or of a library one (`asyncio.sleep`), unless what each such call
   * resolves to is known without the parse and is nothing a dropped call is reported for.
   */
  private parseBlocksThatMayDropCoroutines(source: ModuleSource): void {
    const names = this.resolver.coroutineNames();
    const { imports } = source.facts;
    const coroutineNamed = (callee: string): boolean => {
      // A bare name may be an import under another name (`from asyncio import sleep as snooze`).
      // hasOwn: facts back from the cache are plain objects, where `'valueOf' in imports` holds.
      const named = !callee.includes('.') && Object.hasOwn(imports, callee) ? imports[callee]! : callee;
      const last = named.slice(named.lastIndexOf('.') + 1);
      return names.has(last) || libraryCoroutineNames.has(last);
    };
    const wanted = (table: Record<string, LazyBlock> | undefined, classIndex?: number): string[] =>
      Object.entries(table ?? {})
        .filter(([, block]) => {
          const named = block.calls.filter(coroutineNamed);
          if (!named.length) return false;
          const text = this.resolver.blockText(source, block);
          return named.some((callee) => this.mayDropWithFinding(source, classIndex, text, callee));
        })
        .map(([name]) => name);
    this.resolver.materialize(source, undefined, wanted(source.facts.lazy));
    source.facts.classes.forEach((cls, index) => this.resolver.materialize(source, index, wanted(cls.lazyMembers, index)));
  }

  /**
   * Whether the statement call `callee` in a lazy block (`text`; a member of class `classIndex`)
   * may be a dropped call with a finding. When the block does not bind the callee's head (see
   * headInBlock), the head means what it means in the module, or is the class's instance: the call
   * is resolved from there. A head the block binds needs the parse — worth it only for names that
   * can resolve: the module's, `self`, `cls`, and a local typed by something the module binds
   * (`client = api.Client()`, `client: api.Client`; see typingNamesOfLocal).
   */
  private mayDropWithFinding(source: ModuleSource, classIndex: number | undefined, text: string, callee: string): boolean {
    const dot = callee.indexOf('.');
    const head = dot < 0 ? callee : callee.slice(0, dot);
    const moduleName = mayBindAtModuleLevel(source, head);
    const meaning = headInBlock(text, head, classIndex !== undefined);
    if (!meaning) return moduleName || head === 'self' || head === 'cls' || this.typedByModuleName(source, text, head);
    if (meaning === 'self' && dot < 0) return true;
    if (meaning === 'module' && !moduleName) return false;
    const value = meaning === 'self' ? this.resolver.resolveOnInstance(source, classIndex!, callee) : this.resolver.resolve(source, undefined, callee);
    const kind = value && this.classifyValue(value)?.kind;
    return kind === 'coroutine' || kind === 'libraryCoroutine' || kind === 'spawner';
  }

  /**
   * Whether the block binds its local `head` to something whose leading name the module binds, or
   * `self` / `cls` binds, or another local so typed (`second = first`); or imports it.
   */
  private typedByModuleName(source: ModuleSource, text: string, head: string, seen = new Set<string>()): boolean {
    const names = typingNamesOfLocal(text, head);
    if (!names) return true;
    seen.add(head);
    return names.some((name) => {
      const first = firstName(name);
      if (mayBindAtModuleLevel(source, first) || first === 'self' || first === 'cls') return true;
      return !seen.has(first) && this.typedByModuleName(source, text, first, seen);
    });
  }

  private chain(source: ModuleSource, span: Span, target: { source: ModuleSource; index: number }, summary: Summary): ChainHop[] {
    const fact = target.source.facts.functions[target.index]!;
    const hops: ChainHop[] = [{ path: source.path, range: toRange(span), description: `${fact.qualname}()` }];
    let current: Summary | null = summary;
    let guard = 0;
    while (current && guard++ < 1000) {
      if (current.next.kind === 'blocking') {
        hops.push({ path: current.source.path, range: toRange(current.call.span), description: `${current.next.name.replace(/^builtins\./, '')}()`, code: current.next.code });
        break;
      }
      const next = current.next;
      hops.push({ path: current.source.path, range: toRange(current.call.span), description: `${next.source.facts.functions[next.index]!.qualname}()` });
      current = this.summaries.of(next.source, next.index);
    }
    return hops;
  }
}

/** Whether `name` may mean something at the module level: an import or a global binds it, or a star import may. */
function mayBindAtModuleLevel(source: ModuleSource, name: string): boolean {
  const { imports, globals, starImports } = source.facts;
  // hasOwn: facts back from the cache are plain objects.
  return Object.hasOwn(imports, name) || Object.hasOwn(globals, name) || starImports.length > 0;
}

export function toRange(span: Span): Finding['range'] {
  return { start: { line: span[0], column: span[1] }, end: { line: span[2], column: span[3] } };
}

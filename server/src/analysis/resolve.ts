/**
 * Name resolution over facts: what does the dotted expression `e` written in function `f` of
 * module `m` refer to? Follows imports (absolute, relative, aliased, re-exported through a
 * package's `__init__`), module attributes, closures, `self` / `cls`, class members and bases,
 * and the types of variables assigned from workspace classes or known factories.
 * Anything it cannot follow is `undefined`: never guessed.
 */
import { generatorReturnExceptions, isCatalogued, knownTypes, memberType, modelsMembers, returnTypes, typeWrappers, valueGeneratorDecorators } from './rules/catalogue';
import { wrappedType } from './annotations';
import { returnsCoroutine } from './coroutineFunctions';
import { AWAITED, UNKNOWN_MEMBER, YIELDED, type Bindings, type FunctionFact, type ModuleFacts } from './facts';
import type { LazyBlock } from './chunks';

export interface ModuleSource {
  path: string;
  module: string;
  facts: ModuleFacts;
}

export interface WorkspaceView {
  /** A workspace module's facts (parsed on demand); undefined when no workspace file is that module. */
  module(name: string): ModuleSource | undefined;
  hasModule(name: string): boolean;
  /**
   * The workspace name of the absolute import `name` written in `from` (a relative one is not asked about): for a file outside any
   * regular package (run with its own folder first on sys.path) a sibling module or package of
   * `name`'s first part wins over the global name; otherwise `name` itself.
   */
  importedName(from: ModuleSource, name: string): string;
  /** Parses lazy top-level blocks (`classIndex` undefined) or class members of `source` now. */
  materialize(source: ModuleSource, classIndex: number | undefined, names: string[]): void;
  /** The text of a lazy block of `source` (empty when the file can no longer be read). */
  blockText(source: ModuleSource, block: LazyBlock): string;
  /** Names of every coroutine function in the indexed files (for CORO200 in lazy blocks). */
  coroutineNames(): ReadonlySet<string>;
  /**
   * Whether an object whose iteration blocks (a pymongo cursor) can exist at all: some indexed file
   * names such a library, or the configuration such a type. When not, nothing needs to be looked at as one.
   */
  mayHoldIterables(): boolean;
  /** The most parts a workspace module's name has (`a.b.c`: 3): no longer prefix of a name can be one. */
  moduleDepth(): number;
}

export type Value =
  /**
   * Something outside the workspace (or catalogued), by qualified name; for methods `Type.method`.
   * `owner`: the name is an attribute read from an instance of that modelled type — a method when
   * called, else a member whose type the catalogue may know (`client.db` of a pymongo client).
   */
  | { kind: 'external'; name: string; owner?: string }
  /** An instance of an external type the catalogue models. */
  | { kind: 'instance'; type: string }
  | { kind: 'module'; module: string }
  | { kind: 'function'; source: ModuleSource; index: number }
  /** A synchronous function not parsed yet (lazy blocks never hold coroutine code); `force()` parses it. */
  | { kind: 'lazyFunction'; source: ModuleSource; classIndex?: number; name: string }
  | { kind: 'class'; source: ModuleSource; index: number }
  | { kind: 'object'; source: ModuleSource; index: number };

const BUILTINS = new Set(['open', 'input', 'print', 'super', 'len', 'iter', 'next', 'exec', 'eval', 'compile', 'breakpoint']);
/** Bound on binding-follows and base-class walks, so `x = x.y` or a class cycle ends. */
const MAX_HOPS = 12;

export class Resolver {
  /**
   * `configuredTypes`: the classes of configured blocking methods (`mylib.Client` for
   * `mylib.Client.get`): calling one, or annotating with it, makes an object that has those methods.
   */
  constructor(
    private readonly workspace: WorkspaceView,
    private readonly configuredTypes: ReadonlySet<string> = new Set(),
  ) {}

  coroutineNames(): ReadonlySet<string> {
    return this.workspace.coroutineNames();
  }

  mayHoldIterables(): boolean {
    return this.workspace.mayHoldIterables();
  }

  materialize(source: ModuleSource, classIndex: number | undefined, names: string[]): void {
    if (names.length) this.workspace.materialize(source, classIndex, names);
  }

  blockText(source: ModuleSource, block: LazyBlock): string {
    return this.workspace.blockText(source, block);
  }

  /** The value of the dotted expression `expr` written inside function `fn` (or at module level). */
  resolve(source: ModuleSource, fn: number | undefined, expr: string, hops = 0): Value | undefined {
    if (hops > MAX_HOPS) return undefined;
    if (isAwaitedForm(expr)) {
      // `(await f()).g…`: what awaiting `f()` gives, then the links after it. `(yield f())` gives the
      // same in a `@gen.coroutine` generator; in any other, what the consumer sends back.
      const close = closingParenthesis(expr);
      if (close < 0) return undefined;
      if (expr.startsWith(YIELDED) && (fn === undefined || !this.isValueGenerator(source, source.facts.functions[fn]!, hops))) return undefined;
      const ops = expr.slice(close + 1).split('.');
      return this.attributes(this.follow(this.awaited(source, fn, expr.slice(AWAITED.length, close), hops), ops[0]!, hops), ops, hops);
    }
    const ops = expr.split('.');
    const head = ops[0]!;
    if (head === 'super()' && ops.length > 1) {
      const [member, links] = splitLinks(ops[1]!);
      return this.attributes(this.follow(this.superMember(source, fn, member, hops), links, hops), ops.slice(1), hops);
    }
    const [name, links] = splitLinks(head);
    return this.attributes(this.follow(this.lookupName(source, fn, name, hops), links, hops), ops, hops);
  }

  /**
   * The object the expression `expr` written in function `fn` gives where it is used whole — the
   * item a `with` enters, what a `for` iterates: its value, or, for a call of a workspace helper
   * (`with make_client() as c`, `for d in recent()`), what the helper returns — see returned().
   */
  given(source: ModuleSource, fn: number | undefined, expr: string, hops = 0): Value | undefined {
    const value = this.resolve(source, fn, expr, hops);
    if (value || !expr.endsWith('()') || isAwaitedForm(expr)) return value;
    const helper = this.resolve(source, fn, expr.slice(0, -2), hops);
    return helper && this.returned(helper, false, hops);
  }

  /** What calling the synchronous workspace function `helper` returns: see returned(). */
  returnedBy(helper: Value): Value | undefined {
    return this.returned(helper, false, 0);
  }

  /** What awaiting the call `expr` (`get_lock()`, written in function `fn`) gives: see returned(). */
  private awaited(source: ModuleSource, fn: number | undefined, expr: string, hops: number): Value | undefined {
    if (!expr.endsWith('()')) return undefined;
    const coroutine = this.resolve(source, fn, expr.slice(0, -2), hops + 1);
    return coroutine && this.returned(coroutine, true, hops);
  }

  /**
   * What calling the synchronous workspace function `helper` returns or, `awaited`, what awaiting
   * a call of the `async def` `helper` gives (or yielding one of a `@gen.coroutine` generator, whose
   * `raise gen.Return(v)` counts as `return v`): the type its return annotation names (`->
   * threading.Lock`, also `Optional[…]`), else the one type every `return` statement gives: a
   * modelled type's instance (`return requests.Session()`, `return self._lock`, `return await
   * get_lock()`, another helper's result) or a workspace class's (`return Store()`); undefined for
   * anything else (a generator function, a decorated coroutine, a bare return, two types, an
   * unmodelled object).
   */
  private returned(helper: Value, awaited: boolean, hops: number): Value | undefined {
    const fn = this.force(helper);
    if (fn?.kind !== 'function') return undefined;
    const fact = fn.source.facts.functions[fn.index]!;
    const valueGenerator = awaited && this.isValueGenerator(fn.source, fact, hops);
    if (!valueGenerator && (fact.isAsync !== awaited || fact.hasYield || (awaited && !returnsCoroutine(fact)))) return undefined;
    const annotated = fact.returnType === undefined ? undefined : this.annotated(fn.source, fact.parent, fact.returnType, hops + 1);
    if (annotated?.kind === 'instance') return annotated;
    const returns = [...(fact.returns ?? [])];
    for (const { raiser, value } of (valueGenerator && fact.raisedReturns) || []) {
      const raised = this.resolve(fn.source, fn.index, raiser, hops + 1);
      if (raised?.kind === 'external' && generatorReturnExceptions.has(raised.name)) returns.push(value);
    }
    if (!returns.length) return undefined;
    let returned: TypedValue | undefined;
    // Each form once: the facts write calls without their arguments, so `return h(a)` and `return h(b)`
    // are one form, and resolving it again for each would make helpers returning helpers' results
    // cost the product of their return counts.
    for (const expr of new Set(returns)) {
      const value = expr ? this.resolve(fn.source, fn.index, expr, hops + 1) : undefined;
      if (!value || !isTyped(value) || (returned && !sameType(returned, value))) return undefined;
      returned = value;
    }
    return returned;
  }

  /**
   * A function decorated `@gen.coroutine` (any import alias): yielding (or awaiting) its call gives
   * what it returns. Usually a generator; a plain function is wrapped the same (its return value, or
   * the Return it raises, becomes the Future's result).
   */
  private isValueGenerator(source: ModuleSource, fact: FunctionFact, hops: number): boolean {
    if (fact.isAsync) return false;
    return fact.decorators.some((decorator) => {
      const value = decorator ? this.resolve(source, fact.parent, decorator, hops + 1) : undefined;
      return value?.kind === 'external' && valueGeneratorDecorators.has(value.name);
    });
  }

  /** The value of `self.a.b` (no calls) written in a method of class `classIndex` whose `self` is the instance. */
  resolveOnInstance(source: ModuleSource, classIndex: number, expr: string): Value | undefined {
    return this.attributes({ kind: 'object', source, index: classIndex }, expr.split('.'), 0);
  }

  /** `value` followed through the links `ops[1…]` (attributes, each with its `()` calls and `[]` items). */
  private attributes(value: Value | undefined, ops: string[], hops: number): Value | undefined {
    for (let i = 1; i < ops.length && value; i++) {
      const [name, links] = splitLinks(ops[i]!);
      value = this.follow(this.attribute(value, name, hops), links, hops);
    }
    return value;
  }

  /** `value` called (`()`) or indexed (`[]`) as `links` says, left to right. */
  private follow(value: Value | undefined, links: string, hops: number): Value | undefined {
    for (let at = 0; at < links.length && value; at += 2) value = links[at] === '(' ? this.call(value, hops) : this.item(value);
    return value;
  }

  /** A qualified name: catalogued names stay external, workspace modules are entered, the rest is external. */
  qualified(name: string, hops = 0): Value | undefined {
    if (hops > MAX_HOPS) return undefined;
    if (isCatalogued(name)) return { kind: 'external', name };
    const parts = name.split('.');
    // Longest module prefix first, but none longer than a module name can be: trying every prefix of
    // every step of a long attribute chain (`x.a.a.a…`) cost the cube of its length.
    for (let n = Math.min(parts.length, this.workspace.moduleDepth()); n > 0; n--) {
      const module = parts.slice(0, n).join('.');
      if (!this.workspace.hasModule(module)) continue;
      if (n === parts.length) return { kind: 'module', module };
      let value: Value | undefined = this.moduleMember(module, parts[n]!, hops + 1);
      for (let i = n + 1; i < parts.length && value; i++) value = this.attribute(value, parts[i]!, hops + 1);
      return value;
    }
    return { kind: 'external', name };
  }

  /** Parses a lazy function and returns it as a function value (undefined when that fails). */
  force(value: Value): Value | undefined {
    if (value.kind !== 'lazyFunction') return value;
    const { source, classIndex, name } = value;
    this.workspace.materialize(source, classIndex, [name]);
    const found = classIndex === undefined ? this.moduleScope(source, name, 0) : this.classMember(source, classIndex, name, 0);
    return found?.kind === 'lazyFunction' ? undefined : found;
  }

  /** The dotted name a workspace definition has in Python (`pkg.mod.Class.method`); undefined for anything else. */
  qualifiedNameOf(value: Value): string | undefined {
    switch (value.kind) {
      case 'function':
        return `${value.source.module}.${value.source.facts.functions[value.index]!.qualname}`;
      case 'lazyFunction': {
        const owner = value.classIndex === undefined ? '' : `${value.source.facts.classes[value.classIndex]!.qualname}.`;
        return `${value.source.module}.${owner}${value.name}`;
      }
      case 'class':
        return `${value.source.module}.${value.source.facts.classes[value.index]!.qualname}`;
      default:
        return undefined;
    }
  }

  functionOf(value: Value): FunctionFact | undefined {
    return value.kind === 'function' ? value.source.facts.functions[value.index] : undefined;
  }

  private lookupName(source: ModuleSource, fn: number | undefined, name: string, hops: number): Value | undefined {
    const { facts } = source;
    for (let scope = fn; scope !== undefined; scope = facts.functions[scope]!.parent) {
      const fact = facts.functions[scope]!;
      if (Object.hasOwn(fact.locals, name)) return this.binding(source, scope, fact.locals, name, hops);
      if (fact.selfName === name && fact.classIndex !== undefined) {
        const isClassMethod = fact.decorators.some((d) => d.endsWith('classmethod'));
        return { kind: isClassMethod ? 'class' : 'object', source, index: fact.classIndex };
      }
    }
    const member = this.moduleScope(source, name, hops);
    if (member) return member;
    return BUILTINS.has(name) ? { kind: 'external', name: `builtins.${name}` } : undefined;
  }

  private moduleScope(source: ModuleSource, name: string, hops: number): Value | undefined {
    const { facts } = source;
    if (Object.hasOwn(facts.globals, name)) return this.binding(source, undefined, facts.globals, name, hops);
    // A relative import is already the absolute name of a module of the file's package: no sibling is tried.
    if (Object.hasOwn(facts.imports, name)) {
      const imported = facts.imports[name]!;
      return this.qualified(facts.relativeImports?.includes(name) ? imported : this.workspace.importedName(source, imported), hops + 1);
    }
    for (const star of facts.starImports) {
      const module = this.workspace.module(facts.relativeImports?.includes(`*${star}`) ? star : this.workspace.importedName(source, star));
      if (module && module !== source) {
        const found = this.moduleScope(module, name, hops + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  private moduleMember(module: string, name: string, hops: number): Value | undefined {
    const source = this.workspace.module(module);
    const found = source && this.moduleScope(source, name, hops);
    if (found) return found;
    const submodule = `${module}.${name}`;
    if (this.workspace.hasModule(submodule)) return { kind: 'module', module: submodule };
    return undefined;
  }

  private binding(source: ModuleSource, fn: number | undefined, bindings: Bindings, name: string, hops: number): Value | undefined {
    if (bindings[name] === '#lazy') {
      // A lazy def stays unparsed until someone needs its body; a lazy class is parsed now (its members stay lazy).
      if (ownValue(source.facts.lazy, name)?.kind === 'def') return { kind: 'lazyFunction', source, name };
      this.workspace.materialize(source, undefined, [name]);
    }
    const value = bindings[name];
    if (value === undefined || value === '#lazy' || value === UNKNOWN_MEMBER) return undefined;
    if (value.startsWith('#f')) return { kind: 'function', source, index: Number(value.slice(2)) };
    if (value.startsWith('#c')) return { kind: 'class', source, index: Number(value.slice(2)) };
    if (value.startsWith('=')) return this.qualified(this.workspace.importedName(source, value.slice(1)), hops + 1);
    if (value.startsWith('~')) return this.qualified(value.slice(1), hops + 1);
    if (value.startsWith(':')) {
      const assigned = value.indexOf('=');
      if (assigned < 0) return this.annotated(source, fn, value.slice(1), hops + 1);
      // `x: T = e`: the value when it is an object the engine types (it is what runs: `s: HttpClient =
      // requests.Session()` with a workspace Protocol), else the annotation when it names such a type
      // (`db: Database = get_db()`), else the value.
      const assignedValue = this.resolve(source, fn, value.slice(assigned + 1), hops + 1);
      if (assignedValue?.kind === 'instance' || assignedValue?.kind === 'object') return assignedValue;
      return this.annotated(source, fn, value.slice(1, assigned), hops + 1) ?? assignedValue;
    }
    if (value.startsWith('>')) return this.given(source, fn, value.slice(1), hops + 1);
    // A binding that refers to its own name (`x = x.y`, `x = x[k]`, `x = await x.f()`) reads the enclosing scope's `x`.
    const [head] = splitLinks((isAwaitedForm(value) ? value.slice(AWAITED.length) : value).split('.')[0]!);
    if (head !== name) return this.resolve(source, fn, value, hops + 1);
    if (fn === undefined) return undefined;
    return this.resolve(source, source.facts.functions[fn]!.parent, value, hops + 1);
  }

  /**
   * What the annotation `type` (see annotations.ts) makes a variable: an instance of its class,
   * also through typing's `Optional[T]` / `Union[T, None]` / `Annotated[T, …]` (under any import alias),
   * and of a generic class parametrised (`Queue[T]`).
   */
  private annotated(source: ModuleSource, fn: number | undefined, type: string, hops: number): Value | undefined {
    const wrapped = wrappedType(type);
    if (!wrapped) return this.instanceOf(this.resolve(source, fn, type, hops));
    const wrapper = this.resolve(source, fn, wrapped[0], hops);
    if (wrapper?.kind === 'external' && typeWrappers.has(wrapper.name)) return this.annotated(source, fn, wrapped[1], hops + 1);
    // `Queue[T]`, `queue.Queue[int]`: that class; typing's other forms (`Type[T]`, `Callable[…]`) are no class the engine types.
    return this.instanceOf(wrapper);
  }

  /** What an annotation's class makes a variable. */
  private instanceOf(type: Value | undefined): Value | undefined {
    if (!type) return undefined;
    if (type.kind === 'class') return { kind: 'object', source: type.source, index: type.index };
    if (type.kind === 'external') {
      const normal = knownTypes.has(type.name) ? type.name : returnTypes.get(type.name);
      if (normal && knownTypes.has(normal)) return { kind: 'instance', type: normal };
      if (this.configuredTypes.has(type.name)) return { kind: 'instance', type: type.name };
    }
    return undefined;
  }

  private attribute(value: Value, name: string, hops: number): Value | undefined {
    switch (value.kind) {
      case 'external': {
        // `client.db.users`: `db` read from a modelled client is a database, whose `users` is a collection.
        const member = value.owner === undefined ? undefined : memberType(value.owner, value.name.slice(value.owner.length + 1));
        if (member) return this.attribute({ kind: 'instance', type: member }, name, hops);
        // An attribute of a modelled object that has no modelled type (`coll.name`): what it holds is unknown.
        return value.owner !== undefined && modelsMembers(value.owner) ? undefined : this.qualified(`${value.name}.${name}`, hops + 1);
      }
      case 'instance':
        return { kind: 'external', name: `${value.type}.${name}`, owner: value.type };
      case 'module':
        // Through qualified(), so `asyncio.create_task` stays the catalogued name even when the
        // standard library's own source is part of the workspace.
        return this.qualified(`${value.module}.${name}`, hops + 1) ?? { kind: 'external', name: `${value.module}.${name}` };
      case 'class':
      case 'object':
        return this.classMember(value.source, value.index, name, hops + 1);
      case 'function':
      case 'lazyFunction':
        return undefined;
    }
  }

  /** A method or attribute of a workspace class, searching its bases (workspace or catalogued) in Python's order. */
  classMember(source: ModuleSource, classIndex: number, name: string, hops: number): Value | undefined {
    if (hops > MAX_HOPS) return undefined;
    const own = this.ownMember(source, classIndex, name, hops);
    return own ? own.value : this.baseMember(source, classIndex, name, hops);
  }

  /**
   * A member the class itself defines (a method, a class attribute, `self.x = …` in a method), as
   * `{ value }` — undefined inside when it is there but cannot be resolved, which ends the search as
   * the class's own member would at run time; undefined when the class does not define it.
   */
  private ownMember(source: ModuleSource, classIndex: number, name: string, hops: number): { value: Value | undefined } | undefined {
    const { facts } = source;
    const lazyMember = ownValue(facts.classes[classIndex]!.lazyMembers, name);
    if (lazyMember?.kind === 'def') return { value: { kind: 'lazyFunction', source, classIndex, name } };
    if (lazyMember) this.workspace.materialize(source, classIndex, [name]);
    let method: number | undefined;
    facts.functions.forEach((f, i) => {
      if (f.classIndex === classIndex && f.name === name) method = i;
    });
    if (method !== undefined) return { value: { kind: 'function', source, index: method } };
    const members = facts.classes[classIndex]!.members;
    // `self.x = …` may sit in a method not parsed yet (typically `__init__`): parse the ones that assign `x`.
    const lazy = facts.classes[classIndex]!.lazyMembers;
    if (!Object.hasOwn(members, name) && lazy) {
      const setters = Object.keys(lazy).filter((m) => lazy[m]!.assigns?.includes(name));
      if (setters.length) {
        this.workspace.materialize(source, classIndex, setters);
        return this.ownMember(source, classIndex, name, hops + 1);
      }
    }
    return Object.hasOwn(members, name) ? { value: this.binding(source, undefined, members, name, hops + 1) } : undefined;
  }

  /**
   * `super().name` inside a method (or a function nested in one) of a class: the member as its
   * bases have it. Undefined outside a class.
   */
  private superMember(source: ModuleSource, fn: number | undefined, name: string, hops: number): Value | undefined {
    const { functions } = source.facts;
    let scope = fn;
    while (scope !== undefined && functions[scope]!.classIndex === undefined) scope = functions[scope]!.parent;
    const classIndex = scope === undefined ? undefined : functions[scope]!.classIndex;
    return classIndex === undefined ? undefined : this.baseMember(source, classIndex, name, hops + 1);
  }

  /**
   * A member of the bases of a workspace class (workspace or catalogued), in the order of its method
   * resolution order (C3, as Python builds it): with `class C(A, B)` and `class A(Base)`, `B`'s member
   * comes before `Base`'s when `B` derives from `Base` too (a mixin's override). Bases that do not resolve
   * are left out, as before; an order C3 cannot build (Python raises at class creation) is searched depth first.
   */
  private baseMember(source: ModuleSource, classIndex: number, name: string, hops: number): Value | undefined {
    if (hops > MAX_HOPS) return undefined;
    const { bases } = source.facts.classes[classIndex]!;
    if (bases.length === 1) {
      // One base B: the order is the class, then B's own order, searched as it is built.
      const base = this.resolve(source, undefined, bases[0]!, hops + 1);
      if (base?.kind === 'class') return this.classMember(base.source, base.index, name, hops + 1);
      return base?.kind === 'external' ? externalMember(base.name, name) : undefined;
    }
    if (!bases.length) return undefined;
    const order = this.linearization(source, classIndex, hops + 1) ?? this.depthFirst(source, classIndex, hops + 1);
    for (const entry of order.slice(1)) {
      if ('external' in entry) {
        const member = externalMember(entry.external, name);
        if (member) return member;
        continue;
      }
      const own = this.ownMember(entry.source, entry.index, name, hops + 1);
      if (own) return own.value;
    }
    return undefined;
  }

  /** The bases of a workspace class that resolve, as linearization entries. */
  private resolvedBases(source: ModuleSource, classIndex: number, hops: number): LinearEntry[] {
    const bases: LinearEntry[] = [];
    for (const base of source.facts.classes[classIndex]!.bases) {
      const resolved = this.resolve(source, undefined, base, hops + 1);
      if (resolved?.kind === 'class') bases.push({ source: resolved.source, index: resolved.index });
      else if (resolved?.kind === 'external') bases.push({ external: resolved.name });
    }
    return bases;
  }

  /** C3: the class, then the merge of its bases' linearizations and the bases themselves; undefined when they conflict. */
  private linearization(source: ModuleSource, classIndex: number, hops: number): LinearEntry[] | undefined {
    const self: LinearEntry = { source, index: classIndex };
    if (hops > MAX_HOPS) return [self];
    const bases = this.resolvedBases(source, classIndex, hops);
    const sequences: LinearEntry[][] = [];
    for (const base of bases) {
      const line = 'external' in base ? [base] : this.linearization(base.source, base.index, hops + 1);
      if (!line) return undefined;
      sequences.push(line);
    }
    sequences.push(bases);
    const merged = c3Merge(sequences);
    return merged && [self, ...merged];
  }

  /** The order the engine searched before: each base, then its bases, depth first. */
  private depthFirst(source: ModuleSource, classIndex: number, hops: number): LinearEntry[] {
    const order: LinearEntry[] = [{ source, index: classIndex }];
    if (hops > MAX_HOPS) return order;
    for (const base of this.resolvedBases(source, classIndex, hops)) order.push(...('external' in base ? [base] : this.depthFirst(base.source, base.index, hops + 1)));
    return order;
  }

  /** An item of `value` (`value[key]`, any key): typed only for modelled types whose members the catalogue knows. */
  private item(value: Value): Value | undefined {
    const type = value.kind === 'instance' ? value.type : value.kind === 'external' && value.owner !== undefined ? memberType(value.owner, value.name.slice(value.owner.length + 1)) : undefined;
    const member = type === undefined ? undefined : memberType(type);
    return member ? { kind: 'instance', type: member } : undefined;
  }

  private call(value: Value, hops: number): Value | undefined {
    switch (value.kind) {
      // A workspace helper's call gives what it returns (`s = make_session()`, `open_store().load()`).
      case 'function':
      case 'lazyFunction':
        return this.returned(value, false, hops + 1);
      case 'class':
        return { kind: 'object', source: value.source, index: value.index };
      case 'external': {
        const type = returnTypes.get(value.name) ?? (this.configuredTypes.has(value.name) ? value.name : undefined);
        return type ? { kind: 'instance', type } : undefined;
      }
      default:
        return undefined;
    }
  }
}

/** `name` of an instance of the external class `base` when the catalogue models the class; else undefined. */
function externalMember(base: string, name: string): Value | undefined {
  if (!isCatalogued(base)) return undefined;
  const type = returnTypes.get(base) ?? base;
  return { kind: 'external', name: `${type}.${name}`, owner: type };
}

/** A class in a method resolution order: a workspace class, or a base that resolves outside the workspace. */
type LinearEntry = { source: ModuleSource; index: number } | { external: string };

function entryKey(entry: LinearEntry): string {
  return 'external' in entry ? `=${entry.external}` : `${entry.source.path}#${entry.index}`;
}

/** C3's merge: repeatedly the first head that is in no other sequence's tail; undefined when none is. */
function c3Merge(sequences: LinearEntry[][]): LinearEntry[] | undefined {
  const lists = sequences.map((sequence) => sequence.slice()).filter((list) => list.length);
  const merged: LinearEntry[] = [];
  while (lists.length) {
    const head = lists.map((list) => list[0]!).find((candidate) => {
      const key = entryKey(candidate);
      return !lists.some((list) => list.slice(1).some((entry) => entryKey(entry) === key));
    });
    if (!head) return undefined;
    merged.push(head);
    const key = entryKey(head);
    for (const list of lists) if (entryKey(list[0]!) === key) list.shift();
    for (let i = lists.length - 1; i >= 0; i--) if (!lists[i]!.length) lists.splice(i, 1);
  }
  return merged;
}

/** An object whose type the engine knows: a modelled type's instance, or a workspace class's. */
type TypedValue = Extract<Value, { kind: 'instance' | 'object' }>;

function isTyped(value: Value): value is TypedValue {
  return value.kind === 'instance' || value.kind === 'object';
}

function sameType(a: TypedValue, b: TypedValue): boolean {
  if (a.kind === 'instance') return b.kind === 'instance' && b.type === a.type;
  return b.kind === 'object' && b.source === a.source && b.index === a.index;
}

/** `record[key]` when it is the record's own: a Python name such as `constructor` must not find Object.prototype's. */
function ownValue<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** `(await f())…` or `(yield f())…` (see AWAITED, YIELDED). */
function isAwaitedForm(expr: string): boolean {
  return expr.startsWith(AWAITED) || expr.startsWith(YIELDED);
}

/** Where the parenthesis that opens `expr` closes; -1 when it does not. */
function closingParenthesis(expr: string): number {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `name()[]` → [`name`, `()[]`]: a link's name and the calls and subscripts written after it. */
function splitLinks(op: string): [string, string] {
  const end = op.search(/[([]/);
  return end < 0 ? [op, ''] : [op.slice(0, end), op.slice(end)];
}

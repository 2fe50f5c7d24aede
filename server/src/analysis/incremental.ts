/**
 * Facts of an editor buffer, kept per top-level statement so that an edit costs what it changed.
 * The whole buffer is still parsed (incrementally, by the engine), but the facts query runs only
 * over top-level statements whose text is new: every other statement's facts are taken from the
 * previous version (moved by whole lines when lines were inserted or removed above it) and the
 * parts are joined in document order — the same function/class numbering, the same later-wins
 * bindings — then completed with what belongs to the whole file (completeModuleFacts), so the
 * result equals `extractFacts` over the whole tree (test/unit/incrementalEdits.test.ts).
 *
 * A statement's facts depend on its subtree, the module name and whether the file mentions
 * `wrap_file` (a change of that drops every statement kept). A statement that contains a syntax
 * error is re-extracted every time (error recovery depends on its surroundings). When the joined
 * facts equal the previous version's, that facts object itself is returned: the engine then keeps
 * its results (an edit inside a comment or a string re-checks nothing).
 */
import type { Tree } from 'web-tree-sitter';
import type { Finding } from './api';
import { appendRenumbered, renumber, shiftedFacts, type Renumbered } from './chunks';
import { commonPrefix, commonSuffix } from './textChange';
import { guardNames } from './guards';
import { completeModuleFacts, emptyFacts, extractFacts, markRelative, mentionsWrappers, type FunctionFact, type ModuleFacts } from './facts';
import type { ModuleSource } from './resolve';
import type { Checker } from './rules/checks';

/** Facts of one top-level statement, positions absolute for the line `row` it started on. */
interface StatementFacts {
  facts: ModuleFacts;
  row: number;
  column: number;
  /** Its facts as numbered in the last version, reused while the functions and classes before it are as many. */
  joined?: { functionOffset: number; classOffset: number; part: Renumbered };
}

/** A statement of one version: its facts and where it is ([start, end) in the text; `clean`: no syntax error in it). */
interface Placed {
  statement: StatementFacts;
  start: number;
  end: number;
  clean: boolean;
}

export class BufferFacts {
  /** The previous version's text and statements in order. */
  private text = '';
  private order: Placed[] = [];
  /** The previous version's facts and the statement parts (those adding anything) they were joined from. */
  private last?: { facts: ModuleFacts; parts: Renumbered[] };
  /** Whether the previous version mentioned wrappers: statement facts depend on it (mentionsWrappers). */
  private wrappers = false;
  /** The previous version's guardNames, joined: statement facts depend on them too. */
  private guards = '';

  constructor(
    private readonly module: string,
    private readonly isPackage: boolean,
  ) {}

  /**
   * The facts of `tree`, the parse of `text`: the previous version's facts object itself when they
   * are equal (an edit inside a comment, a string's words, blanks), so the caller can tell.
   *
   * The text before the edit (the common prefix with the previous version) and after it (the common
   * suffix) is unchanged: a statement lying wholly in either is the previous statement at the same
   * (or shifted) place, found by position without reading its text. Statements touching the edited
   * region are looked up by text among the previous version's statements there (lines moved), or extracted.
   */
  extract(tree: Tree, text: string): ModuleFacts {
    const wrappers = mentionsWrappers(text);
    const names = guardNames(text);
    const guards = names ? [...names].sort().join(' ') : '';
    if (wrappers !== this.wrappers || guards !== this.guards) {
      this.text = '';
      this.order = [];
      this.last = undefined;
      this.wrappers = wrappers;
      this.guards = guards;
    }
    const before = this.text;
    const previous = this.order;
    const prefix = commonPrefix(before, text);
    const suffix = commonSuffix(before, text, Math.min(before.length, text.length) - prefix);
    const delta = text.length - before.length;
    const suffixStart = text.length - suffix;
    const rowDelta = lineBreaks(text, prefix, suffixStart) - lineBreaks(before, prefix, before.length - suffix);
    let cursor = 0;
    /** The previous clean statement at [start, end) (asked in increasing order). */
    const previousAt = (start: number, end: number): StatementFacts | undefined => {
      while (cursor < previous.length && previous[cursor]!.start < start) cursor++;
      const placed = previous[cursor];
      return placed && placed.start === start && placed.end === end && placed.clean ? placed.statement : undefined;
    };
    let inEditedRegion: Map<string, StatementFacts> | undefined;
    const order: Placed[] = [];
    const root = tree.rootNode;
    const anyError = root.hasError;
    for (const node of root.children) {
      if (!node) continue;
      const start = node.startIndex;
      const end = node.endIndex;
      // A statement with a syntax error is extracted every time: error recovery depends on its surroundings.
      const clean = !(anyError && node.hasError);
      let known: StatementFacts | undefined;
      let row: number | undefined;
      let column: number | undefined;
      if (clean && end <= prefix) {
        known = previousAt(start, end);
        if (known) ({ row, column } = known);
      } else if (clean && start >= suffixStart) {
        known = previousAt(start - delta, end - delta);
        // Its column is the same when it starts a line (else the edit may be on its line, before it).
        if (known && known.column === 0 && (start === 0 || text.charCodeAt(start - 1) === 10)) [row, column] = [known.row + rowDelta, 0];
      }
      if (row === undefined || column === undefined) {
        ({ row, column } = node.startPosition);
        if (clean && !known) {
          inEditedRegion ??= textsOf(before, previous, prefix, before.length - suffix);
          known = inEditedRegion.get(text.slice(start, end));
        }
      }
      if (!known || known.column !== column) {
        // The same text at another column (statements sharing a line) has other first-line columns.
        known = this.extracted(extractFacts(tree, this.module, this.isPackage, text, { node, wrappers, guardNames: names }), row, column, order.length);
      } else if (known.row !== row) {
        known = { facts: shiftedFacts(known.facts, row - known.row), row, column };
      }
      order.push({ statement: known, start, end, clean });
    }
    this.text = text;
    this.order = order;
    const last = this.last;
    if (last && previous.length === order.length && order.every((placed, i) => placed.statement === previous[i]!.statement)) {
      // The same statements in the same order: the same parts, so only the file-wide facts can differ.
      const { imports, starImports, relativeImports, globals, functions, classes } = last.facts;
      const facts: ModuleFacts = { ...emptyFacts(), imports, starImports, globals, functions, classes, ...(relativeImports ? { relativeImports } : {}) };
      completeModuleFacts(facts, tree, text);
      if (sameFileWideFacts(last.facts, facts)) return last.facts;
      this.last = { facts, parts: last.parts };
      return facts;
    }
    const facts = emptyFacts();
    const parts: Renumbered[] = [];
    for (const placed of order) join(facts, parts, placed.statement);
    completeModuleFacts(facts, tree, text);
    if (last && sameParts(last.parts, parts) && sameFileWideFacts(last.facts, facts)) return last.facts;
    this.last = { facts, parts };
    return facts;
  }

  /**
   * A statement extracted anew; when its facts equal those of the statement in its place before
   * (an edit in a comment or a string inside it), that one, so its part stays the same object.
   */
  private extracted(facts: ModuleFacts, row: number, column: number, index: number): StatementFacts {
    const before = this.order[index]?.statement;
    if (before && before.row === row && before.column === column && JSON.stringify(before.facts) === JSON.stringify(facts)) return before;
    return { facts, row, column };
  }
}

/** Line breaks in text[from, to). */
function lineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** The clean statements of the previous version that touch its edited region [from, to), by text. */
function textsOf(text: string, order: Placed[], from: number, to: number): Map<string, StatementFacts> {
  const byText = new Map<string, StatementFacts>();
  for (const placed of order) {
    if (placed.clean && placed.end > from && placed.start <= to) byText.set(text.slice(placed.start, placed.end), placed.statement);
  }
  return byText;
}

/** Appends a statement's facts to the module's (and its part to `parts` unless it adds nothing): what extractFacts would have recorded reading on. */
function join(facts: ModuleFacts, parts: Renumbered[], statement: StatementFacts): void {
  const part = statement.facts;
  if (!part.functions.length && !part.classes.length && !part.starImports.length && isEmpty(part.globals) && isEmpty(part.imports)) return;
  Object.assign(facts.imports, part.imports);
  facts.starImports.push(...part.starImports);
  // A later import of a name decides whether it is relative, as it decides what the name is.
  for (const name of Object.keys(part.imports)) markRelative(facts, name, !!part.relativeImports?.includes(name));
  for (const star of part.starImports) if (part.relativeImports?.includes(`*${star}`)) markRelative(facts, `*${star}`, true);
  const functionOffset = facts.functions.length;
  const classOffset = facts.classes.length;
  const joined = statement.joined;
  if (joined?.functionOffset !== functionOffset || joined.classOffset !== classOffset) {
    statement.joined = { functionOffset, classOffset, part: renumber(part, functionOffset, classOffset) };
  }
  appendRenumbered(facts, statement.joined!.part);
  parts.push(statement.joined!.part);
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/** The same parts, in the same order: a reused part is the same object only while its statement's facts and numbering hold. */
function sameParts(before: Renumbered[], after: Renumbered[]): boolean {
  return before.length === after.length && before.every((part, i) => part === after[i]);
}

/** Whether everything but what the parts decide (completeModuleFacts' share, whatever it holds) is equal. */
function sameFileWideFacts(before: ModuleFacts, after: ModuleFacts): boolean {
  const fromParts = new Set(['imports', 'starImports', 'relativeImports', 'globals', 'functions', 'classes']);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((key) => !fromParts.has(key)));
  for (const key of keys) if (JSON.stringify(before[key as keyof ModuleFacts]) !== JSON.stringify(after[key as keyof ModuleFacts])) return false;
  return true;
}

/**
 * Editor buffers' findings per function, so that an edit inside coroutines re-checks those alone.
 * A coroutine (or any generator) is never followed by CORO120 — calling it runs none of its body —
 * so when an edit changed nothing but the calls (and span) of such functions, the findings of every
 * other function, in this file and in every other, are what a fresh analysis would give. Anything
 * else (a synchronous function's calls, a name, an import, a noqa comment, a line added above a
 * synchronous function …) leaves the engine to analyse everything again (invalidate).
 * Entries are valid only with the checker (and so the CORO120 summaries) they were computed with.
 */
export class BufferFindings {
  private readonly byFile = new Map<string, { checker: Checker; facts: ModuleFacts; perFunction: Finding[][]; dependencies: Set<string> }>();
  /** Functions to check again, by file: those that changed since its last check. */
  private readonly pending = new Map<string, Set<number>>();

  /**
   * The buffer's facts are now `facts`: true when they differ from those of its last check only
   * inside coroutines, which its next check then re-checks alone; false when everything must be
   * analysed again.
   */
  recheckOnly(file: string, facts: ModuleFacts): boolean {
    const known = this.byFile.get(file);
    const changed = known && changedCoroutines(known.facts, facts);
    if (changed) this.pending.set(file, changed);
    return !!changed;
  }

  /** The buffer's findings (unsorted), re-checking only what recheckOnly found; `dependencies` receives the files they were computed from. */
  check(checker: Checker, source: ModuleSource, dependencies: Set<string>): Finding[] {
    const known = this.byFile.get(source.path);
    const changed = this.pending.get(source.path);
    this.pending.delete(source.path);
    const reusable = known && changed && known.checker === checker ? known : undefined;
    if (reusable) for (const file of reusable.dependencies) dependencies.add(file);
    const perFunction = checker.checkFunctions(source, reusable && ((index) => (changed!.has(index) ? undefined : reusable.perFunction[index])));
    this.byFile.set(source.path, { checker, facts: source.facts, perFunction, dependencies });
    return perFunction.flat();
  }

  /** Anything but the buffers' own facts changed (or may have): nothing is reused. */
  clear(): void {
    this.byFile.clear();
    this.pending.clear();
  }
}

/**
 * The indices of the functions that differ between two versions of a module's facts, when each
 * is a coroutine (see checkedAlone) and differs only in its calls, span, `with` objects, iterables, indexed objects and, when
 * no other function may read them (see withoutBody), returns and (without nested functions) local
 * bindings; undefined when anything else differs.
 */
export function changedCoroutines(before: ModuleFacts, after: ModuleFacts): Set<number> | undefined {
  if (before.functions.length !== after.functions.length || before.classes.length !== after.classes.length) return undefined;
  if (!sameNames(before.imports, after.imports) || !sameNames(before.globals, after.globals)) return undefined;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of ['functions', 'imports', 'globals']) keys.delete(key);
  for (const key of keys) if (!sameJson(before[key as keyof ModuleFacts], after[key as keyof ModuleFacts])) return undefined;
  const changed = new Set<number>();
  let parents: Set<number> | undefined;
  for (let index = 0; index < before.functions.length; index++) {
    const was = before.functions[index]!;
    const now = after.functions[index]!;
    if (was === now) continue;
    const coroutine = checkedAlone(now);
    // A synchronous function that moved (a line added above it) has changed: no need to compare the rest.
    if (!coroutine && was.span.some((at, i) => at !== now.span[i])) return undefined;
    if (sameJson(was, now)) continue;
    if (!coroutine || !sameJson(withoutBody(was), withoutBody(now))) return undefined;
    // Its local bindings are seen by the functions nested in it (closures), which would need checking too.
    parents ??= new Set(after.functions.flatMap((fn) => (fn.parent === undefined ? [] : [fn.parent])));
    if (parents.has(index) && !sameJson(was.locals, now.locals)) return undefined;
    changed.add(index);
  }
  return changed;
}

/**
 * Whether nothing else's findings read a function's calls: a coroutine's body is never followed by
 * CORO120, nor is a generator coroutine's (`@gen.coroutine`, `@types.coroutine`, `@gen_test`). Any
 * other generator may be: a `@contextmanager` one's by the `with` that enters it, a plain one's by
 * the coroutine that iterates it (Checker.iteratedGenerator) — so an edit there is no edit of a
 * coroutine alone. The decorator is read by its written name: an alias goes the safe, longer way.
 */
function checkedAlone(fn: FunctionFact): boolean {
  return fn.isAsync || (fn.hasYield && fn.decorators.some((decorator) => GENERATOR_COROUTINE_DECORATOR.test(decorator)));
}

const GENERATOR_COROUTINE_DECORATOR = /(?:^|\.)(?:coroutine|engine|gen_test)$/;

/**
 * What, besides its own findings, may depend on a function's facts: all but its calls, span, `with`
 * objects, iterables and indexed objects (only its own findings read them). A coroutine's returns,
 * and its locals when it has returns, tell what awaiting it gives elsewhere (`lock = await
 * get_lock()`); a generator's too, as a `@gen.coroutine` generator's tell what `x = yield f()` gives
 * (Resolver.returned; its `raise gen.Return(v)` stay compared with the rest).
 */
function withoutBody(fn: FunctionFact): Partial<FunctionFact> {
  const returnsMatter = !!fn.returns?.length;
  return { ...fn, calls: undefined, span: undefined, entered: undefined, iterated: undefined, indexed: undefined, locals: returnsMatter ? fn.locals : undefined, returns: returnsMatter ? fn.returns : undefined };
}

/** The same names bound to the same strings (a module's imports or globals: thousands in a large file, not worth serialising). */
function sameNames(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const name in a) {
    if (!Object.hasOwn(b, name) || a[name] !== b[name]) return false;
    count++;
  }
  return count === Object.keys(b).length;
}

/** Equal as JSON (facts are plain JSON); the same object is equal without serialising it. */
function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

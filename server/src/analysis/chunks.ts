/**
 * Lazy parsing. Parsing is most of a cold run's cost, and most code of a large tree can never
 * hold a finding: only coroutine bodies can, plus the synchronous functions calls lead into.
 * So a file is cut lexically into its top-level statements (and, inside classes that hold
 * coroutine code, into the members); `def` / `class` blocks without coroutine markers are left
 * out of the first parse (their lines blanked, so every position stays the same) and recorded
 * as *lazy*. Resolution parses a lazy block when a call leads into it, and merges its facts.
 */
import { KEYWORDS, type LexicalScan } from './lexical';
import { nameRecord, setName, type Bindings, type ClassFact, type FunctionFact, type ModuleFacts, type Span } from './facts';

/** Line range [start, end) of a lazy block. */
export type LineRange = [number, number];

export interface LazyBlock {
  lines: LineRange;
  kind: 'def' | 'class';
  /** A lazy class's own lazy members (parsed later still). */
  members?: Record<string, LazyBlock>;
  /** A member's indentation (the `pass` it leaves behind is indented so). */
  indent?: number;
  /** A member's `self.x = …` attribute names: a lookup of `x` parses only the members that set it. */
  assigns?: string[];
  /**
   * Callees of calls made as a statement of their own (`fetch(…)`, `self.close(…)` starting a
   * line): were one a coroutine function, that would be CORO200, so such a block is parsed when
   * one could be. (A call whose result is used cannot be CORO200.)
   */
  calls: string[];
}

const STATEMENT_CALL = /^[ \t]*((?:[A-Za-z_]\w*\s*\.\s*)*[A-Za-z_]\w*)\s*\(/gm;

/** Dotted callees of calls that start a line (`fetch`, `api.fetch`, `self.close`). */
function calledNames(block: string): string[] {
  const names = new Set<string>();
  for (const match of block.matchAll(STATEMENT_CALL)) names.add(match[1]!.replace(/\s+/g, ''));
  return [...names];
}

/** A method header whose first parameter is bare (no annotation, no default): `def m(self,` / `def m(self)`. */
const BARE_FIRST_PARAMETER = /\bdef\s+\w+\s*\(\s*([A-Za-z_]\w*)\s*[,)]/;

/**
 * What the head of a statement call (`api` of `api.fetch`) means inside a lazy block, told without
 * parsing it: `module` when the block never binds the name (every occurrence is followed by `.` or
 * `(`, none follows `def` / `class`), so it means what it means at module level; `self` when it is
 * the bare first parameter of a member that is one method (no nested def or class, whose `self`
 * would be another; not static) and otherwise unbound, so it is the class's instance; undefined
 * when only a parse can tell.
 */
export function headInBlock(block: string, head: string, member: boolean): 'module' | 'self' | undefined {
  const header = member ? BARE_FIRST_PARAMETER.exec(block) : null;
  const isSelf = header?.[1] === head && (block.match(/\bdef\b/g) ?? []).length === 1 && !/\bclass\b|staticmethod/.test(block);
  const text = isSelf ? block.slice(0, header!.index) + block.slice(header!.index + header![0].length) : block;
  // `import api.sub` binds `api` although `.` follows it.
  if (text.includes('import') && new RegExp(`\\bimport\\b.*\\b${head}\\b`).test(text)) return undefined;
  // A scan with indexOf, not a regular expression built per head: this runs for many blocks.
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + head.length)) {
    if (isNameOrDot(text.charCodeAt(at - 1)) || isNameOrDot(text.charCodeAt(at + head.length), false)) continue;
    if (DEFINED_BEFORE.test(text.slice(Math.max(0, at - 16), at))) return undefined;
    let next = at + head.length;
    while (text[next] === ' ' || text[next] === '\t') next++;
    if (text[next] !== '.' && text[next] !== '(') return undefined;
  }
  return isSelf ? 'self' : 'module';
}

/**
 * After a name: an annotation (`: api.Client`, `: "api.Client"`), or an assignment (`= Client(…)`,
 * `:= make(…)`, `= api.CLIENT`, `= other`, `= await make(…)`) — the value's leading dotted name.
 */
const TYPED_BINDING = /[ \t]*(?::[ \t]*['"]?([A-Za-z_][\w.]*)|:?=(?!=)[ \t]*(?:(?:await|yield)[ \t]+)?([A-Za-z_][\w.]*))/y;
/** Before a name: the `as` of a `with` item or an `except` clause. */
const AS_TARGET = /\bas[ \t]+$/;

/**
 * The dotted names that may give the local `head` of a block its type, told without parsing it: the
 * annotation of `head: api.Client` (a parameter or an annotated assignment), the leading name of the
 * value of `head = Client(…)` / `head = make_client(…)` / `head = api.CLIENT` / `head = other`, and
 * of the item of `with Client() as head`. These are the bindings of a local the parse types (a
 * constructor, a factory, a helper's return, an attribute, another local, an annotation, an entered
 * object), so a block where none leads to something the module binds cannot give `head.close()` a
 * coroutine. Undefined when the block imports `head` (only a parse tells what it is).
 */
export function typingNamesOfLocal(block: string, head: string): string[] | undefined {
  if (block.includes('import') && new RegExp(`\\bimport\\b.*\\b${head}\\b`).test(block)) return undefined;
  const names: string[] = [];
  for (let at = block.indexOf(head); at >= 0; at = block.indexOf(head, at + head.length)) {
    if (isNameOrDot(block.charCodeAt(at - 1)) || isNameOrDot(block.charCodeAt(at + head.length))) continue;
    const before = AS_TARGET.exec(block.slice(Math.max(0, at - 16), at));
    if (before) {
      const entered = enteredBy(block, at - before[0].length);
      if (entered) names.push(entered);
      continue;
    }
    TYPED_BINDING.lastIndex = at + head.length;
    const match = TYPED_BINDING.exec(block);
    if (match) names.push((match[1] ?? match[2])!);
  }
  return names;
}

/**
 * The leading dotted name of the `with` item whose `as` starts at `as` (`api` of `with api.Client()
 * as c`, of `with open(p) as f, api.Client() as c`, of a parenthesised item list), read back to the
 * item's start; undefined for an `except` clause's target (an exception) or a value without one.
 */
export function enteredBy(block: string, as: number): string | undefined {
  let depth = 0;
  let at = as - 1;
  for (; at >= 0; at--) {
    const c = block[at];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '(' || c === '[' || c === '{') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (c === ',' || (c === '\n' && block[at - 1] !== '\\'))) break;
  }
  const item = /^\s*(?:async\s+)?(?:(except)\b|with\b)?\s*(?:await\s+)?([A-Za-z_][\w.]*)?/.exec(block.slice(at + 1, as))!;
  return item[1] ? undefined : item[2];
}

/**
 * The callee of every call in a block's text, in the dotted form facts.ts gives it (`os.path.join`,
 * `open().read`), found without a parse by walking back from each `(`; undefined when some call's
 * callee cannot be told so (a parenthesised object `(a + b).g(`, an argument list holding a string,
 * a subscript other than a plain one on its line, a chain broken by a comment, a non-ASCII name).
 * Calls without a dotted form (`x[0](`, `"".join(`, `[a].sort(`) are left out, as facts.ts leaves them out. Strings and comments are not skipped: a `(` there
 * adds a callee, never hides one.
 */
export function callChains(block: string): string[] | undefined {
  const chains = new Set<string>();
  for (let paren = block.indexOf('('); paren >= 0; paren = block.indexOf('(', paren + 1)) {
    let at = skipBack(block, paren);
    const parts: string[] = [];
    for (;;) {
      let calls = '';
      // `f(…)` and, past the callee's own name, `x[…]` links, read right to left: `open(p).read(` is
      // the attribute `read` of `open()`, `db["users"].find(` the attribute `find` of `db[]`.
      for (;;) {
        const c = block.charCodeAt(at);
        if (c === 41) {
          const open = matchingOpen(block, at);
          if (open === undefined) return undefined;
          calls = `()${calls}`;
          at = skipBack(block, open);
        } else if (c === 93 && parts.length) {
          const open = subscriptOpen(block, at);
          if (open === undefined) return undefined;
          const before = skipBack(block, open);
          if (before === UNKNOWN) return undefined;
          // `[a, b].sort(`: a list, not an item of something.
          if (before < 0 || !(isNameOrDot(block.charCodeAt(before), false) || block.charCodeAt(before) === 41 || block.charCodeAt(before) === 93)) break;
          calls = `[]${calls}`;
          at = before;
        } else break;
      }
      if (at === UNKNOWN) return undefined;
      if (at < 0 || !isNameOrDot(block.charCodeAt(at), false)) {
        if (calls) return undefined; // `(a + b)(`, `(x).g(`: a parenthesised expression
        parts.length = 0; // the first `(` is no call, or `x[0].g(`, `"".join(`: no dotted form
        break;
      }
      const end = at + 1;
      while (at >= 0 && isNameOrDot(block.charCodeAt(at), false)) at--;
      const name = block.slice(at + 1, end);
      if (/[^\w]/.test(name)) return undefined; // a non-ASCII name: the walk cannot tell where it starts
      if (calls && KEYWORDS.has(name) && !SOFT_KEYWORDS.has(name)) return undefined; // `return (x).g(`
      parts.push(name + calls);
      const before = skipBack(block, at + 1);
      if (before === UNKNOWN) return undefined;
      if (before < 0 || block.charCodeAt(before) !== 46) {
        at = before;
        break;
      }
      at = skipBack(block, before);
    }
    if (!parts.length) continue;
    const head = parts[parts.length - 1]!;
    if (/^\d/.test(head)) continue; // a number's method
    if (KEYWORDS.has(head) && !SOFT_KEYWORDS.has(head)) {
      if (parts.length > 1) return undefined;
      continue; // `if (…`, `return (…`
    }
    if (parts.length === 1 && at >= 0 && /\b(?:def|class)$/.test(block.slice(Math.max(0, at - 5), at + 1))) continue; // a definition
    chains.add(parts.reverse().join('.'));
  }
  return [...chains];
}

/** The `(` of the `)` at `close`; undefined when a string or comment lies between (its brackets would mislead). */
function matchingOpen(text: string, close: number): number | undefined {
  let depth = 0;
  for (let at = close; at >= 0; at--) {
    const c = text.charCodeAt(at);
    if (c === 41 || c === 93 || c === 125) depth++;
    else if (c === 40 || c === 91 || c === 123) {
      if (--depth === 0) return c === 40 ? at : undefined;
    } else if (c === 34 || c === 39 || c === 35) return undefined;
  }
  return undefined;
}

/**
 * The `[` of the subscript closed at `close`, on one line; a string key such as `["users"]` is
 * stepped over when it is a plain one (no escapes, not triple-quoted); undefined otherwise (a
 * comment, a line break, braces, any other string).
 */
function subscriptOpen(text: string, close: number): number | undefined {
  let depth = 0;
  for (let at = close; at >= 0; at--) {
    const c = text.charCodeAt(at);
    if (c === 10 || c === 35 || c === 123 || c === 125) return undefined;
    if (c === 34 || c === 39) {
      const start = text.lastIndexOf(text[at]!, at - 1);
      if (start < 0 || text.charCodeAt(start - 1) === c || /[\\\n]/.test(text.slice(start, at))) return undefined;
      at = start;
    } else if (c === 41 || c === 93) depth++;
    else if (c === 40 || c === 91) {
      if (--depth === 0) return c === 91 ? at : undefined;
    }
  }
  return undefined;
}

/** `type(x)`, `match(x)` are calls as well. */
const SOFT_KEYWORDS = new Set(['match', 'case', 'type']);
const UNKNOWN = -2;

/**
 * The index of the last character before `from` that is not blank (a line continuation counts as
 * blank); -1 at the start; UNKNOWN when the walk crossed the end of a line holding a `#`, which
 * may be a comment between the parts of a call.
 */
function skipBack(text: string, from: number): number {
  let at = from - 1;
  for (;;) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 9 || c === 13 || c === 92) at--;
    else if (c === 10) {
      const lineStart = text.lastIndexOf('\n', at - 1) + 1;
      if (text.slice(lineStart, at).includes('#')) return UNKNOWN;
      at--;
    } else return at;
  }
}

/** The name just after this follows `def` / `class`: it is being defined. */
const DEFINED_BEFORE = /\b(?:def|class)\s+$/;

/** A name character (or, with `dot`, a `.`): a head found next to one is part of another name or an attribute. */
function isNameOrDot(c: number, dot = true): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || (dot && c === 46) || c > 127;
}

const DEFINITION = /\b(?:def|class)\s+([A-Za-z_]\w*)/g;
const TOP_LEVEL_ASSIGNMENT = /^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)/gm;
const LONG_LITERAL = 20;
const LITERAL_ASSIGNMENT = /^[A-Za-z_]\w*\s*(?::[^=]*)?=\s*(?:[[{(]|[rbuRBU]{0,2}['"])/;

const FIRST_PARAMETER = /def\s+\w+\s*\(\s*([A-Za-z_]\w*)/;

/** `self.x = …` / `self.x: T` attribute names a method body assigns (its first parameter as `self`). */
function assignedAttributes(block: string): string[] {
  const self = FIRST_PARAMETER.exec(block)?.[1];
  if (!self) return [];
  const names = new Set<string>();
  for (const match of block.matchAll(new RegExp(`\\b${self}\\.([A-Za-z_]\\w*)\\s*(?::|=(?!=))`, 'g'))) names.add(match[1]!);
  return [...names];
}

interface Statement {
  kind: 'def' | 'class' | 'other';
  name?: string;
  /** First line (a decorator's, when decorated). */
  start: number;
  end: number;
  /** The `def` / `class` line itself. */
  header: number;
}

const DEF = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const CLASS = /^\s*class\s+([A-Za-z_]\w*)/;
const CONTINUATION = /^\s*(?:else|elif|except|finally|case)\b/;

/** The statements at `indent` within lines [from, to). */
function statements(lines: string[], indents: Int32Array, indent: number, from: number, to: number): Statement[] {
  const result: Statement[] = [];
  let decoratorStart = -1;
  for (let i = from; i < to; i++) {
    if (indents[i] !== indent) continue;
    const text = lines[i]!;
    const last = result[result.length - 1];
    if (CONTINUATION.test(text) && last && decoratorStart < 0) continue; // part of the previous if/try/for
    if (last) last.end = decoratorStart >= 0 ? decoratorStart : i;
    if (text.trimStart().startsWith('@')) {
      if (decoratorStart < 0) decoratorStart = i;
      continue;
    }
    const def = DEF.exec(text);
    const cls = def ? null : CLASS.exec(text);
    const start = decoratorStart >= 0 ? decoratorStart : i;
    decoratorStart = -1;
    result.push({ kind: def ? 'def' : cls ? 'class' : 'other', name: (def ?? cls)?.[1], start, end: to, header: i });
  }
  return result;
}

export interface Prepared {
  /** The text to parse now: lazy blocks blanked (a member keeps a `pass` so its class stays valid). */
  text: string;
  lazy: Record<string, LazyBlock>;
  /** Class name (top-level) → member name → lazy block. */
  lazyMembers: Record<string, Record<string, LazyBlock>>;
  /** A line the lexical scan suspects of a syntax error was blanked: the parse of `text` cannot show it. */
  suspectBlanked: boolean;
}

/** Cuts out the blocks that `wanted` (the coroutine-marker test) rejects; `scan` is the text's scanPython(). */
export function prepareLazy(text: string, wanted: (block: string) => boolean, scan: LexicalScan): Prepared {
  const lines = text.split('\n');
  const { indents } = scan;
  const lazy = nameRecord<LazyBlock>();
  const lazyMembers = nameRecord<Record<string, LazyBlock>>();
  /** Ranges to blank once every block is measured, with the indentation of the `pass` a member leaves. */
  const toBlank: Array<[LineRange, string | undefined]> = [];
  const blockText = (s: Statement): string => lines.slice(s.start, s.end).join('\n');
  const names = new Set<string>();
  const definitions = new Map<string, number>();
  for (const match of text.matchAll(DEFINITION)) definitions.set(match[1]!, (definitions.get(match[1]!) ?? 0) + 1);
  const assigned = new Set<string>([...text.matchAll(TOP_LEVEL_ASSIGNMENT)].map((m) => m[1]!));
  /** The lazy members of a class statement and the indentation of its body. */
  const membersOf = (statement: Statement): { members: Record<string, LazyBlock>; indent: number } | undefined => {
    let bodyIndent = -1;
    for (let i = statement.header + 1; i < statement.end && bodyIndent < 0; i++) if (indents[i]! > 0) bodyIndent = indents[i]!;
    if (bodyIndent <= 0) return undefined;
    const members = nameRecord<LazyBlock>();
    const seen = new Set<string>();
    for (const member of statements(lines, indents, bodyIndent, statement.header + 1, statement.end)) {
      if (member.kind === 'other' || !member.name) continue;
      if (seen.has(member.name)) {
        delete members[member.name];
        continue;
      }
      seen.add(member.name);
      const text = blockText(member);
      if (!wanted(text)) {
        members[member.name] = { lines: [member.start, member.end], kind: member.kind, calls: calledNames(text), indent: bodyIndent, assigns: assignedAttributes(text) };
      }
    }
    return Object.keys(members).length ? { members, indent: bodyIndent } : undefined;
  };
  for (const statement of statements(lines, indents, 0, 0, lines.length)) {
    // A long module-level literal (`topics = {…}` tables): no binding, no call in it can matter.
    if (statement.kind === 'other' && statement.end - statement.start > LONG_LITERAL && LITERAL_ASSIGNMENT.test(lines[statement.start]!)) {
      toBlank.push([[statement.start, statement.end], undefined]);
      continue;
    }
    if (statement.kind === 'other' || !statement.name) continue;
    // A name defined twice (if/else variants, redefinitions) stays eager: resolution must see the last one.
    if (names.has(statement.name)) {
      delete lazy[statement.name];
      delete lazyMembers[statement.name];
      continue;
    }
    names.add(statement.name);
    // Defined again elsewhere (inside an if/try, or rebound by an assignment): the binding that wins
    // depends on order, which lazy blocks do not keep.
    if ((definitions.get(statement.name) ?? 0) > 1 || assigned.has(statement.name)) continue;
    const block = blockText(statement);
    const members = statement.kind === 'class' ? membersOf(statement) : undefined;
    if (!wanted(block)) {
      // A lazy class keeps its members lazy when it is parsed: a lookup of one method parses that one.
      lazy[statement.name] = { lines: [statement.start, statement.end], kind: statement.kind, calls: calledNames(block), ...(members ? { members: members.members } : {}) };
      continue;
    }
    if (!members) continue;
    for (const member of Object.values(members.members)) toBlank.push([member.lines, ' '.repeat(members.indent)]);
    lazyMembers[statement.name] = members.members;
  }
  for (const block of Object.values(lazy)) toBlank.push([block.lines, undefined]);
  const suspectBlanked = scan.suspectLines.some((line) => toBlank.some(([[start, end]]) => line >= start && line < end));
  // Blank only after every block was measured: blanking changes what later blocks' text shows.
  for (const [range, keepPass] of toBlank) {
    for (let i = range[0]; i < range[1]; i++) lines[i] = '';
    if (keepPass !== undefined) lines[range[0]] = `${keepPass}pass`;
  }
  return { text: lines.join('\n'), lazy, lazyMembers, suspectBlanked };
}

/**
 * The source to parse for lazy blocks of one file: from the first block's first line to the last
 * block's last, other lines blank; members sit in a stand-in class whose header takes the line
 * above the first. `firstLine` is the file line the source's line 0 stands for.
 */
export function lazySource(lines: string[], blocks: LazyBlock[], member: boolean): { text: string; firstLine: number } {
  const from = Math.min(...blocks.map((b) => b.lines[0]));
  const to = Math.max(...blocks.map((b) => b.lines[1]));
  const out: string[] = new Array<string>(to - from).fill('');
  for (const block of blocks) {
    const [start, end] = block.lines;
    for (let i = start; i < end && i < lines.length; i++) out[i - from] = lines[i]!;
    // A lazy class's members stay out (a `pass` keeps the class body valid).
    for (const inner of Object.values(block.members ?? {})) {
      for (let i = inner.lines[0]; i < inner.lines[1]; i++) out[i - from] = '';
      out[inner.lines[0] - from] = `${' '.repeat(inner.indent ?? 4)}pass`;
    }
  }
  if (!member) return { text: out.join('\n'), firstLine: from };
  return { text: `class __lazy__:\n${out.join('\n')}`, firstLine: from - 1 };
}

/**
 * `facts` with every position moved down by `rows` lines (facts of a block parsed on its own, or
 * of a statement that moved). A copy of what holds positions; `facts` itself is unchanged.
 */
export function shiftedFacts(facts: ModuleFacts, rows: number): ModuleFacts {
  if (rows === 0) return facts;
  const shift = (span: Span): Span => [span[0] + rows, span[1], span[2] + rows, span[3]];
  return {
    ...facts,
    functions: facts.functions.map((fn) => ({
      ...fn,
      span: shift(fn.span),
      calls: fn.calls.map((call) => ({ ...call, span: shift(call.span) })),
      entered: fn.entered?.map((item) => ({ ...item, span: shift(item.span) })),
      iterated: fn.iterated?.map((item) => ({ ...item, span: shift(item.span) })),
      indexed: fn.indexed?.map((item) => ({ ...item, span: shift(item.span) })),
    })),
    classes: facts.classes.map((cls) => ({ ...cls, span: shift(cls.span) })),
    problems: facts.problems.map((problem) => (problem.span ? { ...problem, span: shift(problem.span) } : problem)),
  };
}

function remapBinding(value: string, functionOffset: number, classMap: (index: number) => number): string {
  if (value.startsWith('#f')) return `#f${Number(value.slice(2)) + functionOffset}`;
  if (value.startsWith('#c')) return `#c${classMap(Number(value.slice(2)))}`;
  return value;
}

function remapBindings(bindings: Bindings, functionOffset: number, classMap: (index: number) => number): Bindings {
  const result: Bindings = nameRecord();
  for (const [k, v] of Object.entries(bindings)) setName(result, k, remapBinding(v, functionOffset, classMap));
  return result;
}

/** A part's functions, classes and bindings numbered as they will be in the module they join. */
export interface Renumbered {
  functions: FunctionFact[];
  classes: ClassFact[];
  /** Module-level bindings (a top-level part), or the stand-in class's members (a member part). */
  bindings: Bindings;
}

/**
 * Copies of `part`'s functions, classes and bindings for a module that already holds
 * `functionOffset` functions and `classOffset` classes (`part` is unchanged). For a member part,
 * the stand-in class `__lazy__` (index 0 of `part`) is the real class `intoClass`, named `className`.
 */
export function renumber(part: ModuleFacts, functionOffset: number, classOffset: number, intoClass?: { index: number; qualname: string }): Renumbered {
  const classMap = (index: number): number => (intoClass ? (index === 0 ? intoClass.index : classOffset + index - 1) : classOffset + index);
  const fixName = (qualname: string): string => (intoClass ? qualname.replace(/^__lazy__\./, `${intoClass.qualname}.`) : qualname);
  const result: Renumbered = { functions: [], classes: [], bindings: intoClass ? nameRecord() : remapBindings(part.globals, functionOffset, classMap) };
  part.classes.forEach((cls: ClassFact, index) => {
    const members = remapBindings(cls.members, functionOffset, classMap);
    if (intoClass && index === 0) result.bindings = members;
    else result.classes.push({ ...cls, qualname: fixName(cls.qualname), members });
  });
  for (const fn of part.functions) {
    const copy: FunctionFact = { ...fn, qualname: fixName(fn.qualname), locals: remapBindings(fn.locals, functionOffset, classMap) };
    if (fn.parent !== undefined) copy.parent = fn.parent + functionOffset;
    if (fn.classIndex !== undefined) copy.classIndex = classMap(fn.classIndex);
    result.functions.push(copy);
  }
  return result;
}

/** Adds renumbered facts to their module's: after its functions and classes, bindings later-wins. */
export function appendRenumbered(target: ModuleFacts, part: Renumbered, intoClass?: number): void {
  target.functions.push(...part.functions);
  target.classes.push(...part.classes);
  const bindings = intoClass === undefined ? target.globals : target.classes[intoClass]!.members;
  for (const [name, value] of Object.entries(part.bindings)) setName(bindings, name, value);
}

/**
 * Adds the facts of a parsed lazy block to its module's facts. For a member block, the stand-in
 * class `__lazy__` (index 0 of `part`) becomes the real class `intoClass`. The block's syntax
 * problems stay out: which blocks get parsed depends on what other files' analysis asked for, and a
 * file's notes must not (its first syntax error is looked for up front, see extract.ts).
 */
export function mergeLazy(target: ModuleFacts, part: ModuleFacts, intoClass?: number): void {
  const standIn = intoClass === undefined ? undefined : { index: intoClass, qualname: target.classes[intoClass]!.qualname };
  appendRenumbered(target, renumber(part, target.functions.length, target.classes.length, standIn), intoClass);
}

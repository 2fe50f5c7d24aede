/**
 * The facts quick fixes need and that the rest of the engine does not: how a call is written
 * (its argument list, where its value goes), where a new import belongs, and which names a fix
 * must not introduce. Taken from the tree at extraction time, because findings (and their fixes)
 * are computed from cached facts, without the text.
 */
import type { Node, Point, Tree } from 'web-tree-sitter';
import type { Span } from './facts';

export interface CallShape {
  /**
   * The argument list `(…)`: [startRow, startColumn, endRow, endColumn] with rows counted from the
   * callee's first row (a lazy block's facts are shifted by whole rows; relative rows need no shift).
   */
  args: Span;
  /** `f()`: nothing between the parentheses but blanks and comments. */
  empty: boolean;
  /** Keyword or `**` arguments: offloading them needs `functools.partial` where the API takes `*args` only. */
  keywords: boolean;
  /** Where the call's value goes; decides whether a fix writes `(await …)` / `(yield …)`. */
  holder: 'statement' | 'assigned' | 'primary' | 'operand';
  /** Inside a generator expression (`await` there changes its kind) or another comprehension (`yield` is invalid there). */
  comprehension?: 'generator' | 'other';
}

/**
 * Where a fix adds an import: the start of the line after the module docstring, `from __future__`
 * and the leading imports (a finding is always in code below them, so that line exists).
 */
export interface ImportAnchor {
  line: number;
  /** The file's line ending. */
  newline: '\n' | '\r\n';
}

/** Names a fix may bring into a module (see rules/fixes.ts). */
export const FIX_NAMES = ['asyncio', 'trio', 'anyio', 'functools', 'partial', 'tornado', 'IOLoop', 'gen'] as const;

const IMPORTS = new Set(['import_statement', 'import_from_statement', 'future_import_statement']);

/**
 * The shape of the call whose callee is `callee` (`statement`: its result is dropped; `comprehension`:
 * the innermost kind of comprehension it is written in, found by the caller); undefined when it has
 * no plain argument list (`f(x for x in y)`). Every step up or down the tree crosses into
 * WebAssembly — and a step up costs the node's depth —, so only the call's parent is visited.
 */
export function callShape(callee: Node, statement: boolean, comprehension: CallShape['comprehension']): CallShape | undefined {
  const call = callee.parent;
  const args = call?.childForFieldName('arguments');
  if (!call || args?.type !== 'argument_list') return undefined;
  const start = callee.startPosition.row;
  const end = args.endPosition;
  const parent = statement ? undefined : call.parent;
  const shape: CallShape = {
    args: [args.startPosition.row - start, args.startPosition.column, end.row - start, end.column],
    ...argumentKinds(args),
    holder: statement ? 'statement' : holderOf(call, parent),
    ...(comprehension ? { comprehension } : {}),
  };
  return shape;
}

/** Whether the argument list is empty / has keyword arguments; read from the text when it cannot be wrong (no `#`, `=`, `*`). */
function argumentKinds(args: Node): { empty: boolean; keywords: boolean } {
  const inside = args.text.slice(1, -1);
  if (!/[#=*]/.test(inside)) return { empty: inside.trim() === '', keywords: false };
  const given = args.namedChildren.filter((c) => c && c.type !== 'comment');
  return { empty: given.length === 0, keywords: given.some((c) => c!.type === 'keyword_argument' || c!.type === 'dictionary_splat') };
}

function holderOf(call: Node, parent: Node | null | undefined): CallShape['holder'] {
  if (!parent) return 'operand';
  const is = (field: string): boolean => parent.childForFieldName(field)?.id === call.id;
  switch (parent.type) {
    case 'assignment':
    case 'augmented_assignment':
      return is('right') ? 'assigned' : 'operand';
    case 'attribute':
      return is('object') ? 'primary' : 'operand';
    case 'subscript':
      return is('value') ? 'primary' : 'operand';
    case 'call':
      return is('function') ? 'primary' : 'operand';
    default:
      return 'operand';
  }
}

/**
 * Where new imports go: below leading comments, the docstring and the leading import block.
 * `text` is the file's text; the tree may be of a copy with lazy blocks blanked (chunks.ts), so
 * the lines between two header statements are read from `text`: a blanked block ends the header.
 */
export function importAnchor(tree: Tree, text: string): ImportAnchor {
  const firstNewline = text.indexOf('\n');
  const newline = firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n';
  const root = tree.rootNode;
  const lines = new LineReader(text);
  let last: Node | undefined;
  let statements = 0;
  for (let i = 0; i < root.namedChildCount; i++) {
    const node = root.namedChild(i);
    if (!node || !lines.onlyBlankOrComments(last ? last.endPosition.row + 1 : 0, node.startPosition.row)) break;
    if (node.type === 'comment') {
      if (statements === 0) last = node; // shebang, encoding cookie, licence header stay on top
      continue;
    }
    const docstring = statements === 0 && node.type === 'expression_statement' && node.namedChildCount === 1 && /string$/.test(node.namedChild(0)!.type);
    if (!docstring && !IMPORTS.has(node.type)) break;
    last = node;
    statements++;
  }
  return { line: last ? last.endPosition.row + 1 : 0, newline };
}

/** Reads a text's lines front to back (the header is at the top: no need to split the whole file). */
class LineReader {
  private row = 0;
  private offset = 0;
  constructor(private readonly text: string) {}

  /** Whether rows [from, to) hold nothing but blanks and comments; rows are visited in increasing order. */
  onlyBlankOrComments(from: number, to: number): boolean {
    for (let row = from; row < to; row++) {
      const line = this.line(row);
      if (line === undefined) return true;
      const content = line.trim();
      if (content !== '' && !content.startsWith('#')) return false;
    }
    return true;
  }

  private line(row: number): string | undefined {
    while (this.row < row) {
      const next = this.text.indexOf('\n', this.offset);
      if (next === -1) return undefined;
      this.offset = next + 1;
      this.row++;
    }
    const end = this.text.indexOf('\n', this.offset);
    return this.text.slice(this.offset, end === -1 ? undefined : end);
  }
}

/**
 * The names of FIX_NAMES a fix can neither import nor rely on: used without a module-level import
 * (a parameter, a loop variable, an attribute …), or imported but also bound another way that facts
 * do not record (a parameter, a loop target, `x = None`) — recognised as the name not followed by
 * `.` or `(`, the way a module or class is used. Found lexically first; each hit is confirmed by the
 * tree's node at that position (a word in a comment or a string is no clash; names in import
 * statements are the imports themselves).
 */
export function nameClashes(tree: Tree, text: string, imports: Record<string, string>): string[] {
  const clashes: string[] = [];
  for (const name of FIX_NAMES) {
    const imported = name in imports;
    // A name mentioned in many comments is taken as a clash rather than confirmed hit by hit.
    let tries = 0;
    const positions = new PositionReader(text);
    // indexOf, not a regular expression: this runs over every parsed file.
    for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + name.length)) {
      const after = at + name.length;
      if (isWordChar(text.charCodeAt(at - 1)) || isWordChar(text.charCodeAt(after))) continue;
      if (imported && (text[at - 1] === '.' || USED_AS_MODULE.test(text.slice(after, after + 40)))) continue;
      if (++tries > MAX_CONFIRMATIONS || isIdentifierAt(tree, positions.at(at), name)) {
        clashes.push(name);
        break;
      }
    }
  }
  return clashes;
}

/** `\w` for a UTF-16 code (NaN outside the text is no word character). */
function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
/** What follows an imported module or class where it is used, not rebound: `asyncio.sleep`, `partial(`. */
const USED_AS_MODULE = /^\s*[.(]/;
const MAX_CONFIRMATIONS = 8;

/** By position, not index: a lazily parsed file's tree is of a copy with other indices but the same positions. */
function isIdentifierAt(tree: Tree, at: Point, name: string): boolean {
  const node = tree.rootNode.descendantForPosition(at, { row: at.row, column: at.column + name.length });
  return node?.type === 'identifier' && node.startPosition.row === at.row && node.startPosition.column === at.column && node.text === name && !inImport(node);
}

/** Index → position, for increasing indices (a few per name: counting lines on demand is enough). */
class PositionReader {
  private row = 0;
  private lineStart = 0;
  constructor(private readonly text: string) {}

  at(index: number): Point {
    for (let next = this.text.indexOf('\n', this.lineStart); next !== -1 && next < index; next = this.text.indexOf('\n', this.lineStart)) {
      this.row++;
      this.lineStart = next + 1;
    }
    return { row: this.row, column: index - this.lineStart };
  }
}

function inImport(identifier: Node): boolean {
  let node: Node | null = identifier.parent;
  for (let depth = 0; node && depth < 3; depth++, node = node.parent) if (IMPORTS.has(node.type)) return true;
  return false;
}

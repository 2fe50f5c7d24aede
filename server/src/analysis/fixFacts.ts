/**
 * The facts quick fixes need and that the rest of the engine does not: how a call is written
 * (its argument list, where its value goes), where a new import belongs, and which names a fix
 * must not introduce. Taken from the tree at extraction time, because findings (and their fixes)
 * are computed from cached facts, without the text.
 */
import type { Language, Node, Tree } from 'web-tree-sitter';
import { Query } from './parser';
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

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension']);
const SCOPES = new Set(['function_definition', 'lambda', 'class_definition', 'module']);

/** The shape of the call whose callee is `callee`; undefined when it has no plain argument list (`f(x for x in y)`). */
export function callShape(callee: Node): CallShape | undefined {
  const call = callee.parent;
  const args = call?.childForFieldName('arguments');
  if (!call || args?.type !== 'argument_list') return undefined;
  const given = args.namedChildren.filter((c) => c && c.type !== 'comment');
  const start = callee.startPosition.row;
  const shape: CallShape = {
    args: [args.startPosition.row - start, args.startPosition.column, args.endPosition.row - start, args.endPosition.column],
    empty: given.length === 0,
    keywords: given.some((c) => c!.type === 'keyword_argument' || c!.type === 'dictionary_splat'),
    holder: holderOf(call),
  };
  for (let up = call.parent; up && !SCOPES.has(up.type); up = up.parent) {
    if (up.type === 'generator_expression') shape.comprehension = 'generator';
    else if (COMPREHENSIONS.has(up.type)) shape.comprehension ??= 'other';
  }
  return shape;
}

function holderOf(call: Node): CallShape['holder'] {
  const parent = call.parent;
  if (!parent) return 'operand';
  const is = (field: string): boolean => parent.childForFieldName(field)?.id === call.id;
  switch (parent.type) {
    case 'expression_statement':
      return parent.namedChildCount === 1 ? 'statement' : 'operand';
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

/** Where new imports go: below leading comments, the docstring and the leading import block. */
export function importAnchor(tree: Tree, text: string): ImportAnchor {
  const firstNewline = text.indexOf('\n');
  const newline = firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n';
  const root = tree.rootNode;
  let last: Node | undefined;
  let statements = 0;
  for (let i = 0; i < root.namedChildCount; i++) {
    const node = root.namedChild(i);
    if (!node) break;
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

const identifierQueries = new WeakMap<Language, Query>();

/**
 * The names of FIX_NAMES a fix can neither import nor rely on: used without a module-level import
 * (a parameter, a loop variable, an attribute …), or imported but also bound another way that facts
 * do not record (a parameter, a loop target, `x = None`) — recognised as the name not followed by
 * `.` or `(`, the way a module or class is used. Found lexically first; each hit is confirmed by a
 * query over just its range (a word in a comment or a string is no clash; names in import
 * statements are the imports themselves).
 */
export function nameClashes(tree: Tree, text: string, imports: Record<string, string>): string[] {
  const clashes: string[] = [];
  for (const name of FIX_NAMES) {
    const word = new RegExp(name in imports ? `(?<![.\\w])${name}\\b(?!\\s*[.(])` : `\\b${name}\\b`, 'g');
    for (let match = word.exec(text); match; match = word.exec(text)) {
      if (isIdentifierAt(tree, match.index, name)) {
        clashes.push(name);
        break;
      }
    }
  }
  return clashes;
}

function isIdentifierAt(tree: Tree, index: number, name: string): boolean {
  let query = identifierQueries.get(tree.language);
  if (!query) {
    query = new Query(tree.language, '(identifier) @id');
    identifierQueries.set(tree.language, query);
  }
  return query
    .captures(tree.rootNode, { startIndex: index, endIndex: index + name.length })
    .some((c) => c.node.startIndex === index && c.node.text === name && !inImport(c.node));
}

function inImport(identifier: Node): boolean {
  let node: Node | null = identifier.parent;
  for (let depth = 0; node && depth < 3; depth++, node = node.parent) if (IMPORTS.has(node.type)) return true;
  return false;
}

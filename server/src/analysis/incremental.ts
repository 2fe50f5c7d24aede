/**
 * Facts of an editor buffer, kept per top-level statement so that an edit costs what it changed.
 * The whole buffer is still parsed (incrementally, by the engine), but the facts query runs only
 * over top-level statements whose text is new: every other statement's facts are taken from the
 * previous version (moved by whole lines when lines were inserted or removed above it) and the
 * parts are joined in document order — the same function/class numbering, the same later-wins
 * bindings — then completed with what belongs to the whole file (completeModuleFacts), so the
 * result equals `extractFacts` over the whole tree (test/unit/incrementalEdits.test.ts).
 *
 * A statement's facts depend on its subtree and the module name only. A statement that contains a
 * syntax error is re-extracted every time (error recovery depends on its surroundings).
 */
import type { Tree } from 'web-tree-sitter';
import { appendRenumbered, renumber, shiftFacts, type Renumbered } from './chunks';
import { completeModuleFacts, extractFacts, type ModuleFacts } from './facts';

/** Facts of one top-level statement, positions absolute for the line `row` it started on. */
interface StatementFacts {
  facts: ModuleFacts;
  row: number;
  column: number;
  /** Its facts as numbered in the last version, reused while the functions and classes before it are as many. */
  joined?: { functionOffset: number; classOffset: number; part: Renumbered };
}

export class BufferFacts {
  /** Error-free statements of the previous version by text. */
  private statements = new Map<string, StatementFacts>();

  constructor(
    private readonly module: string,
    private readonly isPackage: boolean,
  ) {}

  /** The facts of `tree`, the parse of `text`. */
  extract(tree: Tree, text: string): ModuleFacts {
    const previous = this.statements;
    const current = new Map<string, StatementFacts>();
    const facts: ModuleFacts = { imports: {}, starImports: [], globals: {}, functions: [], classes: [], noqa: {}, framework: 'asyncio', problems: [] };
    for (const node of tree.rootNode.children) {
      if (!node) continue;
      const row = node.startPosition.row;
      const column = node.startPosition.column;
      if (node.hasError) {
        join(facts, { facts: extractFacts(tree, this.module, this.isPackage, text, node), row, column });
        continue;
      }
      const statementText = text.slice(node.startIndex, node.endIndex);
      let known = current.get(statementText) ?? previous.get(statementText);
      // The same text at another column (statements sharing a line) has other first-line columns.
      if (!known || known.column !== column) known = { facts: extractFacts(tree, this.module, this.isPackage, text, node), row, column };
      else if (known.row !== row) known = { facts: moved(known.facts, row - known.row), row, column };
      current.set(statementText, known);
      join(facts, known);
    }
    this.statements = current;
    completeModuleFacts(facts, tree, text);
    return facts;
  }
}

/** A copy of `facts` moved down by `rows` lines (the cached original stays as it was). */
function moved(facts: ModuleFacts, rows: number): ModuleFacts {
  const copy = structuredClone(facts);
  shiftFacts(copy, rows);
  return copy;
}

/** Appends a statement's facts to the module's: what extractFacts would have recorded reading on. */
function join(facts: ModuleFacts, statement: StatementFacts): void {
  const part = statement.facts;
  Object.assign(facts.imports, part.imports);
  facts.starImports.push(...part.starImports);
  const functionOffset = facts.functions.length;
  const classOffset = facts.classes.length;
  const joined = statement.joined;
  if (joined?.functionOffset !== functionOffset || joined.classOffset !== classOffset) {
    statement.joined = { functionOffset, classOffset, part: renumber(part, functionOffset, classOffset) };
  }
  appendRenumbered(facts, statement.joined!.part);
}

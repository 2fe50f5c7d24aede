/**
 * Text edits the server builds itself: merging several fixes into one edit (fix-all) and the
 * `# noqa: CODE` suppression comment.
 */
import type { Position, Range, TextEdit } from 'vscode-languageserver/node';

function compare(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

function sameEdit(a: TextEdit, b: TextEdit): boolean {
  return compare(a.range.start, b.range.start) === 0 && compare(a.range.end, b.range.end) === 0 && a.newText === b.newText;
}

/** Whether two edits touch the same text (two insertions at one point do not: both apply, in order). */
function overlaps(a: Range, b: Range): boolean {
  const aEmpty = compare(a.start, a.end) === 0;
  const bEmpty = compare(b.start, b.end) === 0;
  if (aEmpty && bEmpty) return false;
  return compare(a.start, b.end) < 0 && compare(b.start, a.end) < 0;
}

/**
 * Merges fixes (each a list of edits to one document) into one edit list. Edits repeated across
 * fixes (the same import added by two fixes) are kept once; a fix that would touch text another
 * accepted fix already changes is left out whole, so the result is always valid to apply.
 */
export function mergeFixes(fixes: readonly (readonly TextEdit[])[]): { edits: TextEdit[]; applied: number } {
  const accepted: TextEdit[] = [];
  let applied = 0;
  for (const fix of fixes) {
    const fresh = fix.filter((edit) => !accepted.some((other) => sameEdit(edit, other)));
    if (fresh.some((edit) => accepted.some((other) => overlaps(edit.range, other.range)))) continue;
    accepted.push(...fresh);
    applied++;
  }
  // Stable sort: insertions at the same point keep the order of the fixes they came from.
  accepted.sort((a, b) => compare(a.range.start, b.range.start));
  return { edits: accepted, applied };
}

/** `# noqa` as flake8 and ruff read it: bare (suppresses everything) or with a list of codes. */
const NOQA = /#\s*noqa(?::[\s]?(?<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?/i;

/**
 * The edit that suppresses `code` on line `line` of `lineText`, merged with a noqa comment already
 * there; undefined when the line is already suppressed for that code.
 */
export function noqaEdit(line: number, lineText: string, code: string): TextEdit | undefined {
  const match = NOQA.exec(lineText);
  if (match) {
    const codes = match.groups?.codes;
    if (codes === undefined) return undefined;
    if (codes.split(/[,\s]+/).some((existing) => existing.toUpperCase() === code)) return undefined;
    const at = match.index + match[0].length;
    return { range: { start: { line, character: at }, end: { line, character: at } }, newText: `, ${code}` };
  }
  const content = lineText.replace(/\s+$/, '');
  return {
    range: { start: { line, character: content.length }, end: { line, character: lineText.length } },
    newText: `  # noqa: ${code}`,
  };
}

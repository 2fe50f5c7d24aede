/**
 * Fixes as one edit list, and that list applied to a text: what the language server's "fix all"
 * and the CLI's `--fix` share.
 */
import type { Fix, Position, Range, TextEdit } from './api';

function compare(a: Position, b: Position): number {
  return a.line - b.line || a.column - b.column;
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
 * Merges the fixes of one file (`path`) into one edit list, sorted by position. A fix that edits
 * another file too is left out; edits repeated across fixes (the same import added by two fixes)
 * are kept once; a fix that would touch text another accepted fix already changes is left out
 * whole, so the result is always valid to apply. `applied`: how many fixes it holds.
 */
export function mergeFixes(path: string, fixes: readonly Fix[]): { edits: TextEdit[]; applied: number } {
  const accepted: TextEdit[] = [];
  let applied = 0;
  for (const fix of fixes) {
    if (!fix.edits.every((edit) => edit.path === path)) continue;
    const fresh = fix.edits.filter((edit) => !accepted.some((other) => sameEdit(edit, other)));
    if (fresh.some((edit) => accepted.some((other) => overlaps(edit.range, other.range)))) continue;
    accepted.push(...fresh);
    applied++;
  }
  // Stable sort: insertions at the same point keep the order of the fixes they came from.
  accepted.sort((a, b) => compare(a.range.start, b.range.start));
  return { edits: accepted, applied };
}

/**
 * `text` with `edits` applied as an editor applies a workspace edit: every position refers to the
 * original text, insertions at one point keep their order; the edits must not overlap (mergeFixes
 * sees to that). Lines end at `\n` (a `\r` before it belongs to the line); columns count UTF-16
 * code units, as the engine's do.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const offset = (position: Position): number => {
    const start = lineStarts[position.line];
    if (start === undefined) throw new Error(`line ${position.line + 1} is past the end of the text`);
    return start + position.column;
  };
  let result = '';
  let copied = 0;
  for (const edit of [...edits].sort((a, b) => compare(a.range.start, b.range.start))) {
    const from = offset(edit.range.start);
    result += text.slice(copied, from) + edit.newText;
    copied = offset(edit.range.end);
  }
  return result + text.slice(copied);
}

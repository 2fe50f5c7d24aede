/** The text edit the server builds itself: the `# noqa: CODE` suppression comment (fixes come from the engine). */
import type { TextEdit } from 'vscode-languageserver/node';

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

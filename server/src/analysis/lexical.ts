/**
 * One pass over a Python file's characters that knows strings, comments, brackets and line
 * continuations (no tokens are built: ~50× cheaper than a parse). It tells lazy parsing where
 * logical lines start and how they are indented (chunks.ts), and where the text shows lexical signs
 * of a syntax error — the only way a block that is never parsed can show one (extract.ts).
 */

export interface LexicalScan {
  /**
   * For each line: its indentation when a logical line starts there, -1 when the line is inside a
   * string or a bracket, continues a backslash line, or is blank / a comment.
   */
  indents: Int32Array;
  /** Lines (0-based, ascending, the first MAX_SUSPECTS) showing a lexical sign of a syntax error. */
  suspectLines: number[];
}

const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const BACKSLASH = 92;
const COLON = 58;
const EQUALS = 61;
const CLOSER_OF: Record<number, number> = { 40: 41, 91: 93, 123: 125 }; // ( ) [ ] { }
const MAX_SUSPECTS = 64;

/** Words a statement may start with and be followed by another word (keywords, soft keywords included). */
export const KEYWORDS = new Set(
  ('False None True and as assert async await break class continue def del elif else except finally for from global if import in is ' +
    'lambda nonlocal not or pass raise return try while with yield match case type').split(' '),
);

/**
 * Whether a logical line starting at `start` begins with a name that is no keyword followed by
 * another name, a number or a string (`retrun x`, `reimport tuyield …`, Python 2's `print "x"`):
 * never Python, except after a keyword (`return x`, `x if y`, `x not in y`).
 */
function twoNames(text: string, start: number): boolean {
  let end = start;
  while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
  if (end === start || isDigit(text.charCodeAt(start))) return false;
  let next = end;
  while (text.charCodeAt(next) === SPACE || text.charCodeAt(next) === TAB) next++;
  const c = text.charCodeAt(next);
  if (next === end || !(isNameChar(c) || c === 34 || c === 39)) return false;
  if (KEYWORDS.has(text.slice(start, end))) return false;
  let secondEnd = next;
  while (secondEnd < text.length && isNameChar(text.charCodeAt(secondEnd))) secondEnd++;
  return !KEYWORDS.has(text.slice(next, secondEnd));
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function scanPython(text: string): LexicalScan {
  const lineCount = countLines(text);
  const indents = new Int32Array(lineCount).fill(-1);
  /** Lines where a logical line ending in `:` starts (a block header: the next logical line must be indented more). */
  const opensBlock = new Uint8Array(lineCount);
  const openers: number[] = []; // closing character codes expected, innermost last
  const openerLines: number[] = [];
  const suspects: number[] = [];
  const fault = (line: number): void => {
    if (suspects.length < MAX_SUSPECTS) suspects.push(line);
  };
  let line = 0;
  let quote = ''; // the open string's delimiter: ', ", ''' or """
  let quoteLine = 0;
  let continued = false;
  let atLineStart = true;
  let logicalStart = -1;
  let last = 0; // the last character of the logical line outside comments and blanks
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (atLineStart) {
      atLineStart = false;
      if (!quote && openers.length === 0 && !continued) {
        let j = i;
        while (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB) j++;
        const first = text.charCodeAt(j);
        if (j < text.length && first !== NEWLINE && first !== RETURN && first !== HASH) {
          indents[line] = j - i;
          logicalStart = line;
          if (twoNames(text, j)) fault(line);
        }
      }
      continued = false;
    }
    if (c === NEWLINE) {
      if (quote.length === 1) {
        fault(line); // a one-line string left open
        quote = '';
      }
      if (!quote && openers.length === 0 && !continued && logicalStart >= 0) {
        if (last === COLON) opensBlock[logicalStart] = 1;
        logicalStart = -1;
      }
      line++;
      atLineStart = true;
      continue;
    }
    if (quote) {
      if (c === BACKSLASH) {
        i++;
        // An escaped line end continues the string onto the next line: still a line.
        if (text.charCodeAt(i) === RETURN && text.charCodeAt(i + 1) === NEWLINE) i++;
        if (text.charCodeAt(i) === NEWLINE) {
          line++;
          atLineStart = true;
        }
      } else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = '';
        last = c;
      }
      continue;
    }
    if (c === SPACE || c === TAB || c === RETURN) continue;
    if (c === HASH) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== NEWLINE) i++;
      continue;
    }
    // A token ending in `=` (`=`, `==`, `+=`, `:=` …) followed, across blanks, by another `=`
    // (`x = = 1`): no Python has it, since `=` never starts an expression.
    if (c === EQUALS && last === EQUALS && text.charCodeAt(i - 1) !== EQUALS) fault(line);
    last = c;
    if (c === 34 || c === 39) {
      const single = text[i]!;
      quote = text.startsWith(single.repeat(3), i) ? single.repeat(3) : single;
      quoteLine = line;
      i += quote.length - 1;
    } else if (c === 40 || c === 91 || c === 123) {
      openers.push(CLOSER_OF[c]!);
      openerLines.push(line);
    } else if (c === 41 || c === 93 || c === 125) {
      if (openers[openers.length - 1] !== c) fault(line);
      if (openers.length) {
        openers.pop();
        openerLines.pop();
      }
    } else if (c === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (next === NEWLINE || (next === RETURN && text.charCodeAt(i + 2) === NEWLINE)) continued = true;
    }
  }
  if (quote) fault(quoteLine);
  if (openerLines.length) fault(openerLines[0]!);
  if (logicalStart >= 0 && last === COLON) opensBlock[logicalStart] = 1;
  const indentation = firstIndentationFault(indents, opensBlock);
  if (indentation >= 0) fault(indentation);
  return { indents, suspectLines: suspects.sort((a, b) => a - b) };
}

/**
 * Python's indentation rules over the logical lines: a block header is followed by a deeper line,
 * no other line is deeper than its block, and a dedent returns to an enclosing level.
 */
function firstIndentationFault(indents: Int32Array, opensBlock: Uint8Array): number {
  const stack = [0];
  let expectBlock = false;
  let lastLogical = -1;
  for (let line = 0; line < indents.length; line++) {
    const indent = indents[line]!;
    if (indent < 0) continue;
    const top = stack[stack.length - 1]!;
    if (expectBlock ? indent <= top : indent > top) return line;
    if (indent > top) stack.push(indent);
    else {
      while (indent < stack[stack.length - 1]!) stack.pop();
      if (indent !== stack[stack.length - 1]) return line;
    }
    expectBlock = opensBlock[line] === 1;
    lastLogical = line;
  }
  return expectBlock ? lastLogical : -1;
}

function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/**
 * Every path of scanPython, run when the module loads (a few times: V8 records type feedback only
 * once a function has run a while). V8 optimises the scan inside the first large file it meets,
 * then drops the optimised code at the first kind of character that file lacked (an escape in a
 * string, a comment, a continued line) and compiles it again: 13 compilations a cold run on the
 * corpus (~0.3 s of compiler-thread CPU) where, with the feedback complete, it is compiled once per
 * thread (plus once for the loop it is in when that happens).
 */
const EVERY_PATH = [
  `x = "a\\"b" + 'c\\`, // an escaped quote; a one-line string continued onto the next line
  `d' + """e`, // a string over lines
  `f'''"""`,
  'y = (1, [2], {3: 4})  # note', // brackets, a comment
  'z = 1 + \\', // a continued line
  '  2',
  'if y:', // a block
  '    pass',
  'retrun x', // a suspect line
].join('\r\n');
for (let i = 0; i < 3; i++) scanPython(EVERY_PATH);

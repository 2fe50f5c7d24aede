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
const COMMA = 44;
const SEMICOLON = 59;
const DOT = 46;
const STAR = 42;
const SLASH = 47;
const CLOSE_PAREN = 41;
const CLOSE_SQUARE = 93;
const OPEN_SQUARE = 91;
const CLOSE_BRACE = 125;
const CLOSER_OF: Record<number, number> = { 40: 41, 91: 93, 123: 125 }; // ( ) [ ] { }
const MAX_SUSPECTS = 64;

/** What may stand before what, by character class (ASCII; 0 for names, digits, quotes and the rest). */
const OPERATOR = 1; // ends an operator that needs an operand after it: + - * / % & | ^ ~ < > = @ . !
const STOP = 2; // ends an operand list or a statement part: ) ] } : , ;
const OPENER = 3; // ( [ {
const CHAR_CLASS = new Uint8Array(128);
for (const c of '+-*/%&|^~<>=@.!') CHAR_CLASS[c.charCodeAt(0)] = OPERATOR;
for (const c of ')]}:,;') CHAR_CLASS[c.charCodeAt(0)] = STOP;
for (const c of '([{') CHAR_CLASS[c.charCodeAt(0)] = OPENER;

/**
 * A lowercase word of up to 8 letters as a number (5 bits a letter), so the words below are
 * recognised without building a string: these checks run at every logical line and separator.
 */
function wordKey(word: string): number {
  let key = 0;
  for (let i = 0; i < word.length; i++) key = key * 32 + word.charCodeAt(i) - 96;
  return key;
}
const keys = (words: string): Set<number> => new Set(words.split(' ').map(wordKey));

/** Keywords that need something after them: never the last word before a separator or a line end. */
const NEEDS_OPERAND = keys('and as assert async await class def del elif for from global if import in is nonlocal not or while with');
/** Keywords that may stand right before a `:` (`else:`, `lambda: x`), and before no other separator or a line end. */
const BEFORE_COLON_ONLY = keys('else except finally lambda try');
/** Every keyword written in lowercase, soft ones included: a word next to one of them may be an operand of it (`return x`, `x if y`). */
const HARD_KEYWORDS = 'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield';
const LOWERCASE_KEYWORDS = `${HARD_KEYWORDS} case match type`;
const KEYWORD_KEYS = keys(LOWERCASE_KEYWORDS);
/** First letter × length of every keyword: the test keyOf makes before reading a word. */
const KEYWORD_SHAPE = new Uint8Array(26 * 9);
for (const word of LOWERCASE_KEYWORDS.split(' ')) KEYWORD_SHAPE[(word.charCodeAt(0) - 97) * 9 + word.length] = 1;
/** The same without the soft keywords, names everywhere but at a statement's start (`match.group()`, `type.__dict__`). */
const HARD_KEYWORD_KEYS = keys(HARD_KEYWORDS);
/** Words that never follow an operand (`x return`, `f() lambda`): statements' and expressions' first words. */
const NEVER_AFTER_OPERAND = keys('assert await break class continue def del elif except finally global lambda nonlocal pass raise return try while with yield');
/** Statements that end at their keyword (`pass x`). */
const NOTHING_AFTER = keys('pass break continue');
/** Keywords an operand follows (`return x`, `x and y`)… */
const EXPECTS_OPERAND = keys('and as assert async await class def del elif else for from global if import in is nonlocal not or raise return while with yield');
/** …and keywords that cannot start one (all but `not`, `lambda`, `await`, `yield` and the soft keywords). */
const CANNOT_START_OPERAND = keys('and as assert async break class continue def del elif else except finally for from global if import in is nonlocal or pass raise return try while with');
/** Keywords that only join two operands: never after an operator, a bracket or a separator (`x = or y`, `f(and)`). */
const ONLY_BETWEEN_OPERANDS = keys('and as is or'); // not `in`: `for x, in y`
const NOT = wordKey('not');
const IN = wordKey('in');
const YIELD = wordKey('yield');
/** Operators that need an operand before them: never right after a keyword waiting for one (`not = x`, `in < y`). */
const BINARY_ONLY = new Uint8Array(128);
for (const c of '=/%&|^<>!') BINARY_ONLY[c.charCodeAt(0)] = 1;
/** Characters no statement starts with (a `.` neither: see cannotStartLine). */
const NEVER_FIRST = new Uint8Array(128);
for (const c of '=:,;/%&|^<>!') NEVER_FIRST[c.charCodeAt(0)] = 1;
/** Characters that make an `=` right after them one token with it (`==`, `<=`, `+=`, `:=` …). */
const JOINS_EQUALS = new Uint8Array(128);
for (const c of '=!<>:+-*/%&|^@') JOINS_EQUALS[c.charCodeAt(0)] = 1;
/** First words of a compound statement's header, which ends with a `:` outside brackets. */
const HEADER = keys('if elif else while for with try except finally');
const DEFINITION = keys('def class');
const ASYNC = wordKey('async');
const FOR = wordKey('for');
const WITH = wordKey('with');
const FROM = wordKey('from');
/** What a logical line's first word says about the line. */
const PLAIN = 0;
const NEEDS_COLON = 1;
const NEEDS_NAME_AND_COLON = 2;
const FROM_IMPORT = 3;

/** Words a statement may start with and be followed by another word (keywords, soft keywords included). */
export const KEYWORDS = new Set(`False None True ${LOWERCASE_KEYWORDS}`.split(' '));

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

/** The key of the lowercase word starting at `start` (-1 when none is there, or it is longer, or part of a longer name). */
function keyAt(text: string, start: number): number {
  let key = 0;
  let at = start;
  const stop = Math.min(start + 9, text.length);
  for (; at < stop; at++) {
    const c = text.charCodeAt(at);
    if (c < 97 || c > 122) break;
    key = key * 32 + c - 96;
  }
  const after = at < text.length ? text.charCodeAt(at) : SPACE;
  return at === start || at === start + 9 || isNameChar(after) || inNonAsciiName(after) ? -1 : key;
}

/**
 * The key of the name or number `start`..`end` (a run the scan has delimited), -1 when it is no
 * lowercase word of a keyword's first letter and length (most names are rejected on those two).
 */
function keyOf(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  const length = end - start + 1;
  if (length > 8 || first < 97 || first > 122 || KEYWORD_SHAPE[(first - 97) * 9 + length] === 0) return -1;
  let key = 0;
  for (let at = start; at <= end; at++) {
    const c = text.charCodeAt(at);
    if (c < 97 || c > 122) return -1;
    key = key * 32 + c - 96;
  }
  // A run ends at a non-ASCII letter too (`éand`): then it is part of a longer name.
  if ((start > 0 && inNonAsciiName(text.charCodeAt(start - 1))) || (end + 1 < text.length && inNonAsciiName(text.charCodeAt(end + 1)))) return -1;
  return key;
}

/** What the logical line starting at `start` must hold, told by its first word (or two: `async def`). */
function statementKind(text: string, start: number): number {
  let key = keyAt(text, start);
  if (key === ASYNC) {
    let next = start + 5;
    while (text.charCodeAt(next) === SPACE || text.charCodeAt(next) === TAB) next++;
    key = keyAt(text, next);
    return DEFINITION.has(key) ? NEEDS_NAME_AND_COLON : key === FOR || key === WITH ? NEEDS_COLON : PLAIN;
  }
  if (key < 0) return PLAIN;
  return HEADER.has(key) ? NEEDS_COLON : DEFINITION.has(key) ? NEEDS_NAME_AND_COLON : key === FROM ? FROM_IMPORT : PLAIN;
}

/** Whether a statement cannot start at `start`: with a binary operator or a separator (`= x`, `, x`), or a `.` before a name (`.x`; `.5` and `...` are fine). */
function cannotStartLine(text: string, start: number): boolean {
  const c = text.charCodeAt(start);
  if (c === DOT) return isNameStart(text.charCodeAt(start + 1));
  return c < 128 && NEVER_FIRST[c] === 1;
}

/** Whether `c` ends an operand: a name, a number, a closing bracket, a string. */
function endsOperand(c: number): boolean {
  return isNameChar(c) || c === CLOSE_PAREN || c === CLOSE_SQUARE || c === CLOSE_BRACE || c === 34 || c === 39 || inNonAsciiName(c);
}

/**
 * Whether a word (`start`..`end`) right after an operand or a keyword (ending with `last` at
 * `lastAt`), blanks between, cannot stand there: two operands in a row (`x = a b`, `f() None`,
 * `"s" x`), a statement's keyword after an operand (`x return`), a word after `pass`, a keyword
 * waiting for an operand followed by one that cannot start it (`if is None`, `in return`). A name
 * right before a quote is a string's prefix (`f"a" f"b"`).
 */
function wordsInARow(text: string, last: number, lastAt: number, lastStart: number, start: number, end: number): boolean {
  const after = end + 1 < text.length ? text.charCodeAt(end + 1) : SPACE;
  if (after === 34 || after === 39) return false;
  const key = keyOf(text, start, end);
  const keyword = key >= 0 && KEYWORD_KEYS.has(key);
  const previous = last >= 97 && last <= 122 ? keyOf(text, lastStart, lastAt) : -1;
  if (previous < 0 || !KEYWORD_KEYS.has(previous)) return !keyword || NEVER_AFTER_OPERAND.has(key);
  if (!keyword) return NOTHING_AFTER.has(previous);
  if (previous === ASYNC || (previous === NOT && key === IN) || (previous === YIELD && key === FROM)) return false;
  return EXPECTS_OPERAND.has(previous) && CANNOT_START_OPERAND.has(key);
}

/**
 * Whether the `.` at `dotAt`, a name after it, stands where an operand must start (`f(x=.y)`,
 * `return .x`): an attribute's dot follows an operand, a relative import's follows `from`. Left
 * alone across a line end (a comment may end the line before) and after a digit (`1 .real`).
 */
function dotWithoutOperand(text: string, dotAt: number, wordStart: number, wordEnd: number): boolean {
  let at = dotAt - 1;
  while (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === TAB) at--;
  const before = at >= 0 ? text.charCodeAt(at) : NEWLINE;
  if (before >= 97 && before <= 122) {
    const key = at === wordEnd ? keyOf(text, wordStart, wordEnd) : -1;
    return key >= 0 && key !== FROM && HARD_KEYWORD_KEYS.has(key);
  }
  if (before >= 128 || isNameChar(before) || before === NEWLINE || before === RETURN || before === BACKSLASH || before === DOT) return false;
  return !(before === CLOSE_PAREN || before === CLOSE_SQUARE || before === CLOSE_BRACE || before === 34 || before === 39);
}

/** Whether the `=` at `at` is an assignment's, not part of `==`, `<=`, `+=`, `:=` …. */
function bareEquals(text: string, at: number): boolean {
  const before = text.charCodeAt(at - 1);
  return text.charCodeAt(at + 1) !== EQUALS && !(before < 128 && JOINS_EQUALS[before] === 1);
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}

/** Whether the `def` / `class` / `async def` at `start` is followed by something that cannot start a name (`def (x):`). */
function definitionWithoutName(text: string, start: number): boolean {
  let at = start;
  for (let words = text.startsWith('async', start) ? 2 : 1; words > 0; words--) {
    while (isNameChar(text.charCodeAt(at))) at++;
    while (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === TAB) at++;
  }
  return !isNameStart(text.charCodeAt(at));
}

/**
 * Whether `next` (a closing bracket, `:`, `,`, `;`, or NEWLINE for the end of a logical line) cannot
 * follow `last`, the last character of the token before it (at `lastAt`): an operator or keyword
 * still waiting for its operand (`x = 1 +`, `f(a=)`, `if x and:`), an opening bracket followed by a
 * separator (`def f(:`, `f(, x)`; `x[:]` is a slice), a `:` closed at once (`{a:}`), a doubled `,` or `;`.
 */
function missingOperand(text: string, last: number, lastAt: number, lastStart: number, next: number): boolean {
  if (last >= 97 && last <= 122) {
    const key = keyOf(text, lastStart, lastAt);
    return key >= 0 && (NEEDS_OPERAND.has(key) || (next !== COLON && BEFORE_COLON_ONLY.has(key)));
  }
  if (last >= 128) return false;
  const kind = CHAR_CLASS[last];
  if (kind === OPENER) return next === COMMA || next === SEMICOLON || (next === COLON && last !== OPEN_SQUARE);
  if (kind === STOP) return last === COLON ? next === CLOSE_PAREN || next === CLOSE_BRACE : last === next && (next === COMMA || next === SEMICOLON);
  if (kind !== OPERATOR) return false;
  if (last === DOT) {
    const before = text.charCodeAt(lastAt - 1);
    return !(isDigit(before) || before === DOT); // `1.`, `...`
  }
  // `def f(a, *, b)`, `def f(a, /)`, `lambda a, /: a` (a star at a line's end: see `from m import *`).
  if (last === STAR) return next !== CLOSE_PAREN && next !== COMMA;
  if (last === SLASH) return next !== CLOSE_PAREN && next !== COMMA && next !== COLON;
  return true;
}

/**
 * What a non-ASCII character outside strings and comments may be: part of a name, or a blank
 * tree-sitter skips (a byte-order mark, zero-width spaces). Sticky: tested at one index of the text.
 */
const NAME_OR_SKIPPED = /[\p{XID_Continue}\uFEFF\u2060\u200B]/uy;

/** Whether the non-ASCII character at `at` (a whole code point) may stand outside strings and comments. */
function nonAsciiAllowed(text: string, at: number): boolean {
  NAME_OR_SKIPPED.lastIndex = at;
  return NAME_OR_SKIPPED.test(text);
}

/** Whether a non-ASCII character (outside strings and comments) belongs to a name: all but the blanks tree-sitter skips. */
function inNonAsciiName(c: number): boolean {
  return c > 127 && c !== 0xfeff && c !== 0x2060 && c !== 0x200b;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE || c === RETURN;
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
    if (suspects.length < MAX_SUSPECTS && suspects[suspects.length - 1] !== line) suspects.push(line);
  };
  let line = 0;
  let quote = ''; // the open string's delimiter: ', ", ''' or """
  let quoteLine = 0;
  let continued = false;
  let atLineStart = true;
  let logicalStart = -1;
  let logicalStartAt = 0; // its first character
  let statement = PLAIN; // what its first word says it must hold
  let colonOutsideBrackets = false;
  let last = 0; // the last character of the logical line outside comments and blanks
  let lastAt = 0;
  let wordStart = 0; // where the last name or number starts (it ends at wordEnd)
  let wordEnd = -1;
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
          logicalStartAt = j;
          colonOutsideBrackets = false;
          last = NEWLINE; // what ended the line before is no operand of this one
          statement = statementKind(text, j);
          if (twoNames(text, j) || cannotStartLine(text, j) || (statement === NEEDS_NAME_AND_COLON && definitionWithoutName(text, j))) fault(line);
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
        if (incompleteLine(text, logicalStartAt, statement, colonOutsideBrackets, last, lastAt, wordStart)) fault(line);
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
        lastAt = i;
      }
      continue;
    }
    if (c === SPACE || c === TAB || c === RETURN) continue;
    if (isNameChar(c)) {
      // A name or number, in one step: most characters are in one.
      const start = i;
      while (i + 1 < text.length && isNameChar(text.charCodeAt(i + 1))) i++;
      if (last === DOT) {
        if (!isDigit(c) && dotWithoutOperand(text, lastAt, wordStart, wordEnd)) fault(line);
      } else if (endsOperand(last)) {
        if (start > 0 && isBlank(text.charCodeAt(start - 1)) && wordsInARow(text, last, lastAt, wordStart, start, i)) fault(line);
      } else if (i - start < 3 && last !== BACKSLASH && ONLY_BETWEEN_OPERANDS.has(keyOf(text, start, i))) fault(line);
      last = text.charCodeAt(i);
      lastAt = i;
      wordStart = start;
      wordEnd = i;
      continue;
    }
    if (c === HASH) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== NEWLINE) i++;
      continue;
    }
    if (c > 127) {
      // A character no name holds (`€`, a typographic quote “ pasted for ", a no-break space).
      if (!nonAsciiAllowed(text, i)) fault(line);
      const low = text.charCodeAt(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) i++; // the rest of a character outside the Basic Multilingual Plane
      last = c;
      lastAt = i;
      continue;
    }
    // An `=` after a token that needs an operand, apart from it (`x = = 1`, `x + = 1`, `f( = 1)`): `=` never starts one.
    // (A dot is left to the check below: `2. == x` is a number's.)
    if (c === EQUALS && isBlank(text.charCodeAt(i - 1)) && last < 128 && last !== DOT && (CHAR_CLASS[last] === OPERATOR || CHAR_CLASS[last] === OPENER || last === COLON)) fault(line);
    // An operator that needs a left operand right after a keyword waiting for one (`not = x`, `in < y`).
    if (last >= 97 && last <= 122 && BINARY_ONLY[c] === 1 && EXPECTS_OPERAND.has(keyOf(text, wordStart, lastAt))) fault(line);
    // An assignment in a header before its colon (`if x = 1:`; the walrus `:=` is fine).
    if (c === EQUALS && statement === NEEDS_COLON && !colonOutsideBrackets && openers.length === 0 && bareEquals(text, i)) fault(line);
    // A dot before something that is no name, neither a decimal point nor part of `...` (`x.(`, `x. = 1`).
    if (last === DOT && c !== DOT && c !== BACKSLASH && CHAR_CLASS[c] !== STOP) {
      const before = text.charCodeAt(lastAt - 1);
      if (!isDigit(before) && before !== DOT) fault(line);
    }
    if (c < 128 && CHAR_CLASS[c] === STOP) {
      if (missingOperand(text, last, lastAt, wordStart, c)) fault(line);
      if (c === COLON && openers.length === 0) colonOutsideBrackets = true;
    }
    last = c;
    lastAt = i;
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
  if (logicalStart >= 0 && !quote && openers.length === 0) {
    if (last === COLON) opensBlock[logicalStart] = 1;
    if (incompleteLine(text, logicalStartAt, statement, colonOutsideBrackets, last, lastAt, wordStart)) fault(line);
  }
  const indentation = firstIndentationFault(indents, opensBlock);
  if (indentation >= 0) fault(indentation);
  return { indents, suspectLines: suspects.sort((a, b) => a - b) };
}

/**
 * Whether a logical line (first character at `start`, last one `last` at `lastAt`) ends where it
 * cannot: after an operator or a keyword waiting for an operand, a compound statement's header
 * without its `:` (`if x`, `else`, `def f()`), `from m` without `import`.
 */
function incompleteLine(text: string, start: number, statement: number, colonOutsideBrackets: boolean, last: number, lastAt: number, lastStart: number): boolean {
  if (statement === FROM_IMPORT) {
    if (!holdsImport(text, start + 4, lastAt)) return true;
    if (last === STAR) return false; // `from m import *`
  }
  return ((statement === NEEDS_COLON || statement === NEEDS_NAME_AND_COLON) && !colonOutsideBrackets) || missingOperand(text, last, lastAt, lastStart, NEWLINE);
}

/** Whether `import` starts within `from`..`to` (a loop, not indexOf: a search past the line could make many lines quadratic). */
function holdsImport(text: string, from: number, to: number): boolean {
  for (let at = from; at <= to - 5; at++) if (text.charCodeAt(at) === 105 && text.startsWith('import', at)) return true;
  return false;
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
  // Definitions; every kind of token before a separator (operators, names, keywords, brackets).
  'async def g(a, *, b, /) -> None: ...',
  'async with a as b:',
  '    async for c in d: pass',
  'class A: pass',
  'def _f(): pass',
  'def é(): pass',
  'v = {1.: x[:], 2: lambda: 0, 3: (a if b else c), 4: f({}, é), 5: x[1:], 6: (a, b), 7: aB, 8: aé, 9: zzzzzzzzzz, 10: ...}',
  'from m import *',
  'X = 1',
  'from . import (a)',
  'if a == b <= c and (n := 1): u = .5 + 1 .real + y().z + f"a" f"b" + (a if b else c) + "d" if not e else [f]',
  'x = [(yield from a) for b, in c if b not in d and e is not None or await f(g=1) - 2. == 3]',
  // Suspect lines.
  'retrun x',
  'w = 1 +',
  'for v in w',
  'def (): pass',
  'async x',
  'v = [,] + {a:} + (a +) + (b and) + (a.) + [*] + f(a, /:] + (/,) + “€” + 𝑥',
  'a b; f() None; "s" é x',
  'if x = 1: return .x + f(x=.y) + x.(1) + é.(2)',
  '.warn()',
  'pass x; y return; if is z: in return; x = or y; x + = 1; not = x',
  '= 1',
  'from m',
].join('\r\n');
for (let i = 0; i < 3; i++) scanPython(EVERY_PATH);

/**
 * The engine's public shapes: what the CLI and the language server consume.
 * Editor-agnostic: no LSP or vscode types here (the server converts).
 *
 * Positions are 0-based lines and 0-based UTF-16 code-unit columns (the LSP convention);
 * the CLI prints them 1-based.
 */

export type RuleCode =
  | 'ASYNC210' | 'ASYNC212' | 'ASYNC220' | 'ASYNC221' | 'ASYNC222' | 'ASYNC230' | 'ASYNC231' | 'ASYNC232'
  | 'ASYNC240' | 'ASYNC250' | 'ASYNC251'
  | 'CORO101' | 'CORO102' | 'CORO103' | 'CORO110' | 'CORO120' | 'CORO200' | 'CORO201' | 'CORO202';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** The coroutine framework a file uses; decides which alternative a message and a fix suggest. */
export type Framework = 'asyncio' | 'tornado' | 'trio' | 'anyio';

export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Location {
  path: string;
  range: Range;
}

/** One step of an indirect (CORO120) finding: a call into a helper, or the final blocking call. */
export interface ChainHop extends Location {
  /** e.g. `load_config()` in `helpers.py`, or `time.sleep` for the last hop. */
  description: string;
  /** The code of the blocking call the chain ends in (on the last hop only). */
  code?: RuleCode;
}

export interface TextEdit extends Location {
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** Safe to apply without review (VS Code's "preferred" quick fix). */
  preferred: boolean;
}

export interface Finding extends Location {
  code: RuleCode;
  message: string;
  severity: Severity;
  /** CORO120: every hop from the call in the coroutine to the blocking call, in order. */
  chain?: ChainHop[];
  /** The non-blocking alternative for the file's framework, when there is one. */
  suggestion?: string;
  fixes: Fix[];
}

/** Something about an input the engine could not fully analyse (syntax error, too large, not UTF-8 …). */
export interface Note {
  path: string;
  message: string;
  range?: Range;
}

export interface FileResult {
  path: string;
  findings: Finding[];
  notes: Note[];
}

/** Metadata of one rule code: for LSP `codeDescription`, SARIF `rules`, `--statistics`. */
export interface RuleInfo {
  code: RuleCode;
  title: string;
  defaultSeverity: Severity;
  /** Off-by-default rules (CORO202) run only when selected or given a severity. */
  enabledByDefault: boolean;
  /** Repository-relative path of the rule's page, e.g. `docs/rules/ASYNC251.md`. */
  docsPath: string;
}

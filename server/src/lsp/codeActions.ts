/**
 * Code actions: the engine's fixes as quick fixes, `# noqa` suppression, "fix all of this kind"
 * and the `source.fixAll.coroutine-lens` source action.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { mergeFixes, type Finding, type Fix, type TextEdit as EngineTextEdit } from '../analysis';
import { toLspRange } from './diagnostics';
import { noqaEdit } from './edits';
import type { PathMap } from './paths';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.coroutine-lens`;

/** A finding with the diagnostic it was published as. */
export interface Reported {
  finding: Finding;
  diagnostic: Diagnostic;
}

export interface CodeActionContext {
  document: TextDocument;
  reported: readonly Reported[];
  paths: PathMap;
  /** The client applies versioned `documentChanges` (so it refuses edits made for an older version). */
  documentChanges: boolean;
}

function wants(only: string[] | undefined, kind: string): boolean {
  if (!only) return kind === CodeActionKind.QuickFix;
  return only.some((requested) => kind === requested || kind.startsWith(`${requested}.`));
}

function sameRange(a: Diagnostic['range'], b: Diagnostic['range']): boolean {
  return (
    a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character
  );
}

function touches(range: Diagnostic['range'], line: number, startCharacter: number, endLine: number, endCharacter: number): boolean {
  const startsBeforeEnd = range.start.line < endLine || (range.start.line === endLine && range.start.character <= endCharacter);
  const endsAfterStart = range.end.line > line || (range.end.line === line && range.end.character >= startCharacter);
  return startsBeforeEnd && endsAfterStart;
}

/** The findings the request is about: those of the diagnostics the client sent, else those under the range. */
function findingsInQuestion(params: CodeActionParams, reported: readonly Reported[]): Reported[] {
  const sent = params.context.diagnostics;
  if (sent.length > 0) {
    return reported.filter(({ diagnostic }) => sent.some((d) => d.code === diagnostic.code && sameRange(d.range, diagnostic.range)));
  }
  const { start, end } = params.range;
  return reported.filter(({ diagnostic }) => touches(diagnostic.range, start.line, start.character, end.line, end.character));
}

function workspaceEdit(context: CodeActionContext, editsByPath: Map<string, TextEdit[]>): WorkspaceEdit {
  const { document, paths } = context;
  if (context.documentChanges) {
    return {
      documentChanges: [...editsByPath].map(([path, edits]) => {
        const uri = paths.uriOf(path);
        return { textDocument: { uri, version: uri === document.uri ? document.version : null }, edits };
      }),
    };
  }
  return { changes: Object.fromEntries([...editsByPath].map(([path, edits]) => [paths.uriOf(path), edits])) };
}

function lspEdit(edit: EngineTextEdit): TextEdit {
  return { range: toLspRange(edit.range), newText: edit.newText };
}

function editsOf(fix: Fix): Map<string, TextEdit[]> {
  const byPath = new Map<string, TextEdit[]>();
  for (const edit of fix.edits) {
    const list = byPath.get(edit.path) ?? [];
    list.push(lspEdit(edit));
    byPath.set(edit.path, list);
  }
  return byPath;
}

/** The fix "fix all" applies for a finding: the one the engine marks safe, else the first. */
function mainFix(finding: Finding): Fix | undefined {
  return finding.fixes.find((fix) => fix.preferred) ?? finding.fixes[0];
}

/** One edit list for the current document made of many fixes (edits to other files are not merged). */
function mergedEdit(context: CodeActionContext, path: string, fixes: Fix[]): { edit: WorkspaceEdit; applied: number } | undefined {
  const { edits, applied } = mergeFixes(path, fixes);
  if (applied === 0) return undefined;
  return { edit: workspaceEdit(context, new Map([[path, edits.map(lspEdit)]])), applied };
}

function quickFixes(params: CodeActionParams, context: CodeActionContext, path: string): CodeAction[] {
  const actions: CodeAction[] = [];
  const inQuestion = findingsInQuestion(params, context.reported);
  for (const { finding, diagnostic } of inQuestion) {
    for (const fix of finding.fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: fix.preferred,
        edit: workspaceEdit(context, editsOf(fix)),
      });
    }
  }
  for (const code of new Set(inQuestion.map(({ finding }) => finding.code))) {
    const fixes = context.reported
      .filter(({ finding }) => finding.code === code)
      .map(({ finding }) => mainFix(finding))
      .filter((fix): fix is Fix => fix !== undefined);
    if (fixes.length < 2) continue;
    const merged = mergedEdit(context, path, fixes);
    if (merged) actions.push({ title: `Fix all ${code} problems in this file (${merged.applied})`, kind: CodeActionKind.QuickFix, edit: merged.edit });
  }
  const suppressed = new Set<string>();
  for (const { finding, diagnostic } of inQuestion) {
    const line = diagnostic.range.start.line;
    if (suppressed.has(`${line}:${finding.code}`)) continue; // two findings of one code on a line: one comment
    suppressed.add(`${line}:${finding.code}`);
    const lineText = context.document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
    const edit = noqaEdit(line, lineText, finding.code);
    if (!edit) continue;
    actions.push({
      title: `Suppress ${finding.code} on this line (# noqa)`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: workspaceEdit(context, new Map([[path, [edit]]])),
    });
  }
  return actions;
}

export function codeActions(params: CodeActionParams, context: CodeActionContext, path: string): CodeAction[] {
  const only = params.context.only;
  const actions = wants(only, CodeActionKind.QuickFix) ? quickFixes(params, context, path) : [];
  if (wants(only, FIX_ALL_KIND)) {
    const safe = context.reported.flatMap(({ finding }) => finding.fixes.filter((fix) => fix.preferred).slice(0, 1));
    const merged = mergedEdit(context, path, safe);
    if (merged) actions.push({ title: 'Fix all Coroutine Lens problems that have a safe fix', kind: FIX_ALL_KIND, edit: merged.edit });
  }
  return actions;
}

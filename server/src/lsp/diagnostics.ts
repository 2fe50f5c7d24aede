/** Engine findings → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver/node';
import { ruleCatalogue, type ConfigError, type Finding, type Range as EngineRange, type Severity } from '../analysis';
import type { PathMap } from './paths';

export const DIAGNOSTIC_SOURCE = 'coroutine-lens';

/** The rule pages live in the repository (the catalogue names each page); diagnostics link there. */
const REPOSITORY_FILES = 'https://github.com/coroutine-lens/coroutine-lens/blob/main/';
const docsPaths = new Map<string, string>(ruleCatalogue.map((rule) => [rule.code, rule.docsPath]));

export function ruleUrl(code: string): string {
  return REPOSITORY_FILES + (docsPaths.get(code) ?? `docs/rules/${code}.md`);
}

export function toLspRange(range: EngineRange): Range {
  return {
    start: { line: range.start.line, character: range.start.column },
    end: { line: range.end.line, character: range.end.column },
  };
}

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(finding: Finding, paths: PathMap): Diagnostic {
  const diagnostic: Diagnostic = {
    range: toLspRange(finding.range),
    severity: severities[finding.severity],
    code: finding.code,
    codeDescription: { href: ruleUrl(finding.code) },
    source: DIAGNOSTIC_SOURCE,
    message: finding.message,
  };
  if (finding.chain && finding.chain.length > 0) {
    diagnostic.relatedInformation = finding.chain.map(
      (hop, index): DiagnosticRelatedInformation => ({
        location: { uri: paths.uriOf(hop.path), range: toLspRange(hop.range) },
        message: `${index + 1}. ${hop.description}${hop.code ? ` (${hop.code})` : ''}`,
      }),
    );
  }
  return diagnostic;
}

/** A configuration error as a diagnostic on the file it came from (its line, or the first line). */
export function configErrorDiagnostic(error: ConfigError): Diagnostic {
  const line = Math.max(0, (error.line ?? 1) - 1);
  return {
    range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } },
    severity: DiagnosticSeverity.Error,
    source: DIAGNOSTIC_SOURCE,
    message: error.message,
  };
}

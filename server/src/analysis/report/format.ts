/**
 * The CLI's output formats: text (`path:line:col: CODE message`, chain indented below), json,
 * SARIF 2.1.0 (rule metadata, relatedLocations for the chain), and GitHub workflow commands.
 * Lines and columns are printed 1-based.
 */
import * as path from 'node:path';
import type { Finding, Note, RuleCode, Severity } from '../api';
import { ruleCatalogue } from '../rules/catalogue';
import { ENGINE_VERSION } from '../version';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

/** Where the rule pages are published (the repository of package.json). */
const DOCS_BASE = 'https://github.com/coroutine-lens/coroutine-lens/blob/main/';

export interface Report {
  findings: Finding[];
  notes: Note[];
  files: number;
  cwd: string;
  statistics: boolean;
}

export function formatReport(format: Format, report: Report): { stdout: string; stderr: string } {
  const findings = [...report.findings].sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column,
  );
  const sorted = { ...report, findings };
  switch (format) {
    case 'text':
      return text(sorted);
    case 'json':
      return { stdout: `${JSON.stringify(json(sorted), null, 2)}\n`, stderr: '' };
    case 'sarif':
      return { stdout: `${JSON.stringify(sarif(sorted), null, 2)}\n`, stderr: '' };
    case 'github':
      return github(sorted);
  }
}

const rel = (report: Report, file: string): string => path.relative(report.cwd, file) || file;
const where = (report: Report, file: string, line: number, column: number): string => `${rel(report, file)}:${line + 1}:${column + 1}`;

function counts(findings: Finding[]): Array<[RuleCode, number]> {
  const byCode = new Map<RuleCode, number>();
  for (const f of findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  return [...byCode.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function text(report: Report): { stdout: string; stderr: string } {
  const out: string[] = [];
  for (const f of report.findings) {
    out.push(`${where(report, f.path, f.range.start.line, f.range.start.column)}: ${f.code} ${f.message}`);
    for (const hop of f.chain ?? []) {
      out.push(`    ${where(report, hop.path, hop.range.start.line, hop.range.start.column)}: ${hop.description}${hop.code ? ` [${hop.code}]` : ''}`);
    }
  }
  if (report.statistics) {
    for (const [code, n] of counts(report.findings)) {
      out.push(`${String(n).padStart(6)}  ${code.padEnd(9)} ${ruleCatalogue.find((r) => r.code === code)!.title}`);
    }
  }
  const noun = report.findings.length === 1 ? 'finding' : 'findings';
  const files = `${report.files} ${report.files === 1 ? 'file' : 'files'}`;
  out.push(report.findings.length ? `Found ${report.findings.length} ${noun} in ${files}.` : `All checks passed (${files}).`);
  const err = report.notes.map((n) => `${n.range ? where(report, n.path, n.range.start.line, n.range.start.column) : rel(report, n.path)}: note: ${n.message}`);
  return { stdout: `${out.join('\n')}\n`, stderr: err.length ? `${err.join('\n')}\n` : '' };
}

function json(report: Report): unknown {
  const position = (p: { line: number; column: number }): { line: number; column: number } => ({ line: p.line + 1, column: p.column + 1 });
  return {
    version: ENGINE_VERSION,
    files: report.files,
    findings: report.findings.map((f) => ({
      path: rel(report, f.path),
      start: position(f.range.start),
      end: position(f.range.end),
      code: f.code,
      severity: f.severity,
      message: f.message,
      ...(f.suggestion ? { suggestion: f.suggestion } : {}),
      ...(f.chain ? { chain: f.chain.map((h) => ({ path: rel(report, h.path), start: position(h.range.start), description: h.description, ...(h.code ? { code: h.code } : {}) })) } : {}),
      fixes: f.fixes,
    })),
    notes: report.notes.map((n) => ({ path: rel(report, n.path), ...(n.range ? { start: position(n.range.start) } : {}), message: n.message })),
    ...(report.statistics ? { statistics: Object.fromEntries(counts(report.findings)) } : {}),
  };
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

function sarif(report: Report): unknown {
  const uri = (file: string): string => rel(report, file).split(path.sep).map(encodeURIComponent).join('/');
  const region = (r: Finding['range']): unknown => ({
    startLine: r.start.line + 1,
    startColumn: r.start.column + 1,
    endLine: r.end.line + 1,
    endColumn: r.end.column + 1,
  });
  const physical = (file: string, r: Finding['range']): unknown => ({
    artifactLocation: { uri: uri(file), uriBaseId: 'SRCROOT' },
    region: region(r),
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'coroutine-lens',
            version: ENGINE_VERSION,
            informationUri: DOCS_BASE.replace(/blob\/main\/$/, ''),
            rules: ruleCatalogue.map((r) => ({
              id: r.code,
              name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')),
              shortDescription: { text: r.title },
              helpUri: DOCS_BASE + r.docsPath,
              defaultConfiguration: { level: r.enabledByDefault ? SARIF_LEVEL[r.defaultSeverity] : 'none', enabled: r.enabledByDefault },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `file://${report.cwd.split(path.sep).map(encodeURIComponent).join('/')}/` } },
        results: report.findings.map((f) => ({
          ruleId: f.code,
          ruleIndex: ruleCatalogue.findIndex((r) => r.code === f.code),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [{ physicalLocation: physical(f.path, f.range) }],
          ...(f.chain
            ? {
                relatedLocations: f.chain.map((hop, id) => ({
                  id,
                  physicalLocation: physical(hop.path, hop.range),
                  message: { text: `${hop.description}${hop.code ? ` [${hop.code}]` : ''}` },
                })),
              }
            : {}),
        })),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.notes.map((n) => ({
              level: 'note',
              message: { text: n.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: uri(n.path), uriBaseId: 'SRCROOT' }, ...(n.range ? { region: region(n.range) } : {}) } }],
            })),
          },
        ],
      },
    ],
  };
}

function github(report: Report): { stdout: string; stderr: string } {
  // Workflow-command values escape %, CR, LF; properties also , and :.
  const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const command: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };
  const out = report.findings.map((f) => {
    const chain = (f.chain ?? []).map((h) => `\n  ${where(report, h.path, h.range.start.line, h.range.start.column)}: ${h.description}`).join('');
    return `::${command[f.severity]} file=${prop(rel(report, f.path))},line=${f.range.start.line + 1},col=${f.range.start.column + 1},endLine=${f.range.end.line + 1},endColumn=${f.range.end.column + 1},title=${prop(f.code)}::${data(`${f.code} ${f.message}${chain}`)}`;
  });
  for (const n of report.notes) out.push(`::notice file=${prop(rel(report, n.path))}${n.range ? `,line=${n.range.start.line + 1}` : ''}::${data(n.message)}`);
  return { stdout: out.length ? `${out.join('\n')}\n` : '', stderr: '' };
}

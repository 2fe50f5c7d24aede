/**
 * Differential check: the CLI (`dist/cli.js check --format json --no-cache`) and the language
 * server (`dist/server.js --stdio`, each file opened and its diagnostics pulled by a real LSP
 * client) must give the same findings — code and range — for every file of a workspace.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, FullDocumentDiagnosticReport } from 'vscode-languageserver-protocol/node';
import { coroutineLensServer, fileUri, LspClient, repoRoot } from './lspClient';
import { pythonFilesUnder } from './reliabilityFuzz';

/** `relative/path.py:line:column-endLine:endColumn CODE`, 1-based like the CLI prints. */
export type FindingKey = string;

interface CliFinding {
  path: string;
  start: { line: number; column: number };
  end: { line: number; column: number };
  code: string;
}

export function cliFindings(root: string, files?: string[]): Map<string, FindingKey[]> {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'check', '--format', 'json', '--no-cache', ...(files ?? ['.'])], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`the CLI failed (${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { findings: CliFinding[] };
  const byFile = new Map<string, FindingKey[]>();
  for (const f of report.findings) {
    const file = path.relative(root, path.resolve(root, f.path));
    const key = `${file}:${f.start.line}:${f.start.column}-${f.end.line}:${f.end.column} ${f.code}`;
    byFile.set(file, [...(byFile.get(file) ?? []), key]);
  }
  for (const keys of byFile.values()) keys.sort();
  return byFile;
}

export function diagnosticKey(file: string, d: Diagnostic): FindingKey {
  const r = d.range;
  return `${file}:${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${String(d.code)}`;
}

export interface DifferentialResult {
  files: number;
  /** Files whose bytes are not UTF-8: an editor could not open them as they are, so they are skipped. */
  skipped: string[];
  findings: number;
  mismatches: string[];
}

/** Opens every file of `root` (or `files`) in the server, pulls its diagnostics, compares with the CLI. */
export async function differential(root: string, files = pythonFilesUnder(root)): Promise<DifferentialResult> {
  const expected = cliFindings(root, files);
  const client = await LspClient.start(coroutineLensServer(), { root, pullDiagnostics: true });
  const result: DifferentialResult = { files: 0, skipped: [], findings: 0, mismatches: [] };
  try {
    await client.progressEnded(120_000);
    for (const file of files) {
      const bytes = readFileSync(path.join(root, file));
      const text = bytes.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(bytes)) {
        result.skipped.push(file);
        continue;
      }
      const uri = fileUri(path.join(root, file));
      await client.open(uri, text, 1);
      const report = (await client.pullDiagnostics(uri)) as FullDocumentDiagnosticReport;
      const got = (report.items ?? []).filter((d) => /^(ASYNC|CORO)\d+$/.test(String(d.code))).map((d) => diagnosticKey(file, d)).sort();
      const want = expected.get(file) ?? [];
      result.files++;
      result.findings += want.length;
      const missing = want.filter((k) => !got.includes(k));
      const extra = got.filter((k) => !want.includes(k));
      for (const k of missing) result.mismatches.push(`only the CLI: ${k}`);
      for (const k of extra) result.mismatches.push(`only the server: ${k}`);
      await client.close(uri);
    }
  } finally {
    await client.stop();
  }
  return result;
}

/**
 * Shared by the engine's unit tests: builds an engine over a fixture workspace and compares its
 * findings with the `# expect: CODE [key=value …][, CODE …]` comments in the fixture files, both
 * ways (a missing finding and an unexpected one are both failures).
 * Keys: hops=N (chain length), severity=S, suggests=TEXT (in the suggestion), says=TEXT (in the message),
 * fix="TEXT" (an edit's new text).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  AnalysisEngine,
  loadPyprojectConfiguration,
  type Configuration,
  type FileResult,
  type Finding,
} from '../../server/src/analysis';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixturesRoot = path.join(repoRoot, 'test', 'fixtures', 'engine');
/** The bundles' folder holds both WASM files after `node esbuild.mjs`; the engine falls back to node_modules. */
export const wasmDir = path.join(repoRoot, 'dist');

export interface Expectation {
  file: string;
  line: number;
  code: string;
  checks: Record<string, string>;
}

const EXPECT = /#\s*expect:\s*(.+)$/;

export function expectationsIn(file: string): Expectation[] {
  // Read byte for byte, so a fixture in another encoding (PEP 263) still splits into its lines; an
  // expectation itself is UTF-8 (`says="… r.lock(…)"`), whatever the file around it.
  const text = readFileSync(file, 'latin1');
  const result: Expectation[] = [];
  text.split('\n').forEach((line, index) => {
    const match = EXPECT.exec(line);
    if (!match) return;
    for (const item of Buffer.from(match[1]!, 'latin1').toString('utf8').split(/,\s*(?=[A-Z]+\d)/)) {
      const [code, ...rest] = item.trim().split(/\s+(?=\w+=)/);
      const checks: Record<string, string> = {};
      for (const pair of rest) {
        const eq = pair.indexOf('=');
        checks[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
      }
      result.push({ file, line: index, code: code!, checks });
    }
  });
  return result;
}

export async function engineFor(workspace: string, override?: (c: Configuration) => Configuration): Promise<AnalysisEngine> {
  const engine = await AnalysisEngine.create({ wasmDir });
  const { config, errors } = await loadPyprojectConfiguration(workspace);
  if (errors.length) throw new Error(`fixture configuration errors: ${JSON.stringify(errors)}`);
  engine.setConfiguration(workspace, override ? override(config) : config);
  await engine.indexWorkspace(workspace);
  return engine;
}

/** Differences between the findings and the expectations of one file; empty when they agree. */
export function compare(result: FileResult, expectations: Expectation[]): string[] {
  const problems: string[] = [];
  const where = (line: number): string => `${path.relative(fixturesRoot, result.path)}:${line + 1}`;
  const unmatched: Finding[] = [...result.findings];
  for (const expected of expectations) {
    const index = unmatched.findIndex((f) => f.range.start.line === expected.line && f.code === expected.code);
    if (index < 0) {
      problems.push(`${where(expected.line)}: missing ${expected.code}`);
      continue;
    }
    const [finding] = unmatched.splice(index, 1) as [Finding];
    const { hops, severity, suggests, says, fix } = expected.checks;
    if (hops !== undefined && finding.chain?.length !== Number(hops)) {
      problems.push(`${where(expected.line)}: ${expected.code} chain has ${finding.chain?.length ?? 0} hops, expected ${hops}: ${finding.message}`);
    }
    if (severity !== undefined && finding.severity !== severity) problems.push(`${where(expected.line)}: severity ${finding.severity}, expected ${severity}`);
    if (suggests !== undefined && !finding.suggestion?.includes(suggests)) problems.push(`${where(expected.line)}: suggestion '${finding.suggestion}' lacks '${suggests}'`);
    if (says !== undefined && !finding.message.includes(says)) problems.push(`${where(expected.line)}: message '${finding.message}' lacks '${says}'`);
    if (fix !== undefined && !finding.fixes.some((f) => f.edits.some((e) => e.newText.startsWith(fix)))) {
      problems.push(`${where(expected.line)}: no fix inserting '${fix}' (fixes: ${JSON.stringify(finding.fixes)})`);
    }
  }
  for (const finding of unmatched) problems.push(`${where(finding.range.start.line)}: unexpected ${finding.code} ${finding.message}`);
  return problems;
}

/**
 * Long soaks: `npm run soak` (node out/test/bench/soak.js [--cycles N] [--attach N] [--abrupt N]
 * [--ops N] [--seed S] [--source DIR] [--only dap|lsp|differential]).
 *   dap:          N launch → breakpoint → tree → continue/terminate cycles (default 500), attach/detach
 *                 cycles (default 100), sessions ended abruptly (default 100), with leak checks.
 *   lsp:          N random editor operations against the language server (default 10,000) on a copy
 *                 of DIR (default examples/).
 *   differential: CLI = language server on every file of part of the standard library.
 * Prints the counts and figures; exit code 1 when anything failed or leaked.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { testPython } from '../support/dapSession';
import { differential } from '../support/reliabilityDifferential';
import { describeLspSoak, lspSoak } from '../support/reliabilityLspSoak';
import { ABRUPT_ENDS, ListeningProgram, SoakWorkspace, abruptCycle, attachCycle, finishAttachedProgram, launchCycle } from '../support/reliabilitySoak';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
let failed = false;

function fail(message: string): void {
  failed = true;
  console.log(`  FAILURE: ${message.split('\n').slice(0, 6).join('\n  ')}`);
}

async function soakDebugger(): Promise<void> {
  const cycles = option('--cycles', 500);
  const attaches = option('--attach', Math.round(cycles / 5));
  const abrupt = option('--abrupt', Math.round(cycles / 5));
  console.log(`\ndebugger soak: ${cycles} launch cycles, ${attaches} attach/detach cycles, ${abrupt} abrupt endings (Python ${await testPython()})`);
  const ws = new SoakWorkspace();
  const started = Date.now();
  const failures: Record<string, number> = { launch: 0, attach: 0, abrupt: 0 };
  try {
    for (let i = 0; i < cycles; i++) {
      await launchCycle(ws, i).catch((error: Error) => {
        failures.launch++;
        fail(`launch #${i}: ${error.message}`);
      });
      if ((i + 1) % 50 === 0) console.log(`  ${i + 1} launch cycles, ${ws.counts.leaks.length} leaks, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const program = await ListeningProgram.start(ws);
    try {
      for (let i = 0; i < attaches; i++) {
        await attachCycle(ws, program, i).catch((error: Error) => {
          failures.attach++;
          fail(`attach #${i}: ${error.message}`);
        });
      }
      await finishAttachedProgram(ws, program).catch((error: Error) => fail(`the attached program: ${error.message}`));
    } finally {
      if (program.child.exitCode === null) program.child.kill('SIGKILL');
    }
    for (let i = 0; i < abrupt; i++) {
      const how = ABRUPT_ENDS[i % ABRUPT_ENDS.length]!;
      await abruptCycle(ws, how, i).catch((error: Error) => {
        failures.abrupt++;
        fail(`abrupt #${i} (${how}): ${error.message}`);
      });
    }
  } finally {
    ws.dispose();
  }
  const c = ws.counts;
  console.log('\ndebugger soak results');
  console.log(`  launch cycles       ${c.launchCycles} passed, ${failures.launch} failed`);
  console.log(`  attach/detach       ${c.attachCycles} passed, ${failures.attach} failed`);
  console.log(`  abrupt endings      ${c.abruptSessions} passed, ${failures.abrupt} failed (${ABRUPT_ENDS.join(' / ')} in turn)`);
  console.log(`  output checks       ${c.outputChecks} programs' output complete and in order`);
  console.log(`  leaks               ${c.leaks.length}${c.leaks.length ? `: ${c.leaks.slice(0, 10).join('; ')}` : ''}`);
  console.log(`  wall time           ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (c.leaks.length) failed = true;
}

async function soakLanguageServer(): Promise<void> {
  const operations = option('--ops', 10_000);
  const seed = option('--seed', 1125);
  const sourceIndex = process.argv.indexOf('--source');
  const source = sourceIndex >= 0 ? path.resolve(process.argv[sourceIndex + 1]!) : path.join(repoRoot, 'examples');
  console.log(`\nlanguage-server soak: ${operations} operations, seed ${seed}, on a copy of ${path.relative(repoRoot, source) || source}`);
  const report = await lspSoak({
    source,
    operations,
    seed,
    onProgress: (done) => {
      if (done % 1000 === 0) console.log(`  ${done} operations`);
    },
  });
  console.log('\nlanguage-server soak results');
  for (const line of describeLspSoak(report)) console.log(`  ${line}`);
  if (report.unanswered.length) fail(`edits never answered: ${report.unanswered.slice(0, 5).join(', ')}`);
  if (report.finalMismatches.length) fail(`final diagnostics ≠ CLI: ${report.finalMismatches.slice(0, 10).join('; ')}`);
}

async function differentialStdlib(): Promise<void> {
  const python = await testPython();
  const lib = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
  const scratch = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-differential-'));
  try {
    console.log(`\ndifferential (CLI = language server) on Tornado and parts of ${lib}`);
    let files = 0;
    let findings = 0;
    // Tornado (installed in the test venv) has coroutine code in plenty; the stdlib parts mostly do not.
    const tornado = path.dirname(execFileSync(python, ['-c', 'import tornado; print(tornado.__file__)'], { encoding: 'utf8' }).trim());
    const parts = ['asyncio', 'concurrent', 'http', 'email', 'json', 'urllib', 'xmlrpc', 'logging', 'multiprocessing', 'unittest'].map((p) => path.join(lib, p));
    for (const source of [tornado, ...parts]) {
      const part = path.basename(source);
      const root = path.join(scratch, part);
      cpSync(source, root, { recursive: true, filter: (src) => !src.includes('__pycache__') });
      const result = await differential(root);
      files += result.files;
      findings += result.findings;
      console.log(`  ${part.padEnd(16)} ${result.files} files, ${result.findings} findings, ${result.mismatches.length} mismatches${result.skipped.length ? `, ${result.skipped.length} not UTF-8 (skipped)` : ''}`);
      for (const m of result.mismatches.slice(0, 5)) fail(`${part}: ${m}`);
    }
    console.log(`  total               ${files} files, ${findings} findings compared`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!only || only === 'differential') await differentialStdlib();
  if (!only || only === 'lsp') await soakLanguageServer();
  if (!only || only === 'dap') await soakDebugger();
  process.exitCode = failed ? 1 : 0;
}

void main();

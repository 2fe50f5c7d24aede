// Runs test tiers in order after one build, keeps going when a tier fails, prints each tier's wall
// time and ends with "N passed, N failed" (tiers). Exit code 1 when any tier failed.
//   node scripts/test.mjs unit python lsp dap e2e [--launcher=code-server|electron]
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVenvs } from './python-envs.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const tiers = args.filter((a) => !a.startsWith('--'));
const launcher = args.find((a) => a.startsWith('--launcher='))?.split('=')[1] ?? 'code-server';

function run(command, commandArgs, env = {}) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) console.error(`[test] ${command}: ${result.error.message}`);
  return result.status === 0;
}

const nodeTests = (folder) => () =>
  run(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', `out/test/${folder}/`]);

const tierRunners = {
  unit: () => {
    // A few unit tests read Tornado's source from the test venvs: made here, not only by the python
    // tier after this one, so that a fresh clone runs them instead of skipping them.
    try {
      ensureVenvs();
    } catch (error) {
      console.error(`[test] ${error.message}: the unit tests that read Tornado's source are skipped`);
    }
    return run(process.execPath, ['--test', 'out/test/unit/']);
  },
  python: () => {
    let ok = true;
    for (const [version, python] of Object.entries(ensureVenvs())) {
      console.log(`\n[test] python tier on Python ${version} (${python})`);
      const passed = run(python, ['-m', 'unittest', 'discover', '-v', '-s', 'debug-adapter/python/tests', '-t', 'debug-adapter/python']);
      console.log(`[test] Python ${version}: ${passed ? 'passed' : 'FAILED'}`);
      ok = passed && ok;
    }
    return ok;
  },
  lsp: nodeTests('lsp'),
  dap: nodeTests('dap'),
  e2e: () => run('node', ['scripts/package.mjs']) && run(process.execPath, ['out/test/e2e/run.js', `--launcher=${launcher}`]),
};

for (const tier of tiers) {
  if (!tierRunners[tier]) {
    console.error(`unknown tier '${tier}' (known: ${Object.keys(tierRunners).join(', ')})`);
    process.exit(2);
  }
}

const results = [];
const buildStarted = Date.now();
// Lint is part of the build: it enforces the import boundaries (ARCHITECTURE.md).
if (!run('npx', ['tsc', '-b']) || !run('npx', ['eslint', '.']) || !run(process.execPath, ['esbuild.mjs'])) {
  console.error('[test] the build (type-check, lint, bundle) failed; no tier ran');
  process.exit(1);
}
console.log(`[test] build (tsc -b, eslint, esbuild): ${((Date.now() - buildStarted) / 1000).toFixed(1)} s`);
for (const tier of tiers) {
  const started = Date.now();
  console.log(`\n[test] ===== tier ${tier} =====`);
  const passed = tierRunners[tier]();
  results.push({ tier, passed, seconds: (Date.now() - started) / 1000 });
}

console.log('\n[test] tier results:');
for (const { tier, passed, seconds } of results) console.log(`  ${tier.padEnd(7)} ${passed ? 'passed' : 'FAILED'}  ${seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.passed).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;

/**
 * Long engine fuzz: `npm run fuzz` (node out/test/bench/fuzz.js [--inputs N] [--seed S] [--no-stdlib]
 * [--keep DIR] [--cli-every N] [--verbose]; replay one failure with `--batch-seed S --per-batch N --keep DIR` and the
 * same corpus options). Mutates the examples, the engine fixtures and the CPython standard
 * library of the test interpreter; prints inputs tried, failures (with the seed to reproduce each)
 * and the slowest input. Exit code 1 when any input failed.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { corpusProject, fuzzEngine, percentile, pythonFilesUnder, type CorpusProject } from '../support/reliabilityFuzz';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function stdlibProjects(): Promise<CorpusProject[]> {
  const envs = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'python-envs.mjs')).href)) as {
    ensureVenvs(): Record<string, string>;
  };
  const pythons = Object.entries(envs.ensureVenvs()).sort(([a], [b]) => Number(b.split('.')[1]) - Number(a.split('.')[1]));
  if (!pythons.length) return [];
  const [version, python] = pythons[0]!;
  const lib = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
  console.log(`stdlib of Python ${version}: ${lib}`);
  // Each package of the standard library is one workspace (its modules import each other);
  // the top-level modules are cut into workspaces of 40. At most 80 files of a package are taken.
  const groups = new Map<string, string[]>();
  let topLevel = 0;
  for (const file of pythonFilesUnder(lib, 5000)) {
    if (/(^|[\\/])(test|tests|idle_test|lib2to3|site-packages)([\\/]|$)/.test(file)) continue;
    const key = file.includes(path.sep) ? file.split(path.sep)[0]! : `top-level-${Math.floor(topLevel++ / 40)}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  return [...groups.values()].map((files) => ({ root: lib, files: files.slice(0, 80) }));
}

async function main(): Promise<void> {
  const inputs = Number(option('--inputs') ?? 20_000);
  const seed = Number(option('--seed') ?? Date.now() % 1_000_000);
  const keep = option('--keep');
  const batchSeed = option('--batch-seed');
  const verbose = process.argv.includes('--verbose');
  const projects: CorpusProject[] = [
    corpusProject(path.join(repoRoot, 'examples')),
    ...pythonFilesUnder(path.join(repoRoot, 'test', 'fixtures', 'engine'))
      .map((f) => f.split(path.sep)[0]!)
      .filter((d, i, all) => all.indexOf(d) === i)
      .map((d) => corpusProject(path.join(repoRoot, 'test', 'fixtures', 'engine', d))),
    ...(process.argv.includes('--no-stdlib') ? [] : await stdlibProjects()),
  ];
  const sourceFiles = projects.reduce((n, p) => n + p.files.length, 0);
  console.log(`engine fuzz: seed ${seed}, ${inputs} inputs over ${projects.length} workspaces (${sourceFiles} source files)`);
  const started = Date.now();
  let lastReport = started;
  const stats = await fuzzEngine({
    wasmDir: path.join(repoRoot, 'dist'),
    projects,
    seed,
    inputs,
    perBatch: Number(option('--per-batch') ?? 12),
    cliEvery: Number(option('--cli-every') ?? 10),
    ...(batchSeed ? { batchSeed: Number(batchSeed) } : {}),
    ...(keep ? { keepFailures: path.resolve(keep) } : {}),
    onBatch: (s) => {
      if (verbose || Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        console.log(`  ${s.inputs} inputs, ${s.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  console.log('\nengine fuzz results');
  console.log(`  inputs tried        ${stats.inputs} (${stats.batches} workspaces, each analysed cold twice, cache-filling and warm; every ${option('--cli-every') ?? 10}th also by the CLI)`);
  console.log(`  failures            ${stats.failures.length}`);
  console.log(`  wall time           ${seconds.toFixed(1)} s (${(stats.inputs / seconds).toFixed(1)} inputs/s)`);
  console.log(`  per-input analysis  p50 ${percentile(stats.inputMs, 50).toFixed(1)} ms, p99 ${percentile(stats.inputMs, 99).toFixed(1)} ms, max ${percentile(stats.inputMs, 100).toFixed(1)} ms`);
  if (stats.slowest) {
    const s = stats.slowest;
    console.log(`  slowest input       ${s.file} (${s.bytes} bytes, ${s.mutations.join('+')}, batch seed ${s.seed}): ${s.ms.toFixed(1)} ms`);
  }
  for (const failure of stats.failures) {
    console.log(`\nFAILURE (batch seed ${failure.seed}, ${failure.project})`);
    for (const input of failure.inputs) console.log(`  ${input.file}: ${input.mutations.join(' + ')}`);
    console.log(`  ${failure.problem.split('\n').slice(0, 8).join('\n  ')}`);
    if (failure.keptAt) console.log(`  kept at ${failure.keptAt}`);
  }
  process.exitCode = stats.failures.length ? 1 : 0;
}

void main();

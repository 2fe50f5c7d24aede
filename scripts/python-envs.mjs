// Finds the CPython 3.9–3.13 interpreters on this machine (pyenv folders, then python3.X on PATH)
// and keeps one venv per minor version under .cache/venvs with the test packages installed.
// Idempotent: a venv whose stamp matches its package list is reused as it is.
// Used by the python tier, the DAP tests and the benchmarks:
//   node scripts/python-envs.mjs            set up and print "3.X <path to python>" per line
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cacheDir = join(process.env.COROUTINE_LENS_CACHE ?? join(root, '.cache'), 'venvs');
export const SUPPORTED_MINORS = [9, 10, 11, 12, 13];
// unittest, not pytest: pytest needs tomli on 3.9–3.10, which the package mirror may not have.
export const TEST_PACKAGES = ['tornado'];
// Installed where the package index has a wheel for that Python (uvloop: not for every version), so
// the tests that need it run there and are skipped elsewhere, instead of being skipped everywhere.
const OPTIONAL_PACKAGES = { test: ['uvloop'] };

function versionOf(python) {
  try {
    return execFileSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** One interpreter per supported minor version: { '3.9': '/path/to/python3.9', … }. */
export function findInterpreters() {
  const found = {};
  const pyenvVersions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  const candidates = [];
  if (existsSync(pyenvVersions)) {
    for (const name of readdirSync(pyenvVersions).sort()) candidates.push(join(pyenvVersions, name, 'bin', 'python3'));
  }
  for (const minor of SUPPORTED_MINORS) candidates.push(`python3.${minor}`);
  for (const candidate of candidates) {
    const version = versionOf(candidate);
    if (version && SUPPORTED_MINORS.some((m) => version === `3.${m}`) && !found[version]) found[version] = candidate;
  }
  // In version order (pyenv's folders sort 3.10 before 3.9): reports list their rows this way.
  return Object.fromEntries(Object.entries(found).sort(byVersion));
}

const byVersion = ([a], [b]) => Number(a.split(".")[1]) - Number(b.split(".")[1]);

function pipInstall(python, packages, output = 'inherit') {
  // --retries 0: a registry that is not reachable fails at once instead of retrying for minutes.
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--retries', '0', ...packages], {
    stdio: ['ignore', output, output],
  });
}

/** Installs an optional package; false, with one line saying so, where the index has none for this Python. */
function tryPipInstall(python, pkg, venvName) {
  try {
    pipInstall(python, [pkg], 'ignore');
    return true;
  } catch {
    console.error(`[python-envs] ${venvName}: ${pkg} is not installable for this Python; the tests that need it are skipped`);
    return false;
  }
}

/**
 * Ensures a venv per interpreter with `packages` installed; returns { version: venvPython }.
 * `name` separates venv sets with different packages (tests, benchmark corpus …).
 * `versions` (e.g. ['3.11']) limits the set, for packages the mirror has for some versions only.
 */
export function ensureVenvs(packages = TEST_PACKAGES, name = 'test', versions = undefined) {
  const result = {};
  const optional = OPTIONAL_PACKAGES[name] ?? [];
  const wanted = JSON.stringify([...packages].sort().concat(optional.map((p) => `${p}?`)));
  const interpreters = Object.entries(findInterpreters()).filter(([version]) => !versions || versions.includes(version));
  for (const [version, interpreter] of interpreters.sort(byVersion)) {
    const venv = join(cacheDir, `${name}-py${version}`);
    const python = join(venv, 'bin', 'python');
    const stamp = join(venv, '.coroutine-lens-packages');
    if (!(existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && versionOf(python) === version)) {
      const started = Date.now();
      mkdirSync(cacheDir, { recursive: true });
      execFileSync(interpreter, ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
      pipInstall(python, packages);
      const installed = [...packages, ...optional.filter((p) => tryPipInstall(python, p, `${name}-py${version}`))];
      writeFileSync(stamp, wanted);
      console.error(`[python-envs] ${name}-py${version}: installed ${installed.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    result[version] = python;
  }
  if (Object.keys(result).length === 0) throw new Error('no Python 3.9–3.13 found (pyenv folders or python3.X on PATH)');
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [version, python] of Object.entries(ensureVenvs())) console.log(`${version} ${python}`);
}

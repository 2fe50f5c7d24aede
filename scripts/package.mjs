// Packages the extension as coroutine-lens-<version>.vsix with @vscode/vsce (its prepublish step
// builds the production bundles) and prints the file's size and what it holds.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `coroutine-lens-${version}.vsix`);
const started = Date.now();
// --no-dependencies: everything the extension runs is bundled into dist/ by esbuild.
execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--out', vsix], { cwd: root, stdio: 'inherit' });
const sizeMiB = statSync(vsix).size / 1024 / 1024;
console.log(`[package] ${vsix.split('/').pop()}: ${sizeMiB.toFixed(2)} MiB, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

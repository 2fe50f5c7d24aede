// Bundles the four entry points into dist/ and copies the run-time assets beside them:
// the tree-sitter WASM files (the engine loads them from its own folder) and the Python agent
// package (the adapter starts it from dist/python). Usage:
//   node esbuild.mjs [--watch] [--production] [entry…]   entry ∈ extension server debugAdapter cli
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const watch = args.includes('--watch');
const production = args.includes('--production');
const wanted = args.filter((a) => !a.startsWith('--'));

const entries = {
  extension: { entryPoints: { extension: 'client/src/extension.ts' }, external: ['vscode'] },
  server: { entryPoints: { server: 'server/src/server.ts' } },
  debugAdapter: { entryPoints: { debugAdapter: 'debug-adapter/src/debugAdapter.ts' } },
  cli: { entryPoints: { cli: 'server/src/cli.ts' }, banner: { js: '#!/usr/bin/env node' } },
};

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  cpSync('node_modules/web-tree-sitter/web-tree-sitter.wasm', 'dist/web-tree-sitter.wasm');
  cpSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/tree-sitter-python.wasm');
  const agentSource = 'debug-adapter/python/coroutine_lens_agent';
  const agentTarget = 'dist/python/coroutine_lens_agent';
  rmSync(agentTarget, { recursive: true, force: true });
  mkdirSync(agentTarget, { recursive: true });
  for (const name of readdirSync(agentSource)) {
    if (name.endsWith('.py')) cpSync(join(agentSource, name), join(agentTarget, name));
  }
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist',
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  // web-tree-sitter's ESM build reads import.meta.url, which a CommonJS bundle does not have: use its CJS build.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
};

copyAssets();
const selected = wanted.length ? wanted : Object.keys(entries);
for (const name of selected) {
  if (!entries[name]) {
    console.error(`esbuild.mjs: unknown entry '${name}' (known: ${Object.keys(entries).join(', ')})`);
    process.exit(2);
  }
}
const contexts = await Promise.all(selected.map((name) => esbuild.context({ ...common, ...entries[name] })));
if (watch) {
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
}

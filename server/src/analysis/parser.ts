/**
 * Loads web-tree-sitter and the Python grammar once per process. Each WASM file is looked up in
 * `wasmDir` first (the bundles copy both beside themselves), then in its npm package (tests and
 * the unbundled build run straight from node_modules).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
// Compiled to `require`, this resolves to the package's CommonJS build (esbuild.mjs aliases the bundles
// to it too): its WASM loader works in CommonJS, where the ES build's `import.meta.url` does not exist.
import * as TreeSitter from 'web-tree-sitter';

type Language = TreeSitter.Language;
type Parser = TreeSitter.Parser;
const { Language, Parser } = TreeSitter;
export const Edit = TreeSitter.Edit;
export const Query = TreeSitter.Query;
export type Query = TreeSitter.Query;
export type Edit = TreeSitter.Edit;

const PACKAGED: Record<string, string> = {
  'web-tree-sitter.wasm': 'web-tree-sitter/web-tree-sitter.wasm',
  'tree-sitter-python.wasm': 'tree-sitter-python/tree-sitter-python.wasm',
};

function locate(wasmDir: string, name: string): string {
  const beside = path.join(wasmDir, name);
  if (existsSync(beside) || !PACKAGED[name]) return beside;
  try {
    return require.resolve(PACKAGED[name]);
  } catch {
    return beside; // let the loader report the missing file by its expected path
  }
}

let loading: Promise<Language> | undefined;

export function loadPython(wasmDir: string): Promise<Language> {
  loading ??= (async () => {
    await Parser.init({ locateFile: (name: string) => locate(wasmDir, name) });
    return Language.load(locate(wasmDir, 'tree-sitter-python.wasm'));
  })();
  return loading;
}

export async function createParser(wasmDir: string): Promise<Parser> {
  const language = await loadPython(wasmDir);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

/** Loads web-tree-sitter and the Python grammar once per process from `wasmDir`. */
import * as path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

let loading: Promise<Language> | undefined;

export function loadPython(wasmDir: string): Promise<Language> {
  loading ??= (async () => {
    await Parser.init({ locateFile: (name: string) => path.join(wasmDir, name) });
    return Language.load(path.join(wasmDir, 'tree-sitter-python.wasm'));
  })();
  return loading;
}

export async function createParser(wasmDir: string): Promise<Parser> {
  const language = await loadPython(wasmDir);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

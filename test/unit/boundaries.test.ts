import * as assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

// The import boundaries of ARCHITECTURE.md, as the lint configuration enforces them.
const root = resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, relativePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('keeps the engine free of vscode and LSP packages', async () => {
    assert.equal((await restrictedImports('server/src/analysis/probe.ts', "import 'vscode-languageserver/node';\n")).length, 1);
    assert.equal((await restrictedImports('server/src/analysis/probe.ts', "import 'vscode';\n")).length, 1);
    assert.deepEqual(await restrictedImports('server/src/analysis/probe.ts', "import 'node:fs';\n"), []);
  });

  it('keeps vscode out of the server and the adapter', async () => {
    assert.equal((await restrictedImports('server/src/lsp/probe.ts', "import 'vscode';\n")).length, 1);
    assert.equal((await restrictedImports('debug-adapter/src/probe.ts', "import 'vscode';\n")).length, 1);
    assert.deepEqual(await restrictedImports('server/src/lsp/probe.ts', "import 'vscode-languageserver/node';\n"), []);
  });

  it('lets the client import only protocol types from the server and the adapter', async () => {
    assert.equal((await restrictedImports('client/src/probe.ts', "import { AnalysisEngine } from '../../server/src/analysis';\nexport const e = AnalysisEngine;\n")).length, 1);
    assert.deepEqual(await restrictedImports('client/src/probe.ts', "import type { FileResult } from '../../server/src/analysis';\nexport type R = FileResult;\n"), []);
    assert.deepEqual(await restrictedImports('client/src/probe.ts', "import { STATUS_NOTIFICATION } from '../../server/src/protocol';\nexport const s = STATUS_NOTIFICATION;\n"), []);
  });
});

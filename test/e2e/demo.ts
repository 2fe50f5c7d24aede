/**
 * `npm run demo`: opens examples/ in a real VS Code (code-server on 127.0.0.1) with the packaged
 * VSIX installed, prints the URL, and stops cleanly on Ctrl-C.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCodeServer } from './launchers/codeServerProcess';
import { testPython } from './support/python';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..', '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const runDir = join(root, '.cache', 'demo');
  mkdirSync(runDir, { recursive: true });
  const port = Number(process.env.PORT ?? 8080);
  const server = await startCodeServer({
    root,
    runDir,
    vsix: join(root, `coroutine-lens-${version}.vsix`),
    logFile: join(runDir, 'code-server.log'),
    port,
    settings: { 'coroutineLens.python': await testPython(root) },
  });
  const url = `${server.url}/?folder=${encodeURIComponent(join(root, 'examples'))}`;
  console.log(`\nCoroutine Lens demo (code-server ${server.version})\n\n  Open ${url}\n\nPress Ctrl-C to stop.`);
  const stop = () => {
    console.log('\nstopping code-server');
    server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise(() => undefined);
}

main().catch((error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

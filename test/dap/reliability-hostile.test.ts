/**
 * The launch token stays secret: it reaches the agent through the environment only, never a command
 * line another user can read (/proc/PID/cmdline), the program's environment, or the trace log.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { withSession } from '../support/dapSession';
import { SoakWorkspace, lineOf } from '../support/reliabilitySoak';

test('launch token: not in any command line, not left to the program, not in the trace log', async () => {
  const ws = new SoakWorkspace();
  const traceDir = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-trace-'));
  const trace = path.join(traceDir, 'trace.log');
  try {
    await withSession(async (session) => {
      const program = ws.launchProgram;
      const half = lineOf(readFileSync(program, 'utf8'), 'half');
      await session.run({ program, args: ['10'], trace, console: 'internalConsole' }, [{ file: program, breakpoints: [{ line: half }] }]);
      const { frame } = await session.stopped('breakpoint');
      const pid = session.debuggeePid as number;
      // The environment block the process started with still holds it (readable by the same user only).
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const token = environ.find((v) => v.startsWith('COROUTINE_LENS_TOKEN='))?.split('=')[1];
      assert.ok(token && token.length >= 32, 'the launch token travels in the environment');
      for (const who of [pid, session.adapterPid]) {
        assert.ok(!readFileSync(`/proc/${who}/cmdline`, 'utf8').includes(token), `token in the command line of ${who}`);
      }
      const seen = await session.client.evaluateRequest({ expression: "__import__('os').environ.get('COROUTINE_LENS_TOKEN', 'absent')", frameId: frame.id, context: 'repl' });
      assert.equal(seen.body.result, "'absent'", 'the program must not see the token');
      await session.client.continueRequest({ threadId: 0 });
      await session.terminated();
      assert.ok(existsSync(trace), 'the trace was written');
      const log = readFileSync(trace, 'utf8');
      assert.match(log, /hello/, 'the trace holds the handshake');
      assert.ok(!log.includes(token), 'the token is written to the trace log');
      assert.ok(!session.output.some((e) => e.body.output.includes(token)), 'the token reached the debug console');
    });
  } finally {
    rmSync(traceDir, { recursive: true, force: true });
    ws.dispose();
  }
});

/**
 * How sessions end, and that every ending leaves nothing behind: terminate, disconnect while
 * paused, restart, a debuggee that dies while paused, the adapter being killed, attach with the
 * right and a wrong token.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  DapSession,
  REPO_ROOT,
  assertProcessGone,
  fixture,
  listeningPorts,
  markedLine,
  processExists,
  testPython,
  waitUntil,
  withSession,
} from '../support/dapSession';

const tasksProgram = fixture('tasks.py');

test('terminate while running ends the program: exited, terminated, process gone', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram });
    await session.waitForStdout('ready');
    const pid = session.debuggeePid;
    assert.ok(pid && processExists(pid));
    await session.client.terminateRequest();
    await session.terminated();
    await assertProcessGone(pid);
  }));

test('disconnect while paused ends a launched program', async () => {
  const session = new DapSession();
  await session.start();
  await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
  await session.stopped('breakpoint');
  // end() disconnects (terminateDebuggee defaults to true for a launch) and checks that nothing is left.
  await session.end();
});

test('restart starts a new process that stops at the same breakpoint', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
    await session.stopped('breakpoint');
    const firstPid = session.debuggeePid as number;
    await session.client.restartRequest({});
    const { frame } = await session.stopped('breakpoint');
    assert.equal(frame.line, markedLine(tasksProgram, 'ready'));
    assert.notEqual(session.debuggeePid, firstPid);
    await assertProcessGone(firstPid);
    assert.equal(session.events.filter((e) => e.event === 'terminated').length, 0, 'a restart does not end the session');
    await session.client.terminateRequest();
  }));

test('a debuggee that dies while paused: the user is told, the session ends, requests fail cleanly', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
    const { event } = await session.stopped('breakpoint');
    process.kill(session.debuggeePid as number, 'SIGKILL');
    const exited = await session.terminated();
    assert.equal(exited?.body.exitCode, 128 + 9, 'killed by signal 9');
    const notice = session.output.find((e) => e.body.category === 'important');
    assert.match(notice?.body.output ?? '', /The program was ended by SIGKILL while it was paused/);
    await assert.rejects(session.client.stackTraceRequest({ threadId: event.body.threadId as number }), /not running/);
  }));

test('a killed adapter takes the launched program with it', async () => {
  const session = new DapSession();
  await session.start();
  await session.run({ program: tasksProgram });
  await session.waitForStdout('ready');
  const pid = session.debuggeePid as number;
  const adapterPid = session.adapterPid;
  process.kill(adapterPid, 'SIGKILL');
  // The agent notices its socket closing and ends the program (group) itself.
  await assertProcessGone(pid);
  session.abandon();
  await waitUntil(() => !processExists(adapterPid), 5_000, 'the adapter is gone');
});

// ---------------------------------------------------------------------------------------------
// Attach

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `python -m coroutine_lens_agent --listen` on the agent copy in dist/, token in a file. */
async function listeningProgram(): Promise<{ child: ChildProcess; port: number; tokenFile: string; dispose(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-attach-'));
  const tokenFile = path.join(dir, 'token');
  const child = spawn(
    await testPython(),
    ['-m', 'coroutine_lens_agent', '--listen', `127.0.0.1:${port}`, '--token-file', tokenFile, '--wait-for-client', fixture('wait_for_attach.py')],
    { env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'dist', 'python') }, stdio: 'ignore', detached: true },
  );
  // Ready once it listens (probing with a connection would occupy the agent's handshake).
  await waitUntil(() => listeningPorts(child.pid as number).includes(port), 10_000, 'the agent listens');
  return {
    child,
    port,
    tokenFile,
    dispose: () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('attach with the token file: breakpoints work; disconnect leaves the program running', async () => {
  const program = await listeningProgram();
  try {
    await withSession(async (session) => {
      await session.initialize();
      await session.client.attachRequest({ port: program.port, tokenFile: program.tokenFile } as DebugProtocol.AttachRequestArguments);
      await session.nextEvent('initialized');
      const target = fixture('wait_for_attach.py');
      await session.setBreakpoints(target, [{ line: markedLine(target, 'beat') }]);
      await session.client.configurationDoneRequest();
      const { frame } = await session.stopped('breakpoint');
      assert.equal(frame.line, markedLine(target, 'beat'));
      assert.equal(session.debuggeePid, program.child.pid);
      await session.setBreakpoints(target, []);
      await session.client.continueRequest({ threadId: 0 });
      await session.client.disconnectRequest({});
      session.debuggeePid = undefined; // attached: the program is meant to keep running
    });
    assert.ok(processExists(program.child.pid as number), 'detaching does not end an attached program');
  } finally {
    program.dispose();
  }
});

test('attach with a wrong token is refused with a message that says so', async () => {
  const program = await listeningProgram();
  try {
    await withSession(async (session) => {
      await session.initialize();
      await assert.rejects(
        session.client.attachRequest({ port: program.port, token: 'not-the-token' } as DebugProtocol.AttachRequestArguments),
        /Cannot attach: the agent at 127\.0\.0\.1:\d+ closed the connection during the handshake: the token does not match/,
      );
    });
    assert.ok(processExists(program.child.pid as number), 'a refused adapter does not disturb the program');
  } finally {
    program.dispose();
  }
});

test('a session ends cleanly when the test disconnected itself and the adapter has exited already', () =>
  // end() disconnects again; that request is never answered (it failed with an uncaught EPIPE, or
  // waited forever), so end() also stops waiting when the adapter exits.
  withSession(async (session) => {
    await session.initialize();
    await session.client.disconnectRequest({});
    const adapterPid = session.adapterPid;
    await waitUntil(() => !processExists(adapterPid), 5_000, 'the adapter exited after the disconnect');
  }));

/**
 * Launch and attach failures a user can act on: each one is an error response with a message that
 * says what to fix (shown to the user), never a hang — and nothing is left running afterwards.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as net from 'node:net';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapSession, fixture, markedLine, testPython, withSession } from '../support/dapSession';

/** Sends `command` and expects it to fail with a message shown to the user; returns the message. */
async function failedRequest(session: DapSession, command: 'launch' | 'attach', args: Record<string, unknown>): Promise<string> {
  await session.initialize();
  // DebugClient's launchRequest rejects with the message only; the raw response also says showUser.
  const client = session.client as unknown as { doSend(command: string, args: unknown, callback: (response: DebugProtocol.Response) => void): void };
  const response = await new Promise<DebugProtocol.Response>((resolve) => client.doSend(command, args, resolve));
  assert.equal(response.success, false, `${command} should fail: ${JSON.stringify(response)}`);
  assert.equal((response as DebugProtocol.ErrorResponse).body.error?.showUser, true, 'the message is shown to the user');
  assert.ok(response.message, 'the error has a message');
  // A failed start leaves nothing running, even before the client disconnects.
  await session.assertNothingRunning();
  return response.message;
}

const failedLaunch = (session: DapSession, args: Record<string, unknown>): Promise<string> => failedRequest(session, 'launch', args);

/** An interpreter older than 3.9 on this machine (pyenv folders or PATH), if there is one. */
function olderPython(): string | undefined {
  const candidates: string[] = [];
  const versions = path.join(process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv'), 'versions');
  if (existsSync(versions)) for (const name of readdirSync(versions)) candidates.push(path.join(versions, name, 'bin', 'python'));
  candidates.push('python3.8', 'python3.7', 'python2.7', 'python2');
  for (const candidate of candidates) {
    try {
      const out = execFileSync(candidate, ['-c', 'import sys; print("%d %d" % sys.version_info[:2])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const [major, minor] = out.trim().split(' ').map(Number);
      if (major < 3 || (major === 3 && minor < 9)) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

test('a Python that does not exist is named, with where to set another', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, { program: fixture('hello.py'), python: '/nonexistent/bin/python3' });
    assert.match(message, /Python was not found: '\/nonexistent\/bin\/python3'/);
    assert.match(message, /"python"/);
  }));

const older = olderPython();
test('a Python older than 3.9 is refused with its version', { skip: older ? false : 'no Python older than 3.9 on this machine' }, () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, { program: fixture('hello.py'), python: older });
    assert.match(message, /needs Python 3\.9 or newer; .* is Python [23]\.\d+\.\d+/);
  }));

test('a program that does not exist is named', () =>
  withSession(async (session) => {
    const missing = fixture('no_such_program.py');
    const message = await failedLaunch(session, { program: missing, python: await testPython() });
    assert.ok(message.includes(`The program to debug does not exist: ${missing}`), message);
  }));

test('a module that cannot be found is named', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, { module: 'no_such_module_here', cwd: fixture('.'), python: await testPython() });
    assert.match(message, /module to debug was not found: 'no_such_module_here'/);
  }));

test("the program's own syntax error is reported with its line", () =>
  withSession(async (session) => {
    const program = fixture('syntax_error.py');
    const message = await failedLaunch(session, { program, python: await testPython() });
    assert.match(message, /syntax error/i);
    assert.ok(message.includes(program), message);
    // CPython reports an unclosed bracket at the line that opens it or at the end of the file.
    const line = Number(/line (\d+)/.exec(message)?.[1]);
    assert.ok(line >= markedLine(program, 'syntax'), message);
  }));

test('neither program nor module: the configuration error says what to set', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, { python: await testPython() });
    assert.match(message, /set "program".*or "module"/);
  }));

test('an unreadable envFile is named', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, { program: fixture('hello.py'), envFile: fixture('missing.env'), python: await testPython() });
    assert.match(message, /"envFile" cannot be read: .*missing\.env \(ENOENT\)/);
  }));

test('an agent that does not connect in time: the reason, and the stuck process is ended', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, {
      program: fixture('hello.py'),
      python: await testPython(),
      env: { PYTHONPATH: fixture('hang_on_start') },
      agentConnectTimeoutMs: 1_500,
    });
    assert.match(message, /agent did not connect \(Python [\d.]+, .*\): the agent did not connect within 1\.5 s/);
  }));

test('a debuggee that dies before its agent connects: exit code and stderr in the message', () =>
  withSession(async (session) => {
    const message = await failedLaunch(session, {
      program: fixture('hello.py'),
      python: await testPython(),
      env: { PYTHONPATH: fixture('exit_on_start') },
    });
    assert.match(message, /exited with code 7 before its agent connected/);
    assert.match(message, /sitecustomize: refusing to start \(test\)/);
  }));

test('attach to a port where nothing listens says how to start the agent', () =>
  withSession(async (session) => {
    // A port that was free a moment ago.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const message = await failedRequest(session, 'attach', { port, token: 'x' });
    assert.match(message, /nothing is listening at 127\.0\.0\.1:\d+; start the program with `python -m coroutine_lens_agent --listen/);
  }));

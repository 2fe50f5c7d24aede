/**
 * The session run inline, as the extension host runs it (`new CoroutineLensSession()`, messages
 * through handleMessage / onDidSendMessage): stopping it while the program is still starting ends
 * the launch at once and leaves no process behind — there is no adapter process whose exit would.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CoroutineLensSession } from '../../debug-adapter/src/session';
import { childProcesses, fixture, testPython, waitUntil } from '../support/dapSession';

test('inline: disconnect while the agent has not connected yet fails the launch at once and ends the program', async () => {
  const session = new CoroutineLensSession();
  const sent: DebugProtocol.ProtocolMessage[] = [];
  session.onDidSendMessage((message) => sent.push(message as DebugProtocol.ProtocolMessage));
  const response = (seq: number) => sent.find((m) => m.type === 'response' && (m as DebugProtocol.Response).request_seq === seq) as DebugProtocol.Response | undefined;
  session.handleMessage({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'coroutine-lens' } } as DebugProtocol.Request);
  session.handleMessage({
    seq: 2,
    type: 'request',
    command: 'launch',
    arguments: { program: fixture('hello.py'), python: await testPython(), env: { PYTHONPATH: fixture('hang_on_start') }, agentConnectTimeoutMs: 60_000 },
  } as DebugProtocol.Request);
  await waitUntil(() => childProcesses(process.pid).length > 0, 10_000, 'the program has started');
  const started = Date.now();
  session.handleMessage({ seq: 3, type: 'request', command: 'disconnect', arguments: {} } as DebugProtocol.Request);
  await waitUntil(() => response(2) !== undefined, 5_000, 'the launch is answered');
  assert.ok(Date.now() - started < 3_000, 'at once, not at the 60 s connect timeout');
  assert.equal(response(2)?.success, false);
  assert.match(response(2)?.message ?? '', /stopped while the program was starting/);
  await waitUntil(() => response(3)?.success === true, 5_000, 'disconnect is answered');
  await waitUntil(() => childProcesses(process.pid).length === 0, 5_000, 'the program is gone');
});

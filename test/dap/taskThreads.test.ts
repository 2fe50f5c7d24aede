/** Threads through DAP: names of task pseudo-threads, and `thread` events for real ones. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { threadName } from '../../debug-adapter/src/taskThreads';
import { REPO_ROOT, markedLine, withSession } from '../support/dapSession';

test('a sleeping task shows the time left; other waits their description; a long one its kind', () => {
  const task = (awaiting: object, state = 'suspended', kind = 'task') => ({ id: 7, name: 'fallback', task: { name: 'fetch_user', kind, state, awaiting } }) as never;
  assert.equal(threadName(task({ kind: 'sleep', description: 'asyncio.sleep(30)', remainingMs: 2_060 })), "Task 'fetch_user' (awaiting sleep 2.1 s)");
  assert.equal(threadName(task({ kind: 'event', description: 'Event.wait()' })), "Task 'fetch_user' (awaiting Event.wait())");
  assert.equal(threadName(task({ kind: 'gather', description: 'x'.repeat(200) })), "Task 'fetch_user' (awaiting gather)");
  assert.equal(threadName(task({ kind: 'future', description: 'Future' }, 'suspended', 'gen-coroutine')), "@gen.coroutine 'fetch_user' (awaiting Future)");
  assert.equal(threadName(task(undefined as never, 'running')), "Task 'fetch_user' (running)");
});

test('a thread without task details keeps the name the agent gave it', () => {
  assert.equal(threadName({ id: 1, name: 'MainThread' }), 'MainThread');
});

test('each Python thread that starts and ends is announced with thread events', () =>
  withSession(async (session) => {
    const program = path.join(REPO_ROOT, 'debug-adapter', 'python', 'tests', 'programs', 'thread_life.py');
    await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'CHECKPOINT') }] }]);
    await session.stopped('breakpoint');
    const events = session.events.filter((e): e is DebugProtocol.ThreadEvent => e.event === 'thread').map((e): [string, number] => [e.body.reason, e.body.threadId]);
    const started = events.filter(([reason]) => reason === 'started').map(([, id]) => id);
    assert.equal(started.length, 2, JSON.stringify(events));
    assert.deepEqual(events, [['started', started[0]], ['exited', started[0]], ['started', started[1]], ['exited', started[1]]]);
    const threads = (await session.client.threadsRequest()).body.threads.map((t) => t.id);
    for (const id of started) assert.ok(!threads.includes(id), `thread ${id} ended and is not listed: ${threads.join(', ')}`);
    await session.client.terminateRequest();
  }));

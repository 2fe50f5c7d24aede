/** Names of task pseudo-threads, from what the agent reports about each task. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { threadName } from '../../debug-adapter/src/taskThreads';

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

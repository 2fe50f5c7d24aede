/**
 * Short debugger soak (the long one is `npm run soak`): launch cycles, attach/detach cycles and
 * sessions ended abruptly, each followed by the leak checks of reliabilitySoak.ts.
 */
import * as assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ABRUPT_ENDS, ListeningProgram, SoakWorkspace, abruptCycle, attachCycle, finishAttachedProgram, launchCycle } from '../support/reliabilitySoak';

const ws = new SoakWorkspace();
after(() => ws.dispose());

test('10 launch → breakpoint → coroutineTree → continue/terminate cycles leave nothing behind, output complete', async () => {
  for (let i = 0; i < 10; i++) await launchCycle(ws, i);
  assert.deepEqual(ws.counts.leaks, []);
  assert.equal(ws.counts.launchCycles, 10);
});

test('5 attach/detach cycles on one program: it runs on undisturbed and ends with all its output', async () => {
  const program = await ListeningProgram.start(ws);
  try {
    for (let i = 0; i < 5; i++) await attachCycle(ws, program, i);
    await finishAttachedProgram(ws, program);
  } finally {
    if (program.child.exitCode === null) program.child.kill('SIGKILL');
  }
  assert.deepEqual(ws.counts.leaks, []);
});

for (const how of ABRUPT_ENDS) {
  test(`sessions ended abruptly (${how}) leave no process, socket or temp file`, async () => {
    for (let i = 0; i < 2; i++) await abruptCycle(ws, how, i);
    assert.deepEqual(ws.counts.leaks, []);
  });
}

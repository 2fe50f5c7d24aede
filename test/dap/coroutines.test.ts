/**
 * The coroutine features through DAP: `coroutineTree` (paused and while running; a Tornado
 * @gen.coroutine chain; a loop in a second thread), tasks as threads with the locals of a suspended
 * coroutine, `cancelTask`, `taskCreationStack`, and the `blockedLoop` event naming the blocking line.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { expandCoroutineTree, type CompactCoroutineTree, type CoroutineTask, type CoroutineTree, type SourceFrame } from '../../debug-adapter/src/agentProtocol';
import { fixture, markedLine, withSession, type DapSession } from '../support/dapSession';

async function tree(session: DapSession): Promise<CoroutineTree> {
  return (await session.client.customRequest('coroutineTree')).body as CoroutineTree;
}

function allTasks(snapshot: CoroutineTree): CoroutineTask[] {
  return snapshot.loops.flatMap((loop) => loop.tasks);
}

/** The innermost frame in `file`: the tree also lists library frames such as asyncio.sleep. */
function frameIn(task: CoroutineTask, file: string): SourceFrame | undefined {
  return task.frames.find((frame) => frame.path === file);
}

const tasksProgram = fixture('tasks.py');

test('coroutineTree while running (not paused): each task, where it waits and on what', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram });
    await session.waitForStdout('ready');
    const snapshot = await tree(session);
    assert.equal(session.events.filter((e) => e.event === 'stopped').length, 0, 'the program was never paused');
    assert.ok(snapshot.capturedAt > Date.now() - 60_000);
    const fetchers = allTasks(snapshot).filter((t) => t.name === 'fetch_user');
    assert.equal(fetchers.length, 3);
    for (const task of fetchers) {
      assert.equal(task.kind, 'task');
      assert.equal(task.state, 'suspended');
      assert.equal(frameIn(task, tasksProgram)?.name, 'fetch_user');
      assert.equal(frameIn(task, tasksProgram)?.line, markedLine(tasksProgram, 'fetch_sleep'));
      assert.equal(task.awaiting?.kind, 'sleep');
      assert.ok((task.awaiting?.remainingMs ?? 0) > 20_000, JSON.stringify(task.awaiting));
    }
    const main = allTasks(snapshot).find((t) => t.frames.some((f) => f.name === 'main'));
    assert.ok(main, 'the main task is in the tree');
    assert.equal(main.awaiting?.kind, 'wait');
    for (const task of fetchers) assert.ok(task.awaitedBy.includes(main.id), 'main waits on every fetcher');
    await session.client.terminateRequest();
  }));

/** Stops at 'ready' and returns the threads of the three fetch_user tasks, found through the tree. */
async function fetchUserThreads(session: DapSession): Promise<DebugProtocol.Thread[]> {
  await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
  await session.stopped('breakpoint');
  const threads = (await session.client.threadsRequest()).body.threads;
  const ids = allTasks(await tree(session))
    .filter((t) => t.name === 'fetch_user')
    .map((t) => t.threadId);
  assert.equal(ids.length, 3);
  const taskThreads = threads.filter((t) => ids.includes(t.id));
  assert.equal(taskThreads.length, 3, `the tree's thread ids ${ids.join(', ')} are threads: ${threads.map((t) => `${t.id} ${t.name}`).join(' | ')}`);
  return taskThreads;
}

/** What stays the same between two captures of a paused program (times move on). */
function shapeOf(snapshot: CoroutineTree): unknown {
  return snapshot.loops.map((loop) => ({
    ...loop,
    tasks: loop.tasks.map(({ id, name, kind, state, frames, awaitedBy, awaiting, threadId }) => ({
      id, name, kind, state, frames, awaitedBy, threadId, awaits: awaiting && [awaiting.kind, awaiting.taskIds],
    })),
  }));
}

test("coroutineTree format 'compact' is the same tree in the wire shape; maxTasks caps it; bad arguments are refused", () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
    await session.stopped('breakpoint');
    const full = await tree(session);
    const compact = (await session.client.customRequest('coroutineTree', { format: 'compact' })).body as CompactCoroutineTree;
    assert.ok(Array.isArray(compact.strings) && Array.isArray(compact.frames) && Array.isArray(compact.loops[0]?.tasks[0]));
    assert.deepEqual(shapeOf(expandCoroutineTree(compact)), shapeOf(full));
    const total = allTasks(full).length;
    const capped = (await session.client.customRequest('coroutineTree', { maxTasks: 2 })).body as CoroutineTree;
    assert.deepEqual(capped.truncated, { shown: 2, total });
    assert.deepEqual(allTasks(capped).map((t) => t.id), allTasks(full).slice(0, 2).map((t) => t.id));
    await assert.rejects(session.client.customRequest('coroutineTree', { maxTasks: -1 }), /maxTasks must be a whole number >= 0/);
    await assert.rejects(session.client.customRequest('coroutineTree', { format: 'tiny' }), /format must be 'compact' or 'full'/);
    await session.client.terminateRequest();
  }));

test('tasks as threads: the stack and locals of each suspended coroutine; ids stable while the task lives', () =>
  withSession(async (session) => {
    const taskThreads = await fetchUserThreads(session);
    const tokens = new Set<string>();
    for (const thread of taskThreads) {
      const stack = await session.client.stackTraceRequest({ threadId: thread.id });
      const top = stack.body.stackFrames.find((f) => f.source?.path === tasksProgram);
      assert.equal(top?.name, 'fetch_user');
      assert.equal(top.line, markedLine(tasksProgram, 'fetch_sleep'));
      const token = (await session.locals(top.id)).get('token')?.value;
      assert.ok(token, 'the suspended coroutine has its local');
      tokens.add(token);
    }
    assert.deepEqual([...tokens].sort(), ["'u0'", "'u1'", "'u2'"]);
    const again = (await session.client.threadsRequest()).body.threads.map((t) => t.id);
    for (const thread of taskThreads) assert.ok(again.includes(thread.id), 'the same ids on the next threads request');
    await session.client.terminateRequest();
  }));

test("task threads are named for what they wait on: Task 'fetch_user' (awaiting sleep 29.9 s)", () =>
  withSession(async (session) => {
    for (const thread of await fetchUserThreads(session)) assert.match(thread.name, /^Task 'fetch_user' \(awaiting sleep \d+\.\d s\)$/);
    await session.client.terminateRequest();
  }));

test('coroutineTreeChanged reaches the client, with invalidated(threads) when tasks are threads', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram });
    await session.waitForStdout('ready');
    await session.nextEvent('coroutineTreeChanged', 5_000);
    const invalidated = await session.nextEvent<DebugProtocol.InvalidatedEvent>('invalidated', 5_000);
    assert.deepEqual(invalidated.body.areas, ['threads']);
    await session.client.terminateRequest();
  }));

test('cancelling a task while paused invalidates the threads and announces a changed tree', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram }, [{ file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] }]);
    await session.stopped('breakpoint');
    const victim = allTasks(await tree(session)).find((t) => t.name === 'fetch_user');
    assert.ok(victim);
    const before = session.events.filter((e) => e.event === 'invalidated').length;
    await session.client.customRequest('cancelTask', { taskId: victim.id });
    const invalidated = await session.nextEvent<DebugProtocol.InvalidatedEvent>('invalidated', 5_000);
    assert.ok(session.events.filter((e) => e.event === 'invalidated').length > before);
    assert.deepEqual(invalidated.body.areas, ['threads']);
    assert.ok(session.events.some((e) => e.event === 'coroutineTreeChanged'));
    await session.client.terminateRequest();
  }));

test('task threads are capped at 256, with a thread that says how many more exist', () =>
  withSession(async (session) => {
    await session.run({ program: fixture('many_tasks.py'), args: ['300'] });
    await session.waitForStdout('ready 300');
    await session.client.pauseRequest({ threadId: 0 });
    await session.stopped('pause');
    const threads = (await session.client.threadsRequest()).body.threads;
    const note = threads.find((t) => /more tasks not shown/.test(t.name));
    assert.ok(note, threads.slice(-3).map((t) => t.name).join(' | '));
    // 300 waiters, the ticker and main itself: 302 tasks, 256 shown.
    assert.match(note.name, /46 more tasks not shown/);
    assert.equal(threads.length - 2, 256, 'the real thread, 256 task threads and the note');
    await session.client.terminateRequest();
  }));

test('showTasksAsThreads: false shows only real threads', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram, showTasksAsThreads: false }, [
      { file: tasksProgram, breakpoints: [{ line: markedLine(tasksProgram, 'ready') }] },
    ]);
    await session.stopped('breakpoint');
    const threads = (await session.client.threadsRequest()).body.threads;
    assert.ok(threads.length >= 1);
    assert.ok(!threads.some((t) => t.name.startsWith('Task ')), threads.map((t) => t.name).join(' | '));
    await session.client.terminateRequest();
  }));

test('cancelTask cancels a task; taskCreationStack names the line that created it', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram, args: ['3'], taskCreationStacks: true });
    await session.waitForStdout('ready');
    const victim = allTasks(await tree(session)).find((t) => t.name === 'fetch_user');
    assert.ok(victim);
    const created = (await session.client.customRequest('taskCreationStack', { taskId: victim.id })).body as { frames: SourceFrame[] };
    assert.ok(
      created.frames.some((f) => f.path === tasksProgram && f.line === markedLine(tasksProgram, 'create')),
      JSON.stringify(created.frames),
    );
    const cancelled = (await session.client.customRequest('cancelTask', { taskId: victim.id })).body as { cancelled: boolean };
    assert.equal(cancelled.cancelled, true);
    await session.terminated(10_000);
    assert.match(session.stdout(), /cancelled 1/);
    await assert.rejects(session.client.customRequest('cancelTask', {}), /needs a taskId/);
  }));

test('task creation stacks are off by default; setTaskCreationStacks turns them on for the tasks created from then on', () =>
  withSession(async (session) => {
    await session.run({ program: tasksProgram });
    await session.waitForStdout('ready');
    const before = await tree(session);
    assert.match(before.creationNotRecorded ?? '', /task creation stacks are off/);
    const fetcher = allTasks(before).find((t) => t.name === 'fetch_user');
    assert.ok(fetcher, 'the tree is there as ever');
    await assert.rejects(session.client.customRequest('taskCreationStack', { taskId: fetcher.id }), /was not recorded \(task creation stacks are off/);

    const changed = session.client.waitForEvent('coroutineTreeChanged');
    await session.client.customRequest('setTaskCreationStacks', { enabled: true });
    await changed;
    const after = await tree(session);
    assert.equal(after.creationNotRecorded, undefined);
    // Made before recording was on: still no record, and the answer says why.
    await assert.rejects(session.client.customRequest('taskCreationStack', { taskId: fetcher.id }), /while task creation stacks were off/);
    await assert.rejects(session.client.customRequest('setTaskCreationStacks', { enabled: 'yes' }), /needs enabled \(true or false\)/);
    await session.client.terminateRequest();
  }));

test('coroutineTree shows a Tornado @gen.coroutine chain linked to the coroutine awaiting it', () =>
  withSession(async (session) => {
    const program = fixture('gen_chain.py');
    await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'ready') }] }]);
    await session.stopped('breakpoint');
    const tasks = allTasks(await tree(session));
    const outer = tasks.find((t) => t.kind === 'gen-coroutine' && t.name.includes('outer'));
    const inner = tasks.find((t) => t.kind === 'gen-coroutine' && t.name.includes('inner'));
    assert.ok(outer && inner, JSON.stringify(tasks.map((t) => [t.kind, t.name])));
    assert.equal(frameIn(inner, program)?.line, markedLine(program, 'inner_sleep'));
    assert.equal(frameIn(outer, program)?.line, markedLine(program, 'outer_yield'));
    assert.ok(inner.awaitedBy.includes(outer.id), 'outer waits on inner');
    await session.client.terminateRequest();
  }));

test('coroutineTree covers a loop running in a second thread', () =>
  withSession(async (session) => {
    const program = fixture('two_loops.py');
    await session.run({ program });
    await session.waitForStdout('ready');
    const snapshot = await tree(session);
    assert.ok(snapshot.loops.length >= 2, JSON.stringify(snapshot.loops.map((l) => l.threadName)));
    const second = snapshot.loops.find((l) => l.threadName === 'loop-thread');
    assert.ok(second, 'the second thread has its loop');
    const job = second.tasks.find((t) => t.name === 'background_job');
    assert.ok(job);
    assert.equal(frameIn(job, program)?.line, markedLine(program, 'background_sleep'));
    const mainLoop = snapshot.loops.find((l) => l !== second);
    assert.ok(mainLoop?.tasks.some((t) => t.name === 'main_job'));
    await session.client.terminateRequest();
  }));

test('blockedLoop names the line that blocks the event loop and how long it blocked', () =>
  withSession(async (session) => {
    const program = fixture('blocking.py');
    const blocked = new Promise<DebugProtocol.Event>((resolve) => {
      session.client.on('blockedLoop', (event: DebugProtocol.Event) => {
        if ((event.body as { finished: boolean }).finished) resolve(event);
      });
    });
    await session.run({ program, blockedLoopThresholdMs: 100 });
    const event = await blocked;
    const body = event.body as { threadId: number; durationMs: number; finished: boolean; frames: SourceFrame[] };
    assert.ok(body.durationMs >= 400, `blocked ${body.durationMs} ms`);
    assert.equal(body.frames[0].path, program);
    assert.equal(body.frames[0].line, markedLine(program, 'block'));
    await session.terminated();
  }));

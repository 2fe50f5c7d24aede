import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CoroutineTask, EventLoopInfo } from '../../debug-adapter/src/agentProtocol';
import { frameLocals, localsThread, matchStackFrame, MAX_CHILDREN, variableChildren, type DapRequest } from '../../client/src/coroutines/frameLocals';
import { childrenOf, copyText, hasStructuralChildren, loopNodes, nodeLabel, type TreeNode } from '../../client/src/coroutines/treeModel';

const loop: EventLoopInfo = { id: 'l1', threadId: 1, threadName: 'MainThread', running: true, tasks: [] };

function task(partial: Partial<CoroutineTask>): CoroutineTask {
  return { id: 't1', name: 'fetch', kind: 'task', state: 'suspended', frames: [], awaitedBy: [], ...partial };
}

function frameNode(t: CoroutineTask, index = 0): Extract<TreeNode, { kind: 'frame' }> {
  const frame = t.frames[index];
  assert.ok(frame);
  return { kind: 'frame', frame, task: t, loop, index };
}

function stackFrame(id: number, name: string, path: string, line: number): DebugProtocol.StackFrame {
  return { id, name, line, column: 1, source: { name: path.split('/').pop(), path } };
}

function variable(name: string, value: string, variablesReference = 0, extra: Partial<DebugProtocol.Variable> = {}): DebugProtocol.Variable {
  return { name, value, variablesReference, ...extra };
}

/** A paused program as DAP answers it: one stack per thread, scopes per frame, children per reference. */
function program(stacks: Record<number, DebugProtocol.StackFrame[]>, scopes: Record<number, DebugProtocol.Scope[]>, children: Record<number, DebugProtocol.Variable[]>) {
  const calls: string[] = [];
  const request = (async (command: string, args: Record<string, number>) => {
    calls.push(`${command} ${JSON.stringify(args)}`);
    if (command === 'stackTrace') {
      const stack = stacks[args.threadId!];
      if (!stack) throw new Error(`no thread ${args.threadId}`);
      return { stackFrames: stack, totalFrames: stack.length };
    }
    if (command === 'scopes') return { scopes: scopes[args.frameId!] ?? [] };
    const all = children[args.variablesReference!];
    if (!all) throw new Error(`reference ${args.variablesReference} is not valid (the program has resumed since)`);
    const start = args.start ?? 0;
    return { variables: all.slice(start, args.count ? start + args.count : undefined) };
  }) as DapRequest;
  return { request, calls };
}

const fetchTask = task({
  threadId: 1000001,
  frames: [
    { name: 'sleep', path: '/usr/lib/python3.12/asyncio/tasks.py', line: 665 },
    { name: 'fetch_user', path: '/app/server.py', line: 15 },
  ],
});

describe('the locals of a task frame in the Coroutines view', () => {
  it('takes the pseudo-thread of a suspended task and the loop thread of the running one', () => {
    assert.deepEqual(localsThread(fetchTask, loop), { threadId: 1000001 });
    assert.deepEqual(localsThread(task({ state: 'running' }), loop), { threadId: 1 });
    assert.match((localsThread(task({}), loop) as { reason: string }).reason, /not offered as a thread.*taskThreadLimit/);
    assert.match((localsThread(task({ state: 'done' }), loop) as { reason: string }).reason, /the task is done/);
  });

  it('finds the frame at its position, or elsewhere in the stack when the stack has more frames', () => {
    const stack = [stackFrame(7, 'sleep', '/usr/lib/python3.12/asyncio/tasks.py', 665), stackFrame(8, 'fetch_user', '/app/server.py', 15)];
    assert.equal(matchStackFrame(stack, fetchTask.frames[1]!, 1)?.id, 8);
    const deeper = [stackFrame(3, 'helper', '/app/util.py', 4), ...stack];
    assert.equal(matchStackFrame(deeper, fetchTask.frames[1]!, 1)?.id, 8);
    assert.equal(matchStackFrame(stack, { name: 'fetch_user', path: '/app/server.py', line: 16 }, 1), undefined, 'a frame that has moved on is not matched');
    // A remote window hands sources back as URIs.
    const remote = [stackFrame(9, 'fetch_user', 'vscode-remote://127.0.0.1:8080/app/server.py', 15)];
    assert.equal(matchStackFrame(remote, fetchTask.frames[1]!, 0)?.id, 9);
    assert.equal(matchStackFrame([stackFrame(4, 'fetch_user', 'C:\\app\\server.py', 15)], { name: 'fetch_user', path: 'C:\\app\\server.py', line: 15 }, 0)?.id, 4);
  });

  it('asks stackTrace → scopes → variables on the task thread and shows the Locals scope', async () => {
    const { request, calls } = program(
      { 1000001: [stackFrame(7, 'sleep', '/usr/lib/python3.12/asyncio/tasks.py', 665), stackFrame(8, 'fetch_user', '/app/server.py', 15)] },
      { 8: [{ name: 'Locals', variablesReference: 20, expensive: false }, { name: 'Globals', variablesReference: 21, expensive: true }] },
      { 20: [variable('user_id', '2'), variable('profile', "{'name': 'ada'}", 22, { namedVariables: 1 })] },
    );
    const locals = await frameLocals(request, frameNode(fetchTask, 1));
    assert.deepEqual(locals.map(nodeLabel), ['user_id', 'profile']);
    assert.deepEqual(calls, [
      'stackTrace {"threadId":1000001}',
      'scopes {"frameId":8}',
      `variables {"variablesReference":20,"start":0,"count":${MAX_CHILDREN + 1}}`,
    ]);
    assert.equal(copyText(locals[0]!), 'user_id = 2');
  });

  it('expands a value with children and counts what it leaves out', async () => {
    const items = Array.from({ length: 250 }, (_, i) => variable(String(i), String(i * i)));
    const { request } = program({}, {}, { 30: items });
    const shown = await variableChildren(request, variable('squares', '[0, 1, 4, ...]', 30, { indexedVariables: 250 }));
    assert.equal(shown.length, MAX_CHILDREN + 1);
    assert.equal(nodeLabel(shown[MAX_CHILDREN - 1]!), String(MAX_CHILDREN - 1));
    assert.equal(nodeLabel(shown.at(-1)!), `… ${250 - MAX_CHILDREN} more not shown`);
    const unknownCount = await variableChildren(request, variable('obj', '<Thing>', 30));
    assert.equal(nodeLabel(unknownCount.at(-1)!), '… more not shown');
  });

  it('turns every failure into a note instead of an error', async () => {
    const { request } = program({ 1000001: [stackFrame(8, 'fetch_user', '/app/server.py', 99)] }, {}, {});
    assert.deepEqual((await frameLocals(request, frameNode(fetchTask, 1))).map(nodeLabel), ['no locals: the task has moved on since this tree was captured (refresh)']);
    const gone = task({ threadId: 5, frames: fetchTask.frames });
    assert.deepEqual((await frameLocals(request, frameNode(gone, 1))).map(nodeLabel), ['no locals: no thread 5']);
    assert.deepEqual((await variableChildren(request, variable('x', '[1]', 99))).map(nodeLabel), ['no children: reference 99 is not valid (the program has resumed since)']);
    const [threadless] = await frameLocals(request, frameNode(task({ frames: fetchTask.frames }), 1));
    assert.match(threadless ? nodeLabel(threadless) : '', /^no locals: this task is not offered as a thread/);
  });
});

describe('the Coroutines view model without building children', () => {
  it('knows which nodes have children, frames carry their loop and position', () => {
    const main = task({ id: 'm', name: 'main', frames: [{ name: 'main', path: '/app/server.py', line: 27 }], awaiting: { kind: 'gather', description: 'gather', taskIds: ['t1'] } });
    const tree = { capturedAt: 0, loops: [{ ...loop, tasks: [main, fetchTask] }] };
    const [loopNode] = loopNodes(tree, { hideDone: false, hideLibraryOnly: false });
    assert.ok(loopNode && hasStructuralChildren(loopNode));
    const [mainNode] = childrenOf(loopNode);
    assert.ok(mainNode && hasStructuralChildren(mainNode));
    const [awaits, frame] = childrenOf(mainNode);
    assert.ok(awaits && hasStructuralChildren(awaits));
    assert.ok(frame?.kind === 'frame' && frame.index === 0 && frame.loop.id === 'l1');
    assert.equal(copyText(frame), 'main  /app/server.py:27');
    assert.equal(hasStructuralChildren({ kind: 'task', task: task({}), loop, byId: new Map() }), false);
  });

  it('says a node has children exactly when building them gives some', () => {
    const main = task({ id: 'm', name: 'main', frames: [{ name: 'main', path: '/app/server.py', line: 27 }], awaiting: { kind: 'gather', description: 'gather', taskIds: ['t1', 'gone'] } });
    const idle = task({ id: 'i', name: 'idle', awaiting: { kind: 'event', description: 'Event.wait' }, awaitedBy: [] });
    const tree = { capturedAt: 0, loops: [{ ...loop, tasks: [main, { ...fetchTask, awaitedBy: ['m'] }, idle] }, { ...loop, id: 'l2', tasks: [] }] };
    const pending = loopNodes(tree, { hideDone: false, hideLibraryOnly: false });
    let checked = 0;
    // Every node down to depth 4 (awaits/awaited-by cycles go on forever).
    for (let depth = 0; depth < 4; depth++) {
      for (const node of pending.splice(0)) {
        const children = childrenOf(node);
        if (node.kind !== 'frame') assert.equal(hasStructuralChildren(node), children.length > 0, `${node.kind} ${nodeLabel(node)}`);
        checked++;
        pending.push(...children);
      }
    }
    assert.ok(checked > 10, `${checked} nodes checked`);
  });
});

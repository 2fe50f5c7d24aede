import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { CoroutineTask, CoroutineTree } from '../../debug-adapter/src/agentProtocol';
import { childrenOf, creationStacksRecorded, loopNodes, nodeLabel, RECORD_CREATION_STACKS, taskDescription, type TreeNode } from '../../client/src/coroutines/treeModel';
import { treeToText } from '../../client/src/coroutines/treeText';
import { requestCoroutineTree } from '../../client/src/coroutines/treeWire';
import { TreeWireError, type CompactCoroutineTree } from '../../debug-adapter/src/agentProtocol';

function task(partial: Partial<CoroutineTask> & Pick<CoroutineTask, 'id' | 'name'>): CoroutineTask {
  return { kind: 'task', state: 'suspended', frames: [], awaitedBy: [], ...partial };
}

const tree: CoroutineTree = {
  capturedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  loops: [{
    id: '1', threadId: 1, threadName: 'MainThread', running: true,
    tasks: [
      task({ id: 't1', name: 'main', frames: [{ name: 'main', path: '/app/server.py', line: 27 }], awaiting: { kind: 'gather', description: 'gather', taskIds: ['t2', 't3'] }, suspendedForMs: 2000 }),
      task({ id: 't2', name: 'fetch-0', frames: [{ name: 'sleep', path: '/usr/lib/python3.12/asyncio/tasks.py', line: 665 }, { name: 'fetch_user', path: '/app/server.py', line: 15 }], awaiting: { kind: 'sleep', description: 'sleep', remainingMs: 1900 }, awaitedBy: ['t1'] }),
      task({ id: 't3', name: 'fetch-1', state: 'done', awaitedBy: ['t1'] }),
      task({ id: 'g1', name: 'build_summary', kind: 'gen-coroutine', frames: [{ name: 'build_summary', path: '/app/app.py', line: 40 }] }),
    ],
  }],
};

describe('the Coroutines view model', () => {
  it('nests loop → task → awaits / frames / awaited by', () => {
    const [loop] = loopNodes(tree, { hideDone: false, hideLibraryOnly: false }) as [TreeNode];
    const tasks = childrenOf(loop);
    assert.deepEqual(tasks.map(nodeLabel), ["Task 'main'", "Task 'fetch-0'", "Task 'fetch-1'", '@gen.coroutine build_summary']);
    const mainChildren = childrenOf(tasks[0]!);
    assert.deepEqual(mainChildren.map(nodeLabel), ['awaits gather', 'main  server.py:27']);
    assert.deepEqual(childrenOf(mainChildren[0]!).map(nodeLabel), ["Task 'fetch-0'", "Task 'fetch-1'"]);
    const fetchChildren = childrenOf(tasks[1]!);
    assert.equal(nodeLabel(fetchChildren.at(-1)!), 'awaited by 1 task');
    assert.deepEqual(childrenOf(fetchChildren.at(-1)!).map(nodeLabel), ["Task 'main'"]);
  });

  it('describes what a task waits for and for how long', () => {
    assert.equal(taskDescription(tree.loops[0]!.tasks[1]!), 'awaiting sleep · 1.9 s left');
    assert.equal(taskDescription(tree.loops[0]!.tasks[0]!), 'awaiting gather · suspended 2.0 s');
    assert.equal(taskDescription(tree.loops[0]!.tasks[2]!), 'done');
  });

  it('filters finished tasks and tasks that run only library code', () => {
    const [loop] = loopNodes(tree, { hideDone: true, hideLibraryOnly: false }) as [TreeNode];
    assert.deepEqual(childrenOf(loop).map(nodeLabel), ["Task 'main'", "Task 'fetch-0'", '@gen.coroutine build_summary']);
    const libraryOnly: CoroutineTree = { ...tree, loops: [{ ...tree.loops[0]!, tasks: [task({ id: 'x', name: 'lib', frames: [{ name: 'sleep', path: '/x/lib/python3.12/asyncio/tasks.py', line: 1 }] })] }] };
    const [filtered] = loopNodes(libraryOnly, { hideDone: false, hideLibraryOnly: true }) as [TreeNode];
    assert.deepEqual(childrenOf(filtered), []);
  });
});

describe('whether the view offers Record or Stop Recording Task Creation Stacks', () => {
  const off: CoroutineTree = { ...tree, creationNotRecorded: 'task creation stacks are off' };
  it('follows the last tree, whatever the session started with', () => {
    assert.equal(creationStacksRecorded(tree, { request: 'launch' }), true);
    assert.equal(creationStacksRecorded(off, { request: 'launch', taskCreationStacks: true }), false);
  });
  it('before the first tree, takes what the session was launched with', () => {
    assert.equal(creationStacksRecorded(undefined, { request: 'launch', taskCreationStacks: true }), true, 'a launch that records from the start offers Stop');
    assert.equal(creationStacksRecorded(undefined, { request: 'launch' }), false, 'off by default');
    assert.equal(creationStacksRecorded(undefined, { request: 'attach', taskCreationStacks: true }), false, 'attach has no such attribute: the agent\'s flag decides, the first tree tells');
    assert.equal(creationStacksRecorded(undefined, undefined), false);
  });
});

describe('the exported text tree', () => {
  it('prints each task under its awaiter, frames first, like asyncio pstree', () => {
    assert.equal(
      treeToText(tree),
      [
        '# Coroutine Lens suspension tree, captured 2026-01-02T03:04:05.000Z',
        '',
        'Event loop on MainThread (running)',
        "├── Task 'main' [suspended] awaiting gather · suspended 2.0 s",
        '│   ├── main  /app/server.py:27',
        "│   ├── Task 'fetch-0' [suspended] awaiting sleep · 1.9 s left",
        '│   │   ├── sleep  /usr/lib/python3.12/asyncio/tasks.py:665',
        '│   │   └── fetch_user  /app/server.py:15',
        "│   └── Task 'fetch-1' [done]",
        '└── @gen.coroutine build_summary [suspended]',
        '    └── build_summary  /app/app.py:40',
        '',
      ].join('\n'),
    );
  });

  it('terminates on a deadlock cycle and still prints every task', () => {
    const cycle: CoroutineTree = {
      capturedAt: 0,
      loops: [{ id: '1', threadId: 1, threadName: 'MainThread', running: true, tasks: [
        task({ id: 'a', name: 'a', awaiting: { kind: 'task', description: "Task 'b'", taskIds: ['b'] }, awaitedBy: ['b'] }),
        task({ id: 'b', name: 'b', awaiting: { kind: 'task', description: "Task 'a'", taskIds: ['a'] }, awaitedBy: ['a'] }),
      ] }],
    };
    const text = treeToText(cycle);
    assert.match(text, /Task 'a' \[suspended\] awaiting Task 'b'/);
    assert.match(text, /Task 'b' \[suspended\] awaiting Task 'a'/);
    assert.match(text, /\(shown above: a cycle or a shared awaitee\)/);
  });
});

describe('the compact wire tree', () => {
  const fixtures = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'protocol');
  const load = (name: string): unknown => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
  const wire = (load('command-coroutineTree.json') as { response: { body: CompactCoroutineTree } }).response.body;

  it('asks the session for the compact shape and decodes it into the view model', async () => {
    const asked: unknown[] = [];
    const session = { customRequest: async (command: string, args?: unknown) => (asked.push([command, args]), wire) };
    const decoded = await requestCoroutineTree(session, 3);
    assert.deepEqual(asked, [['coroutineTree', { format: 'compact', maxTasks: 3 }]]);
    assert.deepEqual(decoded, load('tree-expanded.json'));
    const [loop] = loopNodes(decoded, { hideDone: false, hideLibraryOnly: false }) as [TreeNode];
    assert.deepEqual(childrenOf(loop).map(nodeLabel), ["Task 'fetcher'", "Task 'main'", '@gen.coroutine legacy_handler']);
    assert.equal(taskDescription(decoded.loops[0]!.tasks[0]!), 'awaiting asyncio.sleep · 421 ms left · suspended 580 ms');
  });

  it('passes on why task creation is not recorded, and the view and its text show it', async () => {
    const why = 'task creation stacks are off: a task created while they are off has no record';
    const decoded = await requestCoroutineTree({ customRequest: async () => ({ ...wire, creationNotRecorded: why }) });
    assert.equal(decoded.creationNotRecorded, why);
    const notes = loopNodes(decoded, { hideDone: false, hideLibraryOnly: false }).filter((node) => node.kind === 'note');
    assert.deepEqual(notes.map(nodeLabel), ['3 of 5 tasks shown', 'Task creation stacks off: click to record']);
    const creationNote = notes[1]!;
    assert.ok(creationNote.kind === 'note');
    assert.equal(creationNote.command, RECORD_CREATION_STACKS, 'clicking the note turns recording on');
    assert.match(creationNote.tooltip ?? '', new RegExp(`^Task creation not recorded: ${why}\\. Click to record`));
    assert.match(treeToText(decoded), new RegExp(`# Task creation not recorded: ${why}`));
    assert.equal((await requestCoroutineTree({ customRequest: async () => wire })).creationNotRecorded, undefined);
  });

  it('refuses a tree that does not hold together, naming what is wrong', async () => {
    const broken = (change: (copy: CompactCoroutineTree) => void): CompactCoroutineTree => {
      const copy = structuredClone(wire);
      change(copy);
      return copy;
    };
    const cases: Array<[CompactCoroutineTree, RegExp]> = [
      [broken((t) => (t.shapes[0]![2] = [99])), /frame index 99 is out of range/],
      [broken((t) => (t.loops[0]!.tasks[1]![5] = [7])), /task index 7 is out of range/],
      [broken((t) => (t.loops[0]!.tasks[0]![0] = -1)), /task address -1 .* is not a whole number >= 0/],
      [broken((t) => (t.loops[0]!.tasks[0]![2] = 9)), /shape index 9 is out of range/],
      [broken((t) => (t.frames[0] = [0, 500, 1])), /string index 500 is out of range/],
      [{ capturedAt: 1, loops: [] } as unknown as CompactCoroutineTree, /expected loops, strings, frames and shapes arrays/],
    ];
    for (const [tree, message] of cases) {
      await assert.rejects(requestCoroutineTree({ customRequest: async () => tree }), (error: unknown) => error instanceof TreeWireError && message.test(error.message));
    }
  });
});

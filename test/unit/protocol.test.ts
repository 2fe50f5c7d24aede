/**
 * The golden agent-protocol messages (test/fixtures/protocol) against the TypeScript schema
 * (debug-adapter/src/agentProtocolSchema.ts). The Python tier checks the same files against
 * debug-adapter/python/coroutine_lens_agent/protocol.py, so both sides agree on every message.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import test from 'node:test';
import { expandCoroutineTree, type Command, type CompactCoroutineTree } from '../../debug-adapter/src/agentProtocol';
import {
  EVENT_FIELDS,
  REQUEST_FIELDS,
  fieldProblems,
  messageProblems,
  responseBodyProblems,
} from '../../debug-adapter/src/agentProtocolSchema';
import { RawBodyOutput } from '../../debug-adapter/src/rawBodyOutput';

const fixtures = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'protocol');
const files = readdirSync(fixtures).filter((name) => name.endsWith('.json'));
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));

test('every command and every event has a golden fixture, and no fixture is left over', () => {
  const commands = files.filter((f) => f.startsWith('command-')).map((f) => f.slice('command-'.length, -'.json'.length));
  const events = files.filter((f) => f.startsWith('event-')).map((f) => f.slice('event-'.length, -'.json'.length));
  assert.deepEqual(commands.sort(), Object.keys(REQUEST_FIELDS).sort());
  assert.deepEqual(events.sort(), Object.keys(EVENT_FIELDS).sort());
});

for (const name of files.filter((f) => f.startsWith('command-'))) {
  test(`fixture ${name}: request and response conform`, () => {
    const { request, response } = load(name) as { request: Record<string, unknown>; response: Record<string, unknown> };
    assert.deepEqual(messageProblems(request), []);
    assert.deepEqual(messageProblems(response), []);
    assert.equal(response.requestSeq, request.seq);
    assert.deepEqual(responseBodyProblems(request.command as Command, response.body), []);
  });
}

for (const name of files.filter((f) => f.startsWith('event-') || f.startsWith('hello-') || f.startsWith('response-'))) {
  test(`fixture ${name}: conforms`, () => {
    assert.deepEqual(messageProblems(load(name)), []);
  });
}

test('the coroutineTree fixture has the documented compact shape and stands for the expanded one', () => {
  const body = (load('command-coroutineTree.json').response as { body: CompactCoroutineTree }).body;
  for (const loop of body.loops) {
    assert.deepEqual(fieldProblems('loop', loop, { id: 'string', threadId: 'number', threadName: 'string', running: 'boolean', tasks: 'array' }), []);
    for (const task of loop.tasks) {
      assert.deepEqual(task.slice(0, 3).map((value) => typeof value), ['number', 'string', 'number']);
    }
  }
  for (const shape of body.shapes) {
    assert.deepEqual(shape.map((value) => (Array.isArray(value) ? 'array' : typeof value)), ['number', 'number', 'array', 'array']);
  }
  assert.equal(new Set(body.strings).size, body.strings.length, 'each string once');
  assert.deepEqual(expandCoroutineTree(body), load('tree-expanded.json'));
});

test('compact task ids are address differences; awaitedBy is rebuilt from every taskIds', () => {
  // Addresses as a 64-bit process has them (above 2^24: written in two parts, the low one padded),
  // across two loops, a runner among tasks, and one task awaited by three others.
  const addresses = [0x7f3a00000450, 0x7f3a00000520, 0x7f3a01000010, 0x55d0c0ffee00, 0x7f3a01000100];
  const wire: CompactCoroutineTree = {
    capturedAt: 1,
    strings: ['task', 'suspended', 'gen-coroutine', 'gather', 'gather of 1: a', 'sleep', 'asyncio.sleep', 'f', '/a.py'],
    frames: [[7, 8, 1]],
    shapes: [[0, 1, [0], [5, 6]], [0, 1, [0], [3, 4]], [2, 1, [0], [3, 4]]],
    loops: [
      { id: 'l1', threadId: 1, threadName: 'MainThread', running: true, tasks: [
        [addresses[0], 'a', 0, 5, 995],
        [addresses[1] - addresses[0], 'b', 1, 5, null, [0]],
        [addresses[2] - addresses[1], 'c', 2, null, null, [0]],
      ] },
      { id: 'l2', threadId: 2, threadName: 'other', running: true, tasks: [
        [addresses[3] - addresses[2], 'd', 1, null, null, [0]],
        [addresses[4] - addresses[3], 'e', 0],
      ] },
    ],
  };
  const tasks = expandCoroutineTree(wire).loops.flatMap((loop) => loop.tasks);
  assert.deepEqual(tasks.map((task) => task.id), ['t7f3a00000450', 't7f3a00000520', 'g7f3a01000010', 't55d0c0ffee00', 't7f3a01000100']);
  assert.deepEqual(tasks[0]!.awaitedBy, ['t7f3a00000520', 'g7f3a01000010', 't55d0c0ffee00']);
  assert.deepEqual(tasks[1]!.awaiting?.taskIds, ['t7f3a00000450']);
  assert.deepEqual(tasks.slice(1).map((task) => task.awaitedBy), [[], [], [], []]);
  assert.deepEqual([tasks[0]!.suspendedForMs, tasks[0]!.awaiting?.remainingMs], [5, 995]);
  const beyond = structuredClone(wire);
  beyond.loops[0]!.tasks[0]![0] = 2 ** 53;
  assert.throws(() => expandCoroutineTree(beyond), /task address 9007199254740992 .* is not a whole number >= 0/);
});

test('the schema rejects what the agent would reject', () => {
  assert.match(messageProblems({ type: 'request', seq: 1, command: 'stackTrace', arguments: {} })[0], /lacks required field 'threadId'/);
  assert.match(messageProblems({ type: 'request', seq: 1, command: 'nope', arguments: {} })[0], /unknown command/);
  assert.match(messageProblems({ type: 'event', event: 'exited', body: { exitCode: '0' } })[0], /must be a number/);
  assert.match(messageProblems({ type: 'shout' })[0], /unknown message type/);
});

test('a raw JSON body is spliced into its DAP message with the length in bytes; other messages pass untouched', async () => {
  const written: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (written.push(chunk.toString('utf8')), done()) });
  const output = new RawBodyOutput(sink);
  const frame = (message: object): string => {
    const json = JSON.stringify(message);
    return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
  };
  const raw = '{"capturedAt":1,"loops":[],"strings":["naïve ☃"],"frames":[]}';
  output.write(frame({ seq: 1, type: 'event', event: 'output', body: { output: 'é' } }));
  output.write(frame({ seq: 2, type: 'response', command: 'coroutineTree', success: true, body: output.placeholder(raw) }));
  await new Promise<void>((resolve) => output.end(resolve));
  const text = written.join('');
  const messages: unknown[] = [];
  for (let rest = Buffer.from(text); rest.length > 0; ) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    const length = Number(/Content-Length: (\d+)/.exec(rest.subarray(0, headerEnd).toString())![1]);
    messages.push(JSON.parse(rest.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')));
    rest = rest.subarray(headerEnd + 4 + length);
  }
  assert.deepEqual(messages, [
    { seq: 1, type: 'event', event: 'output', body: { output: 'é' } },
    { seq: 2, type: 'response', command: 'coroutineTree', success: true, body: JSON.parse(raw) },
  ]);
});

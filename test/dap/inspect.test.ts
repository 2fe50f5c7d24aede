/**
 * Inspecting a paused coroutine through DAP: stack traces with delayed loading, scopes, variables
 * with paging, evaluate in every context, setVariable that the program then sees.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, markedLine, withSession, type DapSession } from '../support/dapSession';

const program = fixture('inspect_me.py');

async function stopInside(session: DapSession): Promise<{ threadId: number; frameId: number }> {
  await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'inspect') }] }]);
  const { event, frame } = await session.stopped('breakpoint');
  return { threadId: event.body.threadId as number, frameId: frame.id };
}

test('stackTrace pages with startFrame/levels and reports totalFrames', () =>
  withSession(async (session) => {
    const { threadId } = await stopInside(session);
    const all = await session.client.stackTraceRequest({ threadId });
    const total = all.body.totalFrames ?? all.body.stackFrames.length;
    assert.ok(total >= 2, `at least inspect_me and main: ${total}`);
    const first = await session.client.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
    assert.equal(first.body.stackFrames.length, 1);
    assert.equal(first.body.stackFrames[0].name, 'inspect_me');
    assert.equal(first.body.totalFrames, total);
    const rest = await session.client.stackTraceRequest({ threadId, startFrame: 1, levels: 20 });
    assert.equal(rest.body.stackFrames[0].name, all.body.stackFrames[1].name);
    assert.equal(first.body.stackFrames[0].source?.path, program);
    await session.client.terminateRequest();
  }));

test('scopes and variables, with paging of a long list and children of a dict', () =>
  withSession(async (session) => {
    const { frameId } = await stopInside(session);
    const locals = await session.locals(frameId);
    assert.equal(locals.get('text')?.value, "'hello'");
    assert.equal(locals.get('counter')?.value, '1');
    const numbers = locals.get('numbers');
    assert.ok(numbers && numbers.variablesReference > 0);
    assert.equal(numbers.indexedVariables, 1000);
    const page = await session.client.variablesRequest({ variablesReference: numbers.variablesReference, filter: 'indexed', start: 100, count: 10 });
    assert.deepEqual(
      page.body.variables.map((v) => v.value),
      Array.from({ length: 10 }, (_, i) => String(100 + i)),
    );
    const mapping = locals.get('mapping');
    assert.ok(mapping && mapping.variablesReference > 0);
    const children = await session.client.variablesRequest({ variablesReference: mapping.variablesReference });
    const b = children.body.variables.find((v) => v.name.includes('b'));
    assert.equal(b?.value, '[1, 2]');
    await session.client.terminateRequest();
  }));

test('evaluate in repl, hover, watch and clipboard contexts; errors come back as messages', () =>
  withSession(async (session) => {
    const { frameId } = await stopInside(session);
    const repl = await session.client.evaluateRequest({ expression: 'counter + 41', frameId, context: 'repl' });
    assert.equal(repl.body.result, '42');
    const hover = await session.client.evaluateRequest({ expression: 'text', frameId, context: 'hover' });
    assert.equal(hover.body.result, "'hello'");
    const watch = await session.client.evaluateRequest({ expression: 'len(numbers)', frameId, context: 'watch' });
    assert.equal(watch.body.result, '1000');
    const clipboard = await session.client.evaluateRequest({ expression: 'mapping', frameId, context: 'clipboard' });
    assert.equal(clipboard.body.result, "{'a': 1, 'b': [1, 2]}");
    await assert.rejects(session.client.evaluateRequest({ expression: 'undefined_name', frameId, context: 'watch' }), /NameError/);
    await session.client.terminateRequest();
  }));

test('setVariable changes a local that the program then uses', () =>
  withSession(async (session) => {
    const { frameId } = await stopInside(session);
    const scopes = await session.client.scopesRequest({ frameId });
    const local = scopes.body.scopes.find((s) => /local/i.test(s.name)) ?? scopes.body.scopes[0];
    const set = await session.client.setVariableRequest({ variablesReference: local.variablesReference, name: 'counter', value: '5 * 7' });
    assert.equal(set.body.value, '35');
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
    assert.match(session.stdout(), /counter 35/);
  }));

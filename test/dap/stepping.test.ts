/**
 * Stepping through DAP with competing tasks: step over an `await` stays in the same coroutine while
 * the other task runs meanwhile; step in enters a call; step out of a coroutine lands in its awaiter;
 * pause stops a running program.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixture, markedLine, withSession, type DapSession } from '../support/dapSession';

const program = fixture('competing.py');

async function evaluate(session: DapSession, frameId: number, expression: string): Promise<string> {
  return (await session.client.evaluateRequest({ expression, frameId, context: 'watch' })).body.result;
}

test("step over an await goes to the next line of the same task while the other task runs", () =>
  withSession(async (session) => {
    await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'await'), condition: "name == 'a' and i == 0" }] }]);
    const first = await session.stopped('breakpoint');
    const logBefore = await evaluate(session, first.frame.id, 'list(log)');
    await session.setBreakpoints(program, []);
    await session.client.nextRequest({ threadId: first.event.body.threadId as number });
    const second = await session.stopped('step');
    assert.equal(second.frame.line, markedLine(program, 'after'));
    assert.equal(await evaluate(session, second.frame.id, 'name'), "'a'", 'still in task a');
    assert.equal(await evaluate(session, second.frame.id, 'i'), '0');
    const logAfter = await evaluate(session, second.frame.id, 'list(log)');
    assert.notEqual(logAfter, logBefore);
    assert.match(logAfter, /'b after 0'/, 'task b ran while a was stepped over its await');
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('Tornado: step over a yield in a @gen.coroutine goes to its next line; evaluate in a handler', () =>
  withSession(async (session) => {
    const app = fixture('tornado_app.py');
    await session.run({ program: app }, [{ file: app, breakpoints: [{ line: markedLine(app, 'fetch_user') }] }]);
    const stop = await session.stopped('breakpoint');
    await session.setBreakpoints(app, [{ line: markedLine(app, 'handler') }]);
    await session.client.nextRequest({ threadId: stop.event.body.threadId as number });
    const stepped = await session.stopped('step');
    assert.equal(stepped.frame.name, 'fetch_user');
    assert.equal(stepped.frame.line, markedLine(app, 'fetch_user') + 1);
    assert.equal(await evaluate(session, stepped.frame.id, "profile['visits']"), '3');
    await session.client.continueRequest({ threadId: stepped.event.body.threadId as number });
    const handler = await session.stopped('breakpoint');
    assert.equal(await evaluate(session, handler.frame.id, 'self.request.path'), "'/user/ada'");
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('step in enters the called function; step out returns to the caller', () =>
  withSession(async (session) => {
    await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'call'), condition: "name == 'b'" }] }]);
    const stop = await session.stopped('breakpoint');
    await session.setBreakpoints(program, []);
    const threadId = stop.event.body.threadId as number;
    await session.client.stepInRequest({ threadId });
    const inside = await session.stopped('step');
    assert.equal(inside.frame.name, 'describe');
    assert.equal(inside.frame.line, markedLine(program, 'describe'));
    await session.client.stepOutRequest({ threadId: inside.event.body.threadId as number });
    const back = await session.stopped('step');
    assert.equal(back.frame.name, 'worker');
    // Either on the calling line (the rest of it still to run) or the next one, as debuggers differ.
    assert.ok([markedLine(program, 'call'), markedLine(program, 'call') + 1].includes(back.frame.line), `line ${back.frame.line}`);
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('step out of a coroutine lands in the coroutine that awaits it', () =>
  withSession(async (session) => {
    await session.run({ program }, [{ file: program, breakpoints: [{ line: markedLine(program, 'after'), condition: "name == 'a' and i == 2" }] }]);
    const stop = await session.stopped('breakpoint');
    await session.setBreakpoints(program, []);
    await session.client.stepOutRequest({ threadId: stop.event.body.threadId as number });
    const out = await session.stopped('step');
    assert.equal(out.frame.name, 'main');
    assert.ok([markedLine(program, 'gather'), markedLine(program, 'gather') + 1].includes(out.frame.line), `line ${out.frame.line}`);
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('pause stops a running program; library frames are de-emphasized with justMyCode; continue lets it go on', () =>
  withSession(async (session) => {
    await session.run({ program: fixture('tasks.py') });
    await session.waitForStdout('ready');
    await session.client.pauseRequest({ threadId: 0 });
    const { event, frames } = await session.stopped('pause');
    const library = frames.filter((f) => f.source?.path && !f.source.path.startsWith(path.dirname(program)));
    assert.ok(library.length > 0, 'paused inside the event loop');
    for (const frame of library) {
      assert.equal(frame.presentationHint, 'subtle', `${frame.name} ${frame.source?.path}`);
      assert.equal(frame.source?.presentationHint, 'deemphasize');
    }
    const threads = await session.client.threadsRequest();
    assert.ok(threads.body.threads.some((t) => t.id === event.body.threadId));
    await session.client.continueRequest({ threadId: event.body.threadId as number });
    await session.client.terminateRequest();
    await session.terminated();
  }));

/**
 * Breakpoints through DAP on asyncio and Tornado programs: plain, conditional, hit-count, logpoints,
 * and exception filters with exceptionInfo.
 */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { fixture, markedLine, withSession, type DapSession } from '../support/dapSession';

const program = fixture('breakpoints.py');
const tickLine = markedLine(program, 'tick');

async function localValue(session: DapSession, frameId: number, name: string): Promise<string | undefined> {
  return (await session.locals(frameId)).get(name)?.value;
}

test('a conditional breakpoint stops only where the condition holds', () =>
  withSession(async (session) => {
    const [[bp]] = await session.run({ program }, [{ file: program, breakpoints: [{ line: tickLine, condition: 'i == 7' }] }]);
    assert.equal(bp.verified, true);
    assert.equal(bp.line, tickLine);
    const { frame } = await session.stopped('breakpoint');
    assert.equal(frame.line, tickLine);
    assert.equal(await localValue(session, frame.id, 'i'), '7');
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
    assert.equal(session.events.filter((e) => e.event === 'stopped').length, 1);
  }));

test('a hit-count breakpoint stops on the given hit', () =>
  withSession(async (session) => {
    await session.run({ program }, [{ file: program, breakpoints: [{ line: tickLine, hitCondition: '3' }] }]);
    const { frame } = await session.stopped('breakpoint');
    assert.equal(await localValue(session, frame.id, 'i'), '2', 'the third hit is i == 2');
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('a logpoint logs with interpolated expressions and does not stop', () =>
  withSession(async (session) => {
    await session.run({ program }, [{ file: program, breakpoints: [{ line: tickLine, logMessage: 'tick {i} -> {i * 10}' }] }]);
    await session.terminated();
    const logged = session.output.map((e) => e.body.output).join('');
    for (let i = 0; i < 10; i++) assert.ok(logged.includes(`tick ${i} -> ${i * 10}`), logged);
    assert.equal(session.events.filter((e) => e.event === 'stopped').length, 0);
    assert.match(session.stdout(), /total 450/);
  }));

test('a breakpoint past the end of the file is not verified, and a plain one stops every time', () =>
  withSession(async (session) => {
    const pastTheEnd = 500;
    const [results] = await session.run({ program }, [{ file: program, breakpoints: [{ line: pastTheEnd }, { line: tickLine }] }]);
    assert.equal(results[0].verified, false, JSON.stringify(results[0]));
    assert.equal(results[1].verified, true);
    for (let i = 0; i < 3; i++) {
      const { frame } = await session.stopped('breakpoint');
      assert.equal(await localValue(session, frame.id, 'i'), String(i));
      if (i === 2) await session.setBreakpoints(program, []);
      await session.client.continueRequest({ threadId: 0 });
    }
    await session.terminated();
    assert.equal(session.events.filter((e) => e.event === 'stopped').length, 3);
  }));

test('breakpoints in a Tornado app: a native handler and a @gen.coroutine generator', () =>
  withSession(async (session) => {
    const app = fixture('tornado_app.py');
    await session.run({ program: app }, [{ file: app, breakpoints: [{ line: markedLine(app, 'fetch_user') }, { line: markedLine(app, 'handler') }] }]);
    const first = await session.stopped('breakpoint');
    assert.equal(first.frame.line, markedLine(app, 'fetch_user'));
    assert.equal(first.frame.name, 'fetch_user');
    assert.equal(await localValue(session, first.frame.id, 'name'), "'ada'");
    await session.client.continueRequest({ threadId: first.event.body.threadId as number });
    const second = await session.stopped('breakpoint');
    assert.equal(second.frame.line, markedLine(app, 'handler'));
    assert.match((await session.locals(second.frame.id)).get('user')?.value ?? '', /'visits': 3/);
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
    assert.match(session.stdout(), /got \{"name": "ada", "visits": 3\}/);
  }));

const exceptions = fixture('exceptions.py');

test('exception filter "raised" stops at a caught exception, with exceptionInfo', () =>
  withSession(async (session) => {
    await session.run({ program: exceptions }, [], ['raised']);
    const { event, frame } = await session.stopped('exception');
    assert.equal(frame.line, markedLine(exceptions, 'raised'));
    const info = await session.client.exceptionInfoRequest({ threadId: event.body.threadId as number });
    assert.match(info.body.exceptionId, /ValueError/);
    assert.match(info.body.description ?? '', /handled here/);
    assert.equal(info.body.breakMode, 'always');
    await session.client.setExceptionBreakpointsRequest({ filters: [] });
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('exception filter "uncaught" passes the caught one and stops at the uncaught one', () =>
  withSession(async (session) => {
    await session.run({ program: exceptions }, [], ['uncaught']);
    const { event } = await session.stopped('exception');
    assert.match(session.stdout(), /caught it/);
    const info = await session.client.exceptionInfoRequest({ threadId: event.body.threadId as number });
    assert.match(info.body.exceptionId, /KeyError/);
    assert.match(info.body.description ?? '', /nobody catches this/);
    assert.equal(info.body.breakMode, 'unhandled');
    assert.match(info.body.details?.stackTrace ?? '', /exceptions\.py/);
    const trace = await session.client.stackTraceRequest({ threadId: event.body.threadId as number });
    assert.ok(
      trace.body.stackFrames.some((f: DebugProtocol.StackFrame) => f.line === markedLine(exceptions, 'uncaught')),
      'the raising line is on the stack',
    );
    await session.client.continueRequest({ threadId: 0 });
    const exited = await session.terminated();
    assert.equal(exited?.body.exitCode, 1);
  }));

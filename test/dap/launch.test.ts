/**
 * Launching real Python programs: output through the pipes (nothing lost, all of it before
 * `exited`), exit codes, args / cwd / env / envFile, modules, a terminal via runInTerminal,
 * stopOnEntry, tracing, the oldest supported Python — and nothing left behind after each.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixture, markedLine, oldestTestPython, testPython, withSession } from '../support/dapSession';

test('internal console: stdout and stderr, args, cwd, env and envFile reach the program; exit code 0', () =>
  withSession(async (session) => {
    const cwd = os.tmpdir();
    await session.run({ program: fixture('hello.py'), args: ['ada'], cwd, envFile: fixture('env.txt'), env: { UNSET_ME: null } });
    const exited = await session.terminated();
    assert.equal(exited?.body.exitCode, 0);
    const stdout = session.stdout();
    assert.match(stdout, /^hello ada$/m);
    assert.match(stdout, /^env=from env file$/m);
    assert.ok(stdout.includes(`cwd=${cwd}`), stdout);
    assert.ok(session.output.some((e) => e.body.category === 'stderr' && e.body.output.includes('to stderr')));
  }));

test("the program's exit code is reported", () =>
  withSession(async (session) => {
    await session.run({ program: fixture('hello.py'), env: { HELLO_EXIT_CODE: '3' } });
    const exited = await session.terminated();
    assert.equal(exited?.body.exitCode, 3);
  }));

test('a flood of output: every line arrives, in order, before exited and terminated', () =>
  withSession(async (session) => {
    const lines = 5000;
    await session.run({ program: fixture('output_flood.py'), args: [String(lines)] });
    await session.terminated();
    const stdout = session.stdout();
    const expected = Array.from({ length: lines }, (_, i) => `out ${i}\n`).join('') + 'last line, no newline';
    assert.equal(stdout, expected);
    const stderr = session.output.filter((e) => e.body.category === 'stderr').map((e) => e.body.output).join('');
    assert.equal(stderr, Array.from({ length: lines / 10 }, (_, i) => `err ${i * 10}\n`).join(''));
    const names = session.events.map((e) => e.event);
    const lastOutput = names.lastIndexOf('output');
    assert.ok(lastOutput < names.indexOf('exited') && names.indexOf('exited') < names.indexOf('terminated'), names.slice(-5).join(' '));
  }));

test('a module runs with -m and its arguments, and stops at a breakpoint', () =>
  withSession(async (session) => {
    const main = fixture('modapp/__main__.py');
    await session.run({ module: 'modapp', args: ['--flag', 'x'], cwd: fixture('.') }, [
      { file: main, breakpoints: [{ line: markedLine(main, 'module') }] },
    ]);
    const { frame } = await session.stopped('breakpoint');
    assert.equal(frame.line, markedLine(main, 'module'));
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
    assert.match(session.stdout(), /^module main --flag x$/m);
  }));

test('a folder as the program runs its __main__ module', () =>
  withSession(async (session) => {
    await session.run({ program: fixture('modapp'), args: ['x'] });
    const exited = await session.terminated();
    assert.equal(exited?.body.exitCode, 0);
    assert.match(session.stdout(), /^module main x$/m);
  }));

test("a script sees below its own frame only the agent's __main__ module (no runpy frames)", () =>
  withSession(async (session) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-stack-'));
    const script = path.join(dir, 'stack.py');
    writeFileSync(script, 'import traceback\nprint("stack", [(f.filename, f.name) for f in traceback.extract_stack()])\n');
    try {
      await session.run({ program: script });
      await session.terminated();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const line = session.stdout().split('\n').find((text) => text.startsWith('stack '));
    assert.match(line ?? '', /^stack \[\('[^']*coroutine_lens_agent[/\\]__main__\.py', '<module>'\), \('[^']*stack\.py', '<module>'\)\]$/);
  }));

test('integratedTerminal: the program is started through runInTerminal and debugged as usual', () =>
  withSession(async (session) => {
    const program = fixture('hello.py');
    await session.run({ program, console: 'integratedTerminal', args: ['terminal'] }, [
      { file: program, breakpoints: [{ line: markedLine(program, 'greet') }] },
    ]);
    const { frame } = await session.stopped('breakpoint');
    assert.equal(frame.line, markedLine(program, 'greet'));
    const name = await session.client.evaluateRequest({ expression: 'name', frameId: frame.id, context: 'repl' });
    assert.equal(name.body.result, "'terminal'");
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
    assert.equal(session.stdout(), '', 'a terminal program writes to the terminal, not to DAP');
    assert.equal(session.terminalRequests[0].kind, 'integrated');
    assert.equal(session.terminalRequests[0].cwd, path.dirname(program));
    assert.ok(session.terminalRequests[0].env?.COROUTINE_LENS_TOKEN, 'the token travels in the environment');
    assert.ok(!session.terminalRequests[0].args.some((arg) => arg === session.terminalRequests[0].env?.COROUTINE_LENS_TOKEN), 'never on the command line');
  }));

test('externalTerminal asks the client for an external terminal', () =>
  withSession(async (session) => {
    await session.run({ program: fixture('hello.py'), console: 'externalTerminal' });
    await session.terminated();
    assert.equal(session.terminalRequests[0].kind, 'external');
  }));

test('"python" as a command list: the extra interpreter arguments apply to the debuggee', () =>
  withSession(async (session) => {
    const program = fixture('hello.py');
    await session.run({ program, python: [await testPython(), '-X', 'utf8'] }, [{ file: program, breakpoints: [{ line: markedLine(program, 'greet') }] }]);
    const { frame } = await session.stopped('breakpoint');
    const utf8Mode = await session.client.evaluateRequest({ expression: "__import__('sys').flags.utf8_mode", frameId: frame.id, context: 'repl' });
    assert.equal(utf8Mode.body.result, '1');
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('stopOnEntry stops before the first line of the program', () =>
  withSession(async (session) => {
    await session.run({ program: fixture('hello.py'), stopOnEntry: true });
    const { frame } = await session.stopped('entry');
    assert.equal(frame.source?.path, fixture('hello.py'));
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  }));

test('trace: DAP and agent traffic go to a log file, and the debug console says where', () =>
  withSession(async (session) => {
    const log = path.join(os.tmpdir(), `coroutine-lens-trace-test-${process.pid}.log`);
    await session.run({ program: fixture('hello.py'), trace: log });
    await session.terminated();
    assert.ok(session.output.some((e) => e.body.category === 'console' && e.body.output.includes(`tracing DAP and agent traffic to ${log}`)));
    const text = readFileSync(log, 'utf8');
    assert.match(text, /dap ← \{.*"command":"configurationDone"/);
    assert.match(text, /agent → \{.*"command":"initialize"/);
    assert.match(text, /agent ← \{.*"type":"hello".*"role":"agent"/);
    assert.doesNotMatch(text, /"token":"[0-9a-f]{16,}"/, 'the one-time token is not written to the log');
    assert.match(text, /dap → \{.*"event":"terminated"/);
  }));

test('the oldest supported Python (sys.settrace path) stops at a breakpoint too', async () => {
  const python = await oldestTestPython();
  await withSession(async (session) => {
    const program = fixture('hello.py');
    await session.run({ program, python }, [{ file: program, breakpoints: [{ line: markedLine(program, 'greet') }] }]);
    const { frame } = await session.stopped('breakpoint');
    assert.equal(frame.line, markedLine(program, 'greet'));
    await session.client.continueRequest({ threadId: 0 });
    await session.terminated();
  });
});

/** Launch/attach configurations checked and completed: envFile syntax, env precedence, mistakes named. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseEnvFile, planAttach, planLaunch } from '../../debug-adapter/src/configuration';

test('envFile: comments, export, quotes, escapes, trailing comments, malformed lines skipped', () => {
  const parsed = parseEnvFile(
    ['# comment', 'export A=1', 'B = "two words"', "C='single # not a comment'", 'D="line\\nbreak"', 'E=value # note', 'not a line', '', 'F='].join('\n'),
  );
  assert.deepEqual(parsed, { A: '1', B: 'two words', C: 'single # not a comment', D: 'line\nbreak', E: 'value', F: '' });
});

test('env wins over envFile, null removes a variable, output is unbuffered', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coroutine-lens-config-'));
  const program = path.join(dir, 'main.py');
  writeFileSync(program, 'pass\n');
  writeFileSync(path.join(dir, '.env'), 'FROM_FILE=file\nBOTH=file\n');
  process.env.COROUTINE_LENS_TEST_REMOVE_ME = 'x';
  const plan = planLaunch({ program, envFile: '.env', env: { BOTH: 'env', COROUTINE_LENS_TEST_REMOVE_ME: null } });
  assert.equal(plan.cwd, dir, 'cwd defaults to the program folder');
  assert.equal(plan.env.FROM_FILE, 'file');
  assert.equal(plan.env.BOTH, 'env');
  assert.equal(plan.env.COROUTINE_LENS_TEST_REMOVE_ME, undefined);
  assert.equal(plan.env.PYTHONUNBUFFERED, '1');
  assert.deepEqual(planLaunch({ program, args: 'a  b c' }).args, ['a', 'b', 'c']);
});

test('configuration mistakes name the attribute to fix', () => {
  const program = __filename;
  assert.throws(() => planLaunch({ program, module: 'm' }), /either "program" or "module", not both/);
  assert.throws(() => planLaunch({ program, cwd: '/no/such/folder' }), /"cwd" is not a folder: \/no\/such\/folder/);
  assert.throws(() => planLaunch({ program, console: 'somewhere' as never }), /"console" must be internalConsole, integratedTerminal or externalTerminal/);
  assert.throws(() => planLaunch({ program, blockedLoopThresholdMs: -5 }), /"blockedLoopThresholdMs" must be a number ≥ 0/);
  assert.throws(() => planLaunch({ program, taskCreationStacks: 'no' as never }), /"taskCreationStacks" must be true or false/);
  assert.throws(() => planAttach({}), /"port" must be the port the agent listens on/);
  assert.throws(() => planAttach({ port: 5678 }), /set "token" or "tokenFile"/);
  assert.throws(() => planAttach({ port: 5678, tokenFile: '/no/such/token' }), /"tokenFile" cannot be read: \/no\/such\/token \(ENOENT\)/);
  assert.deepEqual(planAttach({ port: 5678, token: 't' }).host, '127.0.0.1');
});

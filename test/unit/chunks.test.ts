/** The lexical chunker behind lazy parsing: statement boundaries, strings and brackets, positions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logicalIndents, prepareLazy } from '../../server/src/analysis/chunks';

const markers = (block: string): boolean => /async\s+def/.test(block);

test('logical lines ignore strings, brackets, continuations and comments', () => {
  const text = ['x = """', 'def not_code():', '"""', 'y = (', '1)', 'z = 1 + \\', '2', '# comment', '', '  def f(): pass'].join('\n');
  assert.deepEqual([...logicalIndents(text)], [0, -1, -1, 0, -1, 0, -1, -1, -1, 2]);
});

test('a backslash-continued string still counts its lines', () => {
  const text = ['x = "a \\', 'b"', 'def f():', '    pass'].join('\n');
  assert.deepEqual([...logicalIndents(text)], [0, -1, 0, 4]);
});

test('blocks without coroutine code are blanked in place and recorded with their lines', () => {
  const source = [
    'import time',
    '@decorator',
    'def helper():',
    '    time.sleep(1)',
    '',
    'class Service:',
    '    def sync(self):',
    '        return 1',
    '',
    '    async def run(self):',
    '        self.sync()',
    '',
    'async def main():',
    '    helper()',
    '',
  ].join('\n');
  const prepared = prepareLazy(source, markers);
  assert.deepEqual(prepared.lazy.helper!.lines, [1, 5]);
  assert.deepEqual(prepared.lazyMembers.Service!.sync!.lines, [6, 9]);
  const lines = prepared.text.split('\n');
  assert.equal(lines.length, source.split('\n').length, 'line numbers are kept');
  assert.equal(lines[2], '');
  assert.equal(lines[6], '    pass', 'a blanked member leaves a valid class body');
  assert.equal(lines[9], '    async def run(self):');
  assert.equal(lines[12], 'async def main():');
});

test('a name defined twice stays eager, so resolution sees the definition that wins', () => {
  const source = ['if X:', '    pass', 'def f():', '    pass', 'def f():', '    return 2', ''].join('\n');
  assert.deepEqual(Object.keys(prepareLazy(source, markers).lazy), []);
});

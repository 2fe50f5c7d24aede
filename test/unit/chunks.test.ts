/** The lexical chunker behind lazy parsing: statement boundaries, strings and brackets, positions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callChains, headInBlock, prepareLazy } from '../../server/src/analysis/chunks';
import { scanPython } from '../../server/src/analysis/lexical';

const markers = (block: string): boolean => /async\s+def/.test(block);

test('logical lines ignore strings, brackets, continuations and comments', () => {
  const text = ['x = """', 'def not_code():', '"""', 'y = (', '1)', 'z = 1 + \\', '2', '# comment', '', '  def f(): pass'].join('\n');
  assert.deepEqual([...scanPython(text).indents], [0, -1, -1, 0, -1, 0, -1, -1, -1, 2]);
});

test('a backslash-continued string still counts its lines', () => {
  const text = ['x = "a \\', 'b"', 'def f():', '    pass'].join('\n');
  assert.deepEqual([...scanPython(text).indents], [0, -1, 0, 4]);
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
  const prepared = prepareLazy(source, markers, scanPython(source));
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
  assert.deepEqual(Object.keys(prepareLazy(source, markers, scanPython(source)).lazy), []);
});

test('the lexical scan suspects the lines where a syntax error shows lexically, and no line of valid code', () => {
  const suspects = (lines: string[]): number[] => scanPython(lines.join('\n')).suspectLines;
  assert.deepEqual(suspects(['def f(x):', '    return g(x', '', 'y = 1']), [1], 'a bracket never closed');
  assert.deepEqual(suspects(['x = [1, 2)']), [0], 'a bracket closed by the wrong one');
  assert.deepEqual(suspects(['x = 1', 'y = "open', 'z = 2']), [1], 'a one-line string left open');
  assert.deepEqual(suspects(['x = 1', 's = """never', 'closed']), [1], 'a triple-quoted string never closed');
  assert.deepEqual(suspects(['x = 1', '    y = 2']), [1], 'an unexpected indent');
  assert.deepEqual(suspects(['if x:', 'y = 2']), [1], 'a block header without its block');
  assert.deepEqual(suspects(['if x:', '        y = 2', '    z = 3']), [2], 'a dedent to no enclosing level');
  assert.deepEqual(suspects(['def f():', '    retrun x']), [1], 'two names in a row');
  assert.deepEqual(suspects(['def f():', '    retrun 1']), [1], 'a name and a number');
  assert.deepEqual(suspects(['print "x"']), [0], 'a name and a string');
  const valid = [
    'import os',
    '@decorator(arg)',
    'class A(Base, metaclass=M):',
    '    """Doc with ( and [ and a # inside."""',
    '    x: int = 0',
    '    def f(self, a,',
    '          b):  # a comment: with a colon',
    '        if a and \\',
    '                b:',
    '            return {k: v for k, v in a.items()}',
    "        elif a is not None: pass",
    '        else:',
    "            s = 'it''s' rb'\\x' f\"{a['k']}\"",
    '        x = not a',
    '        yield from b',
    '    match = 1',
    '    type X = int',
    'print(x)',
    '',
  ];
  assert.deepEqual(suspects(valid), []);
});

test('a statement call head is told without a parse only when the block cannot bind it', () => {
  const method = ['    def stop(self):', '        self.close()', '        api.fetch(1)'].join('\n');
  assert.equal(headInBlock(method, 'self', true), 'self');
  assert.equal(headInBlock(method, 'api', true), 'module');
  assert.equal(headInBlock(method, 'self', false), undefined, 'outside a class, `self` is a parameter like any other');
  for (const binding of ['api = make()', 'import api.sub', 'from svc import api', 'for api in apis: pass', 'def api(): pass', 'with open(p) as api: pass', 'f(api=1)']) {
    assert.equal(headInBlock(`${method}\n        ${binding}`, 'api', true), undefined, binding);
  }
  assert.equal(headInBlock(['    @staticmethod', '    def stop(self):', '        self.close()'].join('\n'), 'self', true), undefined);
  assert.equal(headInBlock(['    def stop(self: Client):', '        self.close()'].join('\n'), 'self', true), undefined, 'an annotated self is typed by its annotation');
  assert.equal(headInBlock(['    def stop(self):', '        def inner(self):', '            self.close()'].join('\n'), 'self', true), undefined);
});

test('the callees of a block are read without a parse, in the dotted form the facts give them', () => {
  const block = [
    '@functools.lru_cache(maxsize=None)',
    'def load(path, mode="r"):',
    '    if (path):',
    '        data = open (path).read()',
    '    x = (os.path',
    '         .join(a, b))',
    '    y = time \\',
    '        .sleep(1)',
    '    return "".join(parts) + items[0](1) + print(len(x)) + type(y)',
  ].join('\n');
  assert.deepEqual(callChains(block)?.sort(), ['functools.lru_cache', 'len', 'open', 'open().read', 'os.path.join', 'print', 'time.sleep', 'type']);
});

test('calls of call results keep their links', () => {
  assert.deepEqual(callChains('def f():\n    return requests.Session().get(url) + factory()(1) + a.b(x, (y)).c.d(z)')?.sort(), [
    'a.b',
    'a.b().c.d',
    'factory',
    'factory()',
    'requests.Session',
    'requests.Session().get',
  ]);
});

test('a callee the walk cannot read makes the whole block unknown (the parse decides)', () => {
  for (const block of [
    'def f():\n    return (x).get(url)', // a parenthesised object
    'def f():\n    return (a + b)(1)',
    'def f():\n    return not (x).get(url)',
    'def f():\n    return Session(")").get(url)', // brackets in a string
    'def f():\n    return a[0](1).get(url)',
    'def f():\n    return (time.  # why\n            sleep(1))', // a comment inside the chain
    'def f():\n    return time.sleep  # why\n    (1)',
    'def f():\n    return \u00fcber.sleep(1)', // a non-ASCII name
  ]) {
    assert.equal(callChains(block), undefined, block);
  }
});

/** The lexical chunker behind lazy parsing: statement boundaries, strings and brackets, positions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callChains, headInBlock, prepareLazy, typingNamesOfLocal } from '../../server/src/analysis/chunks';
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

test('a character outside the Basic Multilingual Plane is one character, a lone surrogate one too', () => {
  assert.deepEqual([...scanPython('𝑥 = 1\ny = 2').indents], [0, 0]);
  const lone = scanPython('x = \ud835\ny = 2\n    z = 3');
  assert.deepEqual([...lone.indents], [0, 0, 4], 'the line after a lone surrogate keeps its number');
  assert.deepEqual(lone.suspectLines, [0, 2]);
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
  assert.deepEqual(suspects(['def f(x):', '    return g(x', '', 'y = 1']), [1, 3], 'a bracket never closed (then `x y`: two names in a row)');
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

test('the lexical scan suspects an operand, a colon or a name left out, and no line of valid code that looks alike', () => {
  const suspects = (source: string): number[] => scanPython(source).suspectLines;
  const broken: Array<[string, number[], string]> = [
    ['x = 1\ny = x +', [1], 'an operator at the end of a logical line'],
    ['y = (x -\n     )', [1], 'an operator before a closing bracket'],
    ['f(a=)', [0], 'a keyword argument without its value'],
    ['x = a.', [0], 'an attribute without its name'],
    ['x = a and', [0], 'a keyword at the end of a logical line'],
    ['if x and:\n    pass', [0], 'a keyword before a colon'],
    ['x = a if b else', [0], '`else` at the end of a logical line'],
    ['def f(:): pass', [0], 'a parameter list opening with a colon'],
    ['f(, a)', [0], 'an argument list opening with a comma'],
    ['f(a,, b)', [0], 'a doubled comma'],
    ['d = {a:}', [0], 'a value left out after a colon'],
    ['k = lambda x:)', [0], 'a lambda without its body'],
    ['if x return 1', [0], 'a one-line header without its colon'],
    ['while x', [0], 'a header at the end of the file without its colon'],
    ['try:\n    pass\nfinally', [2], 'a clause without its colon'],
    ['def (x):\n    pass', [0], 'a def without a name'],
    ['async def (x):\n    pass', [0], 'an async def without a name'],
    ['class :\n    pass', [0], 'a class without a name'],
    ['from os.path', [0], 'a from without its import'],
    ['import', [0], 'an import of nothing'],
    ['x = 1\n)', [1], 'a stray closing bracket'],
    ['s = “text”', [0], 'typographic quotes'],
    ['€ = 2', [0], 'a character no name holds'],
    ['x =\u00a01', [0], 'a no-break space'],
    ['x = a b', [0], 'two names in a row'],
    ['x = f() None', [0], 'a name after a call'],
    ['x = names[2] 2', [0], 'a number after a subscript'],
    ['x = "s" y', [0], 'a name after a string'],
    ['x = (a\n     b)', [1], 'two names in a row over lines, inside brackets'],
    ['x = 1 return', [0], 'a statement keyword after an operand'],
    ['pass x', [0], 'a name after pass'],
    ['if is None: pass', [0], 'two keywords in a row'],
    ['x = y in return', [0], 'a keyword waiting for an operand before one that cannot start it'],
    ['x = or y', [0], 'a binary keyword after an operator'],
    ['x = not = y', [0], 'an operator after a keyword waiting for an operand'],
    ['x + = 1', [0], 'an = apart from the operator before it'],
    ['if x = 1:\n    pass', [0], 'an assignment in a header'],
    ['f(x=.y)', [0], 'a dot where an operand starts'],
    ['x = a.(1)', [0], 'a dot before a bracket'],
    ['.warn(1)', [0], 'a line starting with a dot before a name'],
    ['= 1', [0], 'a line starting with an ='],
  ];
  for (const [source, lines, kind] of broken) assert.deepEqual(suspects(source), lines, kind);
  const valid = [
    'x = ...',
    'y = x[1:] + x[:, 0] + x[::2] + x[..., 1:] + t[1.:]',
    'from m import *',
    'from . import (a,\n    b)',
    'f = lambda: x',
    'g = lambda a, /: a',
    'h = lambda *a, **k: 0',
    'if x: return 1',
    'match x:\n    case _:\n        pass',
    'match = case = type = 1',
    'type X = int',
    'match(x)',
    '@decorator\ndef f(a, *, b, **kw) -> None:\n    pass',
    'def g(a, /, b): ...',
    'def h(a, /): ...',
    "print(x, end='')",
    'print(f"{x:>10} {y!r} {z=}")',
    'print(f"{x["a"]:>10}")',
    "s = rb'\\x00' + Rb\"y\" + u'z'",
    'x = 1 + \\\n    2',
    'x = 1. + (2.) + [3.]',
    'z = [1, 2,] + (1,)',
    't = 1,',
    'x = a if b else c',
    'x = not a and b is not c or d not in e',
    'for x in y: pass',
    'with (open(a) as f, open(b) as g):\n    pass',
    'try:\n    pass\nexcept* E:\n    pass\nelse:\n    pass\nfinally:\n    pass',
    'x = {**a, "b": -1, **{}}',
    'f(*args, **kwargs)',
    'x = (yield)',
    'raise X from e',
    'async def f():\n    async with a as b:\n        async for c in d:\n            await e',
    'x: int = 0',
    'if (n := len(a)) > 10: pass',
    'class A(B, metaclass=M): pass',
    'x = a @ b',
    'x = 1; y = 2;',
    'import a.b as c, d',
    'def f(\n    a: int,\n    b: str = "x",\n) -> dict[str, int]:\n    return {}',
    'in_ = else_ = é = déf = café_and = 1',
    'print(é or ö)',
    '𝑥 = 1  # a name outside the Basic Multilingual Plane; a comment with € and “quotes”',
    's = "€ “quoted”"',
    '\ufeffimport os',
    '\u200bx = 1',
    'x = .5 + 1.e5 + 1 .real + 2. == y',
    'w = f"a" f"b" rb"x" b"y"',
    'from . import x\nfrom .. import y\nfrom .m import z',
    'x = (foo\n     .bar())',
    'if x := f(): pass',
    'if a == b <= c != d: pass',
    'if a:\n    pass\nelse: x = 1',
    'x = [y async for y in z if y not in w and y is not None]',
    'x = (yield from g())',
    'for x, in y: pass',
    'x = match.group(1) + type.__name__ + case.x',
    'x = a if not b else c',
    'x = (a\n     and b)',
    'x = a \\\n    and b',
    'x = ...\n...',
  ];
  for (const source of valid) assert.deepEqual(suspects(source), [], source);
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

test('what may type a local is read without a parse: its annotations and the callees it is assigned from', () => {
  const block = (...lines: string[]): string => ['def run(client: api.Client, n: int = 1):', ...lines.map((l) => `    ${l}`)].join('\n');
  assert.deepEqual(typingNamesOfLocal(block('client.close()'), 'client'), ['api.Client']);
  assert.deepEqual(typingNamesOfLocal(block('other = make_client(1)', 'other.close()'), 'other'), ['make_client']);
  assert.deepEqual(typingNamesOfLocal(block('other: Pool = pools[0]', 'other.close()'), 'other'), ['Pool']);
  assert.deepEqual(typingNamesOfLocal(block('if (other := svc.connect()):', '    other.close()'), 'other'), ['svc.connect']);
  assert.deepEqual(typingNamesOfLocal(block('other = pools[0]', 'other.close()'), 'other'), ['pools']);
  assert.deepEqual(typingNamesOfLocal(block('other = api.CLIENT', 'other.close()'), 'other'), ['api.CLIENT']);
  assert.deepEqual(typingNamesOfLocal(block('first = make()', 'other = first', 'other.close()'), 'other'), ['first']);
  assert.deepEqual(typingNamesOfLocal(block('other = await svc.connect()'), 'other'), ['svc.connect']);
  assert.deepEqual(typingNamesOfLocal(['def run(other: "api.Client"):', '    other.close()'].join('\n'), 'other'), ['api.Client']);
  assert.deepEqual(typingNamesOfLocal(block('with svc.connect(1) as other:', '    other.close()'), 'other'), ['svc.connect']);
  assert.deepEqual(typingNamesOfLocal(block('with open(p) as f, svc.connect() as other:', '    other.close()'), 'other'), ['svc.connect']);
  assert.deepEqual(typingNamesOfLocal(block('with (', '    open(p) as f,', '    svc.connect(a, b) as other,', '):', '    other.close()'), 'other'), ['svc.connect']);
  assert.deepEqual(typingNamesOfLocal(block('from svc import connect as other', 'other().close()'), 'other'), undefined);
  for (const untyped of ['other == make()', 'other.x = make()', 'another = make()', 'for other in make(): pass', 'try:\n        pass\n    except (OSError, svc.Error) as other:\n        pass', 'other = [make()]']) {
    assert.deepEqual(typingNamesOfLocal(block(untyped, 'other.close()'), 'other'), [], untyped);
  }
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

test('subscripts past the callee\'s own name are links of the chain, as facts.ts records them', () => {
  assert.deepEqual(callChains('def f():\n    return client["app"][\'users\'].find_one(q) + a[0](1).get(url) + self.d[k(1)].g()')?.sort(), [
    'a[]().get',
    'client[][].find_one',
    'k',
    'self.d[].g',
  ]);
  // The call of an item (`x[0](`) and a list's method (`[a, b].sort(`) have no dotted form: left out.
  assert.deepEqual(callChains('def f():\n    x[0](1)\n    y = [a, b].sort()'), []);
});

test('a callee the walk cannot read makes the whole block unknown (the parse decides)', () => {
  for (const block of [
    'def f():\n    return (x).get(url)', // a parenthesised object
    'def f():\n    return (a + b)(1)',
    'def f():\n    return not (x).get(url)',
    'def f():\n    return Session(")").get(url)', // brackets in a string
    'def f():\n    return x["a\\"b"].get(url)', // a subscript holding an escaped quote
    "def f():\n    return x['''k'''].get(url)", // a triple-quoted key
    'def f():\n    return x[{1: 2}[1]].get(url)', // braces
    'def f():\n    return x[1  # why\n    ].get(url)', // a comment inside the subscript
    'def f():\n    return (time.  # why\n            sleep(1))', // a comment inside the chain
    'def f():\n    return time.sleep  # why\n    (1)',
    'def f():\n    return \u00fcber.sleep(1)', // a non-ASCII name
  ]) {
    assert.equal(callChains(block), undefined, block);
  }
});

/**
 * One walk over a file's syntax tree collects its *facts*: imports, bindings, functions, classes,
 * the calls each function makes, noqa comments and syntax problems. Facts are plain JSON so the
 * cache can store them and a worker thread can send them; every rule and every cross-module
 * question is answered from facts, never from the tree.
 *
 * Expressions are kept as strings in a tiny dotted form: `a.b().c` is the attribute `c` of the
 * result of calling `a.b`. Anything else (subscripts, operators, literals) is not recorded, so it
 * can never be resolved — and an unresolved name is never guessed to block.
 */
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import type { Framework } from './api';

/** [startLine, startColumn, endLine, endColumn], 0-based, UTF-16 columns. */
export type Span = [number, number, number, number];

export interface CallFact {
  /** The called expression in dotted form (`time.sleep`, `self.load`, `IOLoop.current().run_sync`). */
  callee: string;
  span: Span;
  awaited: boolean;
  /** The call is a statement of its own: its result is dropped. */
  dropped: boolean;
  /** Dotted form of the first positional argument (os.spawn* mode), when it is a name. */
  firstArg?: string;
  /** Callee of the call this call is written directly inside as an argument (`trio.wrap_file(open(…))`). */
  argumentOf?: string;
}

/**
 * A binding's value: a dotted expression (`requests.Session()`), `:T` for an annotation,
 * `#f<index>` for a function and `#c<index>` for a class defined in this file.
 */
export type Bindings = Record<string, string>;

export interface FunctionFact {
  name: string;
  /** Dotted path inside the module: `f`, `Handler.get`, `outer.inner`. */
  qualname: string;
  isAsync: boolean;
  decorators: string[];
  hasYield: boolean;
  /** Index of the class when this function is defined directly in a class body. */
  classIndex?: number;
  /** Index of the enclosing function (closures see its bindings). */
  parent?: number;
  /** Name of the first parameter of a method (`self` / `cls`); absent for static methods. */
  selfName?: string;
  span: Span;
  locals: Bindings;
  calls: CallFact[];
}

export interface ClassFact {
  name: string;
  qualname: string;
  bases: string[];
  span: Span;
  /** Class attributes and `self.x = …` assignments made in its methods. */
  members: Bindings;
}

export interface ModuleFacts {
  /** Local name → qualified name (`nap` → `time.sleep`); relative imports already made absolute. */
  imports: Record<string, string>;
  /** Modules imported with `*`. */
  starImports: string[];
  globals: Bindings;
  functions: FunctionFact[];
  classes: ClassFact[];
  /** Line → codes suppressed there (`*` for a bare `# noqa`). */
  noqa: Record<number, string[]>;
  framework: Framework;
  problems: Array<{ message: string; span?: Span }>;
}

/** Beyond this depth a subtree is not walked (JavaScript's stack is finite); it is reported once. */
const MAX_DEPTH = 400;
const NOQA = /#\s*noqa(?::\s*([A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*))?/i;

function spanOf(node: Node): Span {
  const s = node.startPosition;
  const e = node.endPosition;
  return [s.row, s.column, e.row, e.column];
}

/** The dotted form of an expression, or undefined when it is not a name / attribute / call chain. */
export function dotted(node: Node | null): string | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'identifier':
      return node.text;
    case 'attribute': {
      const object = dotted(node.childForFieldName('object'));
      const attribute = node.childForFieldName('attribute');
      return object && attribute ? `${object}.${attribute.text}` : undefined;
    }
    case 'call': {
      const fn = dotted(node.childForFieldName('function'));
      return fn ? `${fn}()` : undefined;
    }
    case 'parenthesized_expression':
      return node.namedChildCount === 1 ? dotted(node.namedChild(0)) : undefined;
    default:
      return undefined;
  }
}

/** `from ..pkg import x` inside `module` → the absolute module the dots point at. */
export function absoluteModule(module: string, isPackage: boolean, dots: number, rest: string): string | undefined {
  const parts = module.split('.');
  const base = parts.slice(0, parts.length - (isPackage ? dots - 1 : dots));
  if (base.length < 0 || dots - (isPackage ? 1 : 0) > parts.length) return undefined;
  return [...base, ...(rest ? [rest] : [])].join('.') || undefined;
}

interface Scope {
  fn?: number;
  cls?: number;
  /** Inside a class body: calls there run at class creation, not in any function. */
  classBody: boolean;
  prefix: string;
}

export function extractFacts(tree: Tree, module: string, isPackage: boolean): ModuleFacts {
  const facts: ModuleFacts = { imports: {}, starImports: [], globals: {}, functions: [], classes: [], noqa: {}, framework: 'asyncio', problems: [] };
  let tooDeep = false;
  let syntaxReported = false;

  const bind = (scope: Scope, name: string, value: string): void => {
    if (scope.classBody && scope.cls !== undefined) facts.classes[scope.cls]!.members[name] = value;
    else if (scope.fn !== undefined) facts.functions[scope.fn]!.locals[name] = value;
    else facts.globals[name] = value;
  };

  const addImport = (scope: Scope, local: string, qualified: string): void => {
    // Function-level imports bind locally; the common case (module level) goes to the import table.
    if (scope.fn !== undefined || scope.classBody) bind(scope, local, qualified);
    else facts.imports[local] = qualified;
  };

  const recordImport = (node: Node, scope: Scope): void => {
    if (node.type === 'import_statement') {
      for (const name of node.childrenForFieldName('name')) {
        if (name.type === 'aliased_import') {
          const full = name.childForFieldName('name')!.text;
          addImport(scope, name.childForFieldName('alias')!.text, full);
        } else {
          // `import a.b.c` binds `a`.
          const first = name.text.split('.')[0]!;
          addImport(scope, first, first);
        }
      }
      return;
    }
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    let from: string | undefined;
    if (moduleNode.type === 'relative_import') {
      const prefix = moduleNode.namedChildren.find((c) => c?.type === 'import_prefix');
      const rest = moduleNode.namedChildren.find((c) => c?.type === 'dotted_name');
      from = absoluteModule(module, isPackage, prefix?.text.length ?? 1, rest?.text ?? '');
    } else {
      from = moduleNode.text;
    }
    if (!from) return;
    if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
      facts.starImports.push(from);
      return;
    }
    for (const name of node.childrenForFieldName('name')) {
      if (name.type === 'aliased_import') {
        addImport(scope, name.childForFieldName('alias')!.text, `${from}.${name.childForFieldName('name')!.text}`);
      } else {
        addImport(scope, name.text, `${from}.${name.text}`);
      }
    }
  };

  const recordCall = (node: Node, scope: Scope): void => {
    if (scope.fn === undefined || scope.classBody) return;
    const fnNode = node.childForFieldName('function');
    const callee = dotted(fnNode);
    if (!callee || !fnNode) return;
    const parent = node.parent;
    const awaited = parent?.type === 'await';
    const statement = awaited ? parent?.parent : parent;
    const call: CallFact = { callee, span: spanOf(fnNode), awaited, dropped: !awaited && statement?.type === 'expression_statement' };
    const args = node.childForFieldName('arguments');
    const first = args?.namedChild(0);
    const firstArg = first && (first.type === 'identifier' || first.type === 'attribute') ? dotted(first) : undefined;
    if (firstArg) call.firstArg = firstArg;
    if (parent?.type === 'argument_list' && parent.parent?.type === 'call') {
      const outer = dotted(parent.parent.childForFieldName('function'));
      if (outer) call.argumentOf = outer;
    }
    facts.functions[scope.fn]!.calls.push(call);
  };

  const recordAssignment = (node: Node, scope: Scope): void => {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const type = node.childForFieldName('type');
    const value = dotted(right) ?? (type ? `:${dotted(type.namedChild(0)) ?? ''}` : undefined);
    if (!left || !value || value === ':') return;
    if (left.type === 'identifier') {
      bind(scope, left.text, value);
    } else if (left.type === 'attribute' && scope.fn !== undefined) {
      const fn = facts.functions[scope.fn]!;
      const object = left.childForFieldName('object');
      if (fn.classIndex !== undefined && fn.selfName && object?.text === fn.selfName) {
        facts.classes[fn.classIndex]!.members[left.childForFieldName('attribute')!.text] = value;
      }
    }
  };

  const defineFunction = (node: Node, decorators: string[], scope: Scope, depth: number): void => {
    const nameNode = node.childForFieldName('name');
    if (!nameNode) return;
    const name = nameNode.text;
    const index = facts.functions.length;
    const fact: FunctionFact = {
      name,
      qualname: scope.prefix + name,
      isAsync: node.firstChild?.type === 'async',
      decorators,
      hasYield: false,
      span: spanOf(nameNode),
      locals: {},
      calls: [],
    };
    if (scope.classBody && scope.cls !== undefined) fact.classIndex = scope.cls;
    if (scope.fn !== undefined) fact.parent = scope.fn;
    const params = node.childForFieldName('parameters');
    let firstParam = true;
    for (const param of params?.namedChildren ?? []) {
      if (!param) continue;
      const paramName = param.type === 'identifier' ? param : (param.childForFieldName('name') ?? param.namedChild(0));
      if (paramName?.type !== 'identifier') continue;
      if (firstParam && fact.classIndex !== undefined && !decorators.some((d) => d.endsWith('staticmethod'))) fact.selfName = paramName.text;
      firstParam = false;
      const annotation = dotted(param.childForFieldName('type')?.namedChild(0) ?? null);
      if (annotation) fact.locals[paramName.text] = `:${annotation}`;
    }
    facts.functions.push(fact);
    bind(scope, name, `#f${index}`);
    const body = node.childForFieldName('body');
    if (body) walkTree(body, { fn: index, classBody: false, prefix: `${fact.qualname}.` }, depth + 1);
  };

  const defineClass = (node: Node, scope: Scope, depth: number): void => {
    const nameNode = node.childForFieldName('name');
    if (!nameNode) return;
    const index = facts.classes.length;
    const qualname = scope.prefix + nameNode.text;
    const bases = (node.childForFieldName('superclasses')?.namedChildren ?? [])
      .map((b) => dotted(b))
      .filter((b): b is string => b !== undefined);
    facts.classes.push({ name: nameNode.text, qualname, bases, span: spanOf(nameNode), members: {} });
    bind(scope, nameNode.text, `#c${index}`);
    const body = node.childForFieldName('body');
    if (body) walkTree(body, { fn: scope.fn, cls: index, classBody: true, prefix: `${qualname}.` }, depth + 1);
  };

  function visit(cursor: TreeCursor, scope: Scope, depth: number): void {
    switch (cursor.nodeType) {
      case 'function_definition':
        defineFunction(cursor.currentNode, [], scope, depth);
        return;
      case 'class_definition':
        defineClass(cursor.currentNode, scope, depth);
        return;
      case 'decorated_definition': {
        const node = cursor.currentNode;
        const decorators = node.namedChildren
          .filter((c) => c?.type === 'decorator')
          .map((d) => {
            const expression = d!.namedChild(0);
            // `@gen.coroutine(…)`-style factories: the decorator is the called name.
            return dotted(expression?.type === 'call' ? expression.childForFieldName('function') : expression) ?? '';
          });
        const definition = node.childForFieldName('definition');
        if (definition?.type === 'function_definition') defineFunction(definition, decorators, scope, depth);
        else if (definition?.type === 'class_definition') defineClass(definition, scope, depth);
        return;
      }
      case 'lambda':
        return; // runs later, synchronously, when called: not part of the enclosing body
      case 'import_statement':
      case 'import_from_statement':
        recordImport(cursor.currentNode, scope);
        return;
      case 'future_import_statement':
        return;
      case 'comment': {
        const match = NOQA.exec(cursor.nodeText);
        if (match) {
          const line = cursor.startPosition.row;
          facts.noqa[line] = match[1] ? match[1].split(',').map((c) => c.trim().toUpperCase()) : ['*'];
        }
        return;
      }
      case 'call':
        recordCall(cursor.currentNode, scope);
        break;
      case 'assignment':
        recordAssignment(cursor.currentNode, scope);
        break;
      case 'with_item': {
        const value = cursor.currentNode.childForFieldName('value');
        if (value?.type === 'as_pattern') {
          const target = value.childForFieldName('alias')?.namedChild(0);
          const source = dotted(value.namedChild(0));
          if (target?.type === 'identifier' && source) bind(scope, target.text, source);
        }
        break;
      }
      case 'yield':
        if (scope.fn !== undefined && !scope.classBody) facts.functions[scope.fn]!.hasYield = true;
        break;
      case 'ERROR':
      case 'MISSING':
        if (!syntaxReported) {
          syntaxReported = true;
          const node = cursor.currentNode;
          facts.problems.push({ message: 'syntax error: the code around here was analysed as far as it parses', span: spanOf(node) });
        }
        break;
    }
    walk(cursor, scope, depth + 1, true);
  }

  /** Visits the children of the cursor's node (or, with `children` false, the node itself). */
  function walk(cursor: TreeCursor, scope: Scope, depth: number, children = false): void {
    if (depth > MAX_DEPTH) {
      if (!tooDeep) {
        tooDeep = true;
        facts.problems.push({ message: `nesting deeper than ${MAX_DEPTH} levels: the innermost code was not analysed`, span: [cursor.startPosition.row, cursor.startPosition.column, cursor.endPosition.row, cursor.endPosition.column] });
      }
      return;
    }
    if (!children) {
      visit(cursor, scope, depth);
      return;
    }
    if (!cursor.gotoFirstChild()) return;
    do visit(cursor, scope, depth);
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }

  /** Cursors live in WebAssembly memory: free each one when its subtree is done. */
  function walkTree(node: Node, scope: Scope, depth: number, children = false): void {
    const cursor = node.walk();
    try {
      walk(cursor, scope, depth, children);
    } finally {
      cursor.delete();
    }
  }

  walkTree(tree.rootNode, { classBody: false, prefix: '' }, 0, true);
  if (tree.rootNode.hasError && !syntaxReported) {
    facts.problems.push({ message: 'syntax error: the code around here was analysed as far as it parses', span: spanOf(tree.rootNode) });
  }
  facts.framework = frameworkOf(facts);
  return facts;
}

function frameworkOf(facts: ModuleFacts): Framework {
  const modules = [...Object.values(facts.imports), ...facts.starImports].map((q) => q.split('.')[0]);
  for (const framework of ['trio', 'anyio', 'tornado'] as const) if (modules.includes(framework)) return framework;
  return 'asyncio';
}

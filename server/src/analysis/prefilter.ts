/**
 * The lexical prefilter: a file can hold a finding only if it has a coroutine context
 * (`async def`, a coroutine decorator) or a task spawn — or if it calls a coroutine function
 * without awaiting it (CORO200 in synchronous code). Most of a large tree has none of these, and a
 * regular-expression scan is ~50× cheaper than a parse, so only files that pass are parsed up
 * front; the modules their calls lead into are parsed on demand.
 */
import { enteredBy } from './chunks';
import { absoluteModule, firstName } from './facts';
import { libraryCoroutineFunctions, loopHandlerMethods } from './rules/catalogue';

export function prefilterFor(extraDecorators: string[]): (text: string) => boolean {
  const extra = extraDecorators.map((d) => d.split('.').pop()!.replace(/[^\w]/g, ''));
  const pattern = new RegExp(`async\\s+def|coroutine|gen\\.engine|gen_test|create_task|ensure_future${extra.map((e) => `|${e}`).join('')}`);
  return (text) => pattern.test(text) || mayDefineLoopHandler(text);
}

/** A Tornado handler's entry point written as a method (`def get(self`); its class is told by resolution. */
const HANDLER_METHOD = new RegExp(`^[ \\t]+def[ \\t]+(?:${[...loopHandlerMethods].join('|')})[ \\t]*\\([ \\t]*self\\b`, 'm');

/**
 * Whether a file without coroutine code may still define a Tornado handler whose synchronous
 * methods run on the IOLoop: it names a handler class (`RequestHandler`, a project's `BaseHandler`)
 * and defines a method named like an entry point.
 */
function mayDefineLoopHandler(text: string): boolean {
  return text.includes('Handler') && HANDLER_METHOD.test(text);
}

/**
 * The test for one file's blocks, stricter than the file prefilter (a docstring that mentions
 * "coroutine" does not count): an `async def`, a decorator line naming a coroutine decorator —
 * a configured one, or either imported under another name (`from tornado.gen import coroutine as
 * co`, `from fw import task as job`) —, or a task spawn.
 */
export function blockFilterFor(extraDecorators: string[], fileText: string): (block: string) => boolean {
  const named = ['coroutine', 'engine', 'gen_test', ...extraDecorators.map((d) => d.split('.').pop()!.replace(/[^\w]/g, ''))];
  const aliased = new RegExp(`\\b(?:${named.join('|')})\\s+as\\s+([A-Za-z_]\\w*)`, 'g');
  const aliases = [...fileText.matchAll(aliased)].map((m) => m[1]!);
  const decorators = [...named, ...aliases];
  const pattern = new RegExp(`async\\s+def|^[ \\t]*@[\\w. \\t]*\\b(?:${decorators.join('|')})\\b|create_task\\s*\\(|ensure_future\\s*\\(`, 'm');
  return (block) => pattern.test(block);
}

/**
 * One pass over a file the prefilter rejects, at line starts only: an import (group 1), a call made
 * as a statement of its own (group 2: the dotted callee), an assignment (group 3 the name, 4 its
 * annotation, 5 the value's leading dotted name: `client: Client = make(`, `client = api.CLIENT`), an
 * annotation alone (groups 6 and 7), a function header (group 8: its parameters are read after it),
 * or a `with` statement (group 9: its line) — a dropped coroutine (CORO200) needs a statement call of
 * its name written through a name bound to its module (or class) by an import, or through a local
 * whose constructor, factory, annotation, value or `with` item leads to such a name.
 * Kept this simple because it runs over every such file (~0.1 s over 38 MB).
 */
const STATEMENT_CALL_OR_IMPORT = new RegExp(
  [
    String.raw`^[ \t]*(?:(from|import)[ \t]`,
    String.raw`([A-Za-z_][\w.]*)[ \t]*\(`,
    String.raw`([A-Za-z_]\w*)[ \t]*(?::[ \t]*['"]?([A-Za-z_][\w.]*)[^=\n]*)?=(?!=)[ \t]*(?:await[ \t]+)?([A-Za-z_][\w.]*)`,
    String.raw`([A-Za-z_]\w*)[ \t]*:[ \t]*['"]?([A-Za-z_][\w.]*)`,
    String.raw`(?:async[ \t]+)?def[ \t]+\w+[ \t]*(\()`,
    String.raw`(?:async[ \t]+)?with[ \t]([^\n]*))`,
  ].join('|'),
  'gm',
);
/** An annotated parameter in a header's parameter list: `client: api.Client`, `client: "api.Client"`. */
const ANNOTATED_PARAMETER = /([A-Za-z_]\w*)[ \t]*:[ \t]*['"]?([A-Za-z_][\w.]*)/g;
/** A `with` item's target: `as client`. */
const AS_TARGET = /\bas[ \t]+([A-Za-z_]\w*)/g;
const FROM_IMPORT = /from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/y;
const IMPORT = /import[ \t]+([^\n#;]+)/y;

/** What a file the prefilter rejects says, lexically, about the coroutines it could drop. */
export interface StatementCalls {
  /** Its statement calls through an imported name, dotted as written (`api.fetch`, `fetch`), sorted, once each. */
  calls: string[];
  /** Its imports as `local=module` (`import a.b as c` → `c=a.b`; `from a import b` → `b=a.b`; relative ones as written, `m=.m`; `from a import *` → `*=a`). */
  imports: string[];
}

/** A rejected file's StatementCalls; undefined when it makes no statement call or imports nothing (it can drop no coroutine). */
export function statementCalls(text: string): StatementCalls | undefined {
  const calls = new Set<string>();
  const imports = new Set<string>();
  /** Local name → the dotted names that may type it (file-wide: a prefilter may over-approximate). */
  const typing = new Map<string, Set<string>>();
  const typedBy = (local: string, name: string): void => {
    const names = typing.get(local);
    if (names) names.add(name);
    else typing.set(local, new Set([name]));
  };
  for (const match of text.matchAll(STATEMENT_CALL_OR_IMPORT)) {
    if (match[2]) {
      calls.add(match[2]);
      continue;
    }
    if (match[3]) {
      if (match[4]) typedBy(match[3], match[4]);
      typedBy(match[3], match[5]!);
      continue;
    }
    if (match[6]) {
      typedBy(match[6], match[7]!);
      continue;
    }
    if (match[8]) {
      const parameters = match.index + match[0].length;
      for (const parameter of text.slice(parameters, closingParenthesis(text, parameters)).matchAll(ANNOTATED_PARAMETER)) typedBy(parameter[1]!, parameter[2]!);
      continue;
    }
    if (match[9] !== undefined) {
      const line = match[9];
      for (const target of line.matchAll(AS_TARGET)) {
        const entered = enteredBy(line, target.index);
        if (entered) typedBy(target[1]!, entered);
      }
      continue;
    }
    const at = match.index + match[0].length - match[1]!.length - 1;
    const statement = match[1] === 'from' ? FROM_IMPORT : IMPORT;
    statement.lastIndex = at;
    const found = statement.exec(text);
    if (!found) continue;
    if (match[1] === 'import') for (const part of found[1]!.split(',')) addImport(imports, '', part, true);
    else {
      const from = found[1]!;
      const names = found[2]!.replace(/[()\\]/g, ' ');
      // `from svc.api import *`: any name may come from there, written `*=svc.api`.
      if (names.trim() === '*') imports.add(`*=${from}`);
      const prefix = from.endsWith('.') || !from ? from : `${from}.`;
      for (const part of names.split(',')) addImport(imports, prefix, part, false);
    }
  }
  if (!calls.size || !imports.size) return undefined;
  // Only a call through an imported name can be linked lexically to another module's coroutine; one
  // through a local typed by an imported name is written as through that name (`Client.close`).
  const locals = new Set([...imports].map((binding) => binding.slice(0, binding.indexOf('='))));
  // After a star import, a name no import spells may still be one.
  const imported = (name: string): boolean => locals.has(name) || locals.has('*');
  const reachable = new Set<string>();
  for (const call of calls) {
    const head = firstName(call);
    if (imported(head)) reachable.add(call);
    if (!locals.has(head)) for (const name of typingNames(typing, head)) if (imported(firstName(name))) reachable.add(name + call.slice(head.length));
  }
  return reachable.size ? { calls: [...reachable].sort(), imports: [...imports].sort() } : undefined;
}

/** The names that may type `local`, through other locals too (`second = first`, `first = Client()`). */
function typingNames(typing: ReadonlyMap<string, ReadonlySet<string>>, local: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set([local]);
  const pending = [local];
  while (pending.length) {
    for (const name of typing.get(pending.pop()!) ?? []) {
      names.add(name);
      if (!name.includes('.') && !seen.has(name)) {
        seen.add(name);
        pending.push(name);
      }
    }
  }
  return names;
}

/** Where the parenthesised list opened just before `from` closes (the end of the text when it does not). */
function closingParenthesis(text: string, from: number): number {
  let depth = 1;
  for (let at = from; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return at;
  }
  return text.length;
}

/** `local=module` for one imported name (`a.b as c` → `c=a.b`; `import a.b` binds `a`). */
function addImport(into: Set<string>, prefix: string, part: string, isImport: boolean): void {
  const match = /^\s*([A-Za-z_][\w.]*)(?:\s+as\s+([A-Za-z_]\w*))?/.exec(part);
  if (!match) return;
  const name = match[1]!;
  const local = match[2] ?? (isImport ? name.split('.')[0]! : name);
  into.add(`${local}=${prefix}${match[2] || !isImport ? name : local}`);
}

/** Where coroutine functions are defined, by name: the modules of the workspace's and the catalogue's library ones. */
export type CoroutineHomes = ReadonlyMap<string, readonly string[]>;

/** The homes of the library coroutine functions (`asyncio.sleep` → `sleep` in `asyncio`). */
const libraryHomes: Array<[string, string]> = [...libraryCoroutineFunctions].map((name) => [name.slice(name.lastIndexOf('.') + 1), name.slice(0, name.lastIndexOf('.'))]);

/** Last names of the catalogue's library coroutine functions (`asyncio.sleep` → `sleep`). */
export const libraryCoroutineNames: ReadonlySet<string> = new Set(libraryHomes.map(([name]) => name));

/** CoroutineHomes of the workspace's coroutine functions (each module with their names) and the library ones. */
export function coroutineHomes(modules: Iterable<{ module: string; coroutines: Iterable<string> }>): CoroutineHomes {
  const homes = new Map<string, string[]>();
  const add = (name: string, module: string): void => {
    const list = homes.get(name);
    if (!list) homes.set(name, [module]);
    else if (!list.includes(module)) list.push(module);
  };
  for (const { module, coroutines } of modules) for (const name of coroutines) add(name, module);
  for (const [name, module] of libraryHomes) add(name, module);
  return homes;
}

/**
 * Whether a rejected file (`module`) may drop a coroutine: a statement call of a coroutine's name
 * through a name an import binds to its module, to its module's package (whose `__init__` may
 * re-export it) or to a class or function there (statementCalls writes a call through a typed local
 * as through its type). A call through an untyped variable (`client.close()` on a parameter without
 * annotation) or `self` (an inherited coroutine method), or through a re-export from further away, is missed:
 * lexically nothing ties it to the coroutine, and analysing every file with such calls cost more
 * than a tenth of a cold run for no finding on the benchmark corpus.
 */
export function mayDropCoroutine(found: StatementCalls | undefined, module: string, isPackage: boolean, homes: CoroutineHomes): boolean {
  if (!found) return false;
  const bound = new Map<string, string>();
  /** The modules star imports take every name of. */
  const stars: string[] = [];
  for (const binding of found.imports) {
    const [local, name] = binding.split('=') as [string, string];
    const dots = /^\.*/.exec(name)![0].length;
    const absolute = dots ? absoluteModule(module, isPackage, dots, name.slice(dots)) : name;
    if (!absolute) continue;
    if (local === '*') stars.push(absolute);
    else bound.set(local, absolute);
  }
  const parent = (name: string): string => name.slice(0, name.lastIndexOf('.'));
  /** `name` is the module `home` or its package, or a class or function of either. */
  const near = (name: string | undefined, home: string): boolean =>
    name !== undefined && (name === home || name === parent(home) || parent(name) === home || parent(name) === parent(home));
  return found.calls.some((call) => {
    const dot = call.indexOf('.');
    const first = dot < 0 ? call : call.slice(0, dot);
    const imported = bound.get(first);
    // A bare call is looked up by the name it was imported as (`from svc.api import fetch as get`).
    const last = dot >= 0 ? call.slice(call.lastIndexOf('.') + 1) : imported ? imported.slice(imported.lastIndexOf('.') + 1) : call;
    return homes.get(last)?.some((home) => {
      // A name no import binds may come from a star import of its module or of its package (re-exported).
      if (imported === undefined) return stars.some((star) => star === home || star === parent(home));
      // `fetch()` after `from svc.api import fetch` (or `from svc import fetch`, re-exported): bound to `svc.api.fetch`.
      if (dot < 0) return near(imported, home);
      return imported !== undefined && (imported === home || imported === parent(home) || parent(imported) === home);
    });
  });
}

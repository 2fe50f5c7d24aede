/**
 * Quick fixes of findings, written from facts alone (findings are cached, the text is not at hand):
 * the call's shape and the import anchor come from fixFacts.ts.
 *
 * - `time.sleep(x)` → `await asyncio.sleep(x)` / `trio` / `anyio`, `yield gen.sleep(x)` in `@gen.coroutine`;
 * - any other blocking call (and a call into a blocking helper) → run it in a thread:
 *   `await asyncio.to_thread(f, a, b=c)`, `await trio.to_thread.run_sync(f, a)`,
 *   `await anyio.to_thread.run_sync(f, a)`, `yield|await IOLoop.current().run_in_executor(None, f, a)`;
 *   `functools.partial(f, a, b=c)` wraps the call only when it has keyword arguments and the API
 *   passes positional arguments only;
 * - a coroutine called without `await` → insert `await ` / `yield `.
 *
 * A missing import is added (once per statement, so fix-all merges them). A fix is left out when it
 * cannot be written safely: the name it needs is used otherwise in the module or bound in the
 * function, the call has no plain argument list, or the keyword is not allowed where the call sits.
 */
import type { Fix, Framework, Position, RuleCode, TextEdit } from '../api';
import { shownCallee, type CallFact, type FunctionFact, type ModuleFacts, type Span } from '../facts';
import { coroutineFramework } from '../frameworks';
import type { ModuleSource } from '../resolve';

export type CoroutineStyle = 'async' | 'generator';

interface Site {
  source: ModuleSource;
  fn: FunctionFact;
  style: CoroutineStyle;
  call: CallFact;
}

/** How a fix writes a name: the text, and the import statements it needs added. */
interface Reference {
  text: string;
  imports: string[];
}

/** What to import when a name is not reachable yet: the bound name and its statement. */
interface ImportPlan {
  /** The qualified name wanted (`tornado.ioloop.IOLoop`). */
  qualified: string;
  /** A module whose existing import also reaches it (`tornado.ioloop` → `ioloop.IOLoop`). */
  parent?: string;
  /** The name the added statement binds, and how the fix then writes the qualified name. */
  binds: string;
  statement: string;
  text: string;
}

const moduleImport = (module: string): ImportPlan => ({ qualified: module, binds: module, statement: `import ${module}`, text: module });
const PARTIAL: ImportPlan = { qualified: 'functools.partial', parent: 'functools', binds: 'functools', statement: 'import functools', text: 'functools.partial' };
const IOLOOP: ImportPlan = { qualified: 'tornado.ioloop.IOLoop', parent: 'tornado.ioloop', binds: 'IOLoop', statement: 'from tornado.ioloop import IOLoop', text: 'IOLoop' };
const GEN: ImportPlan = { qualified: 'tornado.gen', binds: 'gen', statement: 'from tornado import gen', text: 'gen' };

/** Codes whose call can be moved to a thread as it is written (CORO110 starts an event loop: a thread does not fix it). */
const OFFLOADABLE = (code: RuleCode): boolean => code !== 'CORO110';

/** Fixes of a direct blocking call (`name` is its qualified name, `code` the rule it is reported under). */
export function blockingCallFixes(source: ModuleSource, fn: FunctionFact, style: CoroutineStyle, call: CallFact, name: string, code: RuleCode): Fix[] {
  const site: Site = { source, fn, style, call };
  if (name === 'time.sleep') return optional(sleepFix(site));
  return OFFLOADABLE(code) ? optional(offloadFix(site)) : [];
}

/** Fixes of a call into a workspace function that blocks (CORO120): run it in a thread. */
export function blockingHelperFixes(source: ModuleSource, fn: FunctionFact, style: CoroutineStyle, call: CallFact): Fix[] {
  return optional(offloadFix({ source, fn, style, call }));
}

/** Fixes of a coroutine called without awaiting it (CORO200), in a coroutine of either style. */
export function missingAwaitFixes(source: ModuleSource, fn: FunctionFact, style: CoroutineStyle | undefined, call: CallFact): Fix[] {
  if (!style) return [];
  const site: Site = { source, fn, style, call };
  const keyword = keywordFor(site);
  if (!keyword || call.shape?.holder !== 'statement') return [];
  const at = start(call.span);
  return [{ title: `Add ${keyword}`, preferred: true, edits: [edit(source.path, at, at, `${keyword} `)] }];
}

function optional(fix: Fix | undefined): Fix[] {
  return fix ? [fix] : [];
}

/** `await` in `async def`, `yield` in a Tornado `@gen.coroutine`; undefined where neither is valid here. */
function keywordFor(site: Site): 'await' | 'yield' | undefined {
  const comprehension = site.call.shape?.comprehension;
  if (site.style === 'async') return comprehension === 'generator' ? undefined : 'await';
  return isTornadoGenCoroutine(site.source.facts, site.fn) && !comprehension ? 'yield' : undefined;
}

function sleepFix(site: Site): Fix | undefined {
  const keyword = keywordFor(site);
  if (!keyword || !site.call.shape) return undefined;
  const framework: Framework = coroutineFramework(site.source.facts, site.fn);
  const plan = keyword === 'yield' ? GEN : moduleImport(framework === 'trio' || framework === 'anyio' ? framework : 'asyncio');
  const module = reference(site, plan);
  if (!module) return undefined;
  const replacement = `${keyword} ${module.text}.sleep`;
  const wrap = needsParentheses(site, keyword);
  const { path } = site.source;
  const edits = [edit(path, start(site.call.span), end(site.call.span), `${wrap ? '(' : ''}${replacement}`)];
  if (wrap) edits.push(insert(path, argsEnd(site.call), ')'));
  return finish(site, `Replace with ${replacement}()`, true, edits, module.imports);
}

function offloadFix(site: Site): Fix | undefined {
  const keyword = keywordFor(site);
  const shape = site.call.shape;
  if (!keyword || !shape) return undefined;
  const framework = coroutineFramework(site.source.facts, site.fn);
  const tornado = keyword === 'yield' || framework === 'tornado';
  let runner: Reference | undefined;
  let partialNeeded = shape.keywords;
  if (tornado) {
    const loop = reference(site, IOLOOP);
    runner = loop && { text: `${loop.text}.current().run_in_executor(None, `, imports: loop.imports };
  } else if (framework === 'trio' || framework === 'anyio') {
    const module = reference(site, moduleImport(framework));
    runner = module && { text: `${module.text}.to_thread.run_sync(`, imports: module.imports };
  } else {
    const module = reference(site, moduleImport('asyncio'));
    runner = module && { text: `${module.text}.to_thread(`, imports: module.imports };
    partialNeeded = false; // asyncio.to_thread passes keyword arguments on
  }
  if (!runner) return undefined;
  const partial = partialNeeded ? reference(site, PARTIAL) : { text: '', imports: [] };
  if (!partial) return undefined;
  const wrap = needsParentheses(site, keyword);
  const call = `${keyword} ${runner.text}${partialNeeded ? `${partial.text}(` : ''}`;
  const opening = `${wrap ? '(' : ''}${call}`;
  const closing = `${partialNeeded ? ')' : ''}${wrap ? ')' : ''}`;
  const { path } = site.source;
  const open = argsStart(site.call);
  const edits = [insert(path, start(site.call.span), opening), edit(path, open, { line: open.line, column: open.column + 1 }, shape.empty ? '' : ', ')];
  if (closing) edits.push(insert(path, argsEnd(site.call), closing));
  const shown = `${call}${shownCallee(site.call.callee)}${shape.empty ? '' : ', …'})${partialNeeded ? ')' : ''}`;
  return finish(site, `Run in a thread: ${shown}`, false, edits, [...runner.imports, ...partial.imports]);
}

/** `await x.y` binds as `await (x.y)`; a `yield` is bare only as a statement or the whole right side of an assignment. */
function needsParentheses(site: Site, keyword: 'await' | 'yield'): boolean {
  const holder = site.call.shape!.holder;
  return keyword === 'await' ? holder === 'primary' : holder !== 'statement' && holder !== 'assigned';
}

function finish(site: Site, title: string, preferred: boolean, edits: TextEdit[], imports: string[]): Fix | undefined {
  const anchor = site.source.facts.importAt;
  if (imports.length && !anchor) return undefined;
  const importEdits = imports.map((statement) => insert(site.source.path, { line: anchor!.line, column: 0 }, `${statement}${anchor!.newline}`));
  return { title, preferred, edits: [...importEdits, ...edits] };
}

/** How `plan.qualified` is written in the site's function: an existing import (any alias), or the import to add. */
function reference(site: Site, plan: ImportPlan): Reference | undefined {
  const direct = visibleName(site, plan.qualified);
  if (direct) return { text: direct, imports: [] };
  const parent = plan.parent && visibleName(site, plan.parent);
  if (parent) return { text: `${parent}.${plan.qualified.slice(plan.parent!.length + 1)}`, imports: [] };
  return isFree(site, plan.binds) ? { text: plan.text, imports: [plan.statement] } : undefined;
}

/** The enclosing functions' bindings, innermost first. */
function scopeChain(site: Site): FunctionFact[] {
  const chain: FunctionFact[] = [];
  const { functions } = site.source.facts;
  for (let fn: FunctionFact | undefined = site.fn; fn && chain.length < 64; fn = fn.parent === undefined ? undefined : functions[fn.parent]) chain.push(fn);
  return chain;
}

/** A name bound to exactly `qualified` where the call is, by a function-level or a module-level import. */
function visibleName(site: Site, qualified: string): string | undefined {
  const chain = scopeChain(site);
  const shadowed = (name: string, depth: number): boolean => chain.slice(0, depth).some((fn) => name in fn.locals);
  for (let depth = 0; depth < chain.length; depth++) {
    for (const [name, value] of Object.entries(chain[depth]!.locals)) {
      // `=q` an absolute import, `~q` a relative one (facts.ts).
      if ((value === `=${qualified}` || value === `~${qualified}`) && !shadowed(name, depth)) return name;
    }
  }
  const { imports, globals, fixNameClashes } = site.source.facts;
  for (const [name, value] of Object.entries(imports)) {
    if (value === qualified && !(name in globals) && !fixNameClashes?.includes(name) && !shadowed(name, chain.length)) return name;
  }
  return undefined;
}

/** Whether an import binding `name` at module level changes nothing the module already means by it. */
function isFree(site: Site, name: string): boolean {
  const { imports, globals, lazy, fixNameClashes } = site.source.facts;
  if (name in imports || name in globals || (lazy && name in lazy) || fixNameClashes?.includes(name)) return false;
  return !scopeChain(site).some((fn) => name in fn.locals);
}

/** Whether `fn` is decorated `@tornado.gen.coroutine` (under any alias): it runs on Tornado's IOLoop. */
export function isTornadoGenCoroutine(facts: ModuleFacts, fn: FunctionFact): boolean {
  const { imports } = facts;
  return fn.decorators.some((decorator) => {
    const [head, ...rest] = decorator.split('.');
    const module = imports[head!];
    return module !== undefined && [module, ...rest].join('.') === 'tornado.gen.coroutine';
  });
}

function start(span: Span): Position {
  return { line: span[0], column: span[1] };
}

function end(span: Span): Position {
  return { line: span[2], column: span[3] };
}

function argsStart(call: CallFact): Position {
  const args = call.shape!.args;
  return { line: call.span[0] + args[0], column: args[1] };
}

function argsEnd(call: CallFact): Position {
  const args = call.shape!.args;
  return { line: call.span[0] + args[2], column: args[3] };
}

function edit(path: string, from: Position, to: Position, newText: string): TextEdit {
  return { path, range: { start: from, end: to }, newText };
}

function insert(path: string, at: Position, newText: string): TextEdit {
  return edit(path, at, at, newText);
}

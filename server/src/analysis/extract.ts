/** Source text → facts, optionally leaving blocks without coroutine code for later (chunks.ts). */
import type { Parser } from 'web-tree-sitter';
import { lazySource, mergeLazy, prepareLazy, shiftedFacts, type LazyBlock } from './chunks';
import { extractFacts, mentionsWrappers, setName, syntaxProblem, type ModuleFacts } from './facts';
import { guardNames } from './guards';
import { scanPython } from './lexical';
import { blockFilterFor } from './prefilter';

/** `lazyWithDecorators`: leave blocks without coroutine markers lazy (the prefilter with these extra decorators). */
export function factsFromText(parser: Parser, text: string, module: string, isPackage: boolean, lazyWithDecorators?: string[]): ModuleFacts | undefined {
  const prepared = lazyWithDecorators ? prepareLazy(text, blockFilterFor(lazyWithDecorators, text), scanPython(text)) : undefined;
  const tree = parser.parse(prepared?.text ?? text);
  if (!tree) return undefined;
  try {
    const facts = extractFacts(tree, module, isPackage, text);
    if (prepared?.suspectBlanked) replaceWithWholeFileSyntaxProblem(parser, text, facts);
    if (prepared && Object.keys(prepared.lazy).length) {
      facts.lazy = prepared.lazy;
      for (const name of Object.keys(prepared.lazy)) setName(facts.globals, name, '#lazy');
    }
    for (const [className, members] of Object.entries(prepared?.lazyMembers ?? {})) {
      const cls = facts.classes.find((c) => c.qualname === className);
      if (cls) cls.lazyMembers = members;
    }
    return facts;
  } finally {
    tree.delete();
  }
}

/**
 * The lexical scan suspects a syntax error in a block the parse left out: parse the whole text once
 * (rare: only then) so the file's note names its first syntax error, wherever it is.
 */
function replaceWithWholeFileSyntaxProblem(parser: Parser, text: string, facts: ModuleFacts): void {
  const whole = parser.parse(text);
  if (!whole) return;
  try {
    const problem = syntaxProblem(whole);
    if (problem) facts.problems = [problem];
  } finally {
    whole.delete();
  }
}

/** The guardNames of a file's whole text, by its lines as materialize gets them (a block's own text shows no module constant). */
const guardNamesByLines = new WeakMap<string[], ReadonlySet<string> | undefined>();

function fileGuardNames(lines: string[]): ReadonlySet<string> | undefined {
  if (!guardNamesByLines.has(lines)) guardNamesByLines.set(lines, guardNames(lines.join('\n')));
  return guardNamesByLines.get(lines);
}

/** Parses lazy blocks of `facts`' file (split into `lines`) in one go and merges them in; false when none was left. */
export function materialize(parser: Parser, facts: ModuleFacts, lines: string[], module: string, isPackage: boolean, classIndex: number | undefined, names: string[]): boolean {
  const table = classIndex === undefined ? facts.lazy : facts.classes[classIndex]!.lazyMembers;
  const taken = new Map<string, LazyBlock>();
  for (const name of names) {
    if (!table || !Object.hasOwn(table, name)) continue;
    taken.set(name, table[name]!);
    delete table[name];
  }
  const blocks = [...taken.values()];
  if (!blocks.length) return false;
  const member = classIndex !== undefined;
  const source = lazySource(lines, blocks, member);
  const tree = parser.parse(source.text);
  if (!tree) return true;
  try {
    // As a statement of its own: what belongs to the whole file (noqa, syntax problems, fix anchors) is not merged anyway.
    const part = shiftedFacts(extractFacts(tree, module, isPackage, source.text, { node: tree.rootNode, wrappers: mentionsWrappers(source.text), guardNames: fileGuardNames(lines) }), source.firstLine);
    const classesBefore = facts.classes.length;
    mergeLazy(facts, part, classIndex);
    // Classes that came in lazily carry their own lazy members.
    if (!member) {
      for (const cls of facts.classes.slice(classesBefore)) {
        const members = taken.get(cls.qualname)?.members;
        if (members) cls.lazyMembers = members;
      }
    }
  } finally {
    tree.delete();
  }
  if (!member) for (const name of names) if (Object.hasOwn(facts.globals, name) && facts.globals[name] === '#lazy') delete facts.globals[name];
  return true;
}

/** Source text → facts, optionally leaving blocks without coroutine code for later (chunks.ts). */
import type { Parser } from 'web-tree-sitter';
import { lazySource, mergeLazy, prepareLazy, shiftFacts, type LazyBlock } from './chunks';
import { extractFacts, type ModuleFacts } from './facts';

export function factsFromText(parser: Parser, text: string, module: string, isPackage: boolean, wanted?: (block: string) => boolean): ModuleFacts | undefined {
  const prepared = wanted ? prepareLazy(text, wanted) : undefined;
  const tree = parser.parse(prepared?.text ?? text);
  if (!tree) return undefined;
  try {
    const facts = extractFacts(tree, module, isPackage, text);
    if (prepared && Object.keys(prepared.lazy).length) {
      facts.lazy = prepared.lazy;
      for (const name of Object.keys(prepared.lazy)) facts.globals[name] = '#lazy';
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

/** Parses lazy blocks of `facts`' file (split into `lines`) in one go and merges them in; false when none was left. */
export function materialize(parser: Parser, facts: ModuleFacts, lines: string[], module: string, isPackage: boolean, classIndex: number | undefined, names: string[]): boolean {
  const table = classIndex === undefined ? facts.lazy : facts.classes[classIndex]!.lazyMembers;
  const blocks: LazyBlock[] = [];
  for (const name of names) {
    const block = table?.[name];
    if (!block) continue;
    blocks.push(block);
    delete table[name];
  }
  if (!blocks.length) return false;
  const member = classIndex !== undefined;
  const source = lazySource(lines, blocks.map((b) => b.lines), member);
  const tree = parser.parse(source.text);
  if (!tree) return true;
  try {
    const part = extractFacts(tree, module, isPackage, source.text);
    shiftFacts(part, source.firstLine);
    mergeLazy(facts, part, classIndex);
  } finally {
    tree.delete();
  }
  if (!member) for (const name of names) if (facts.globals[name] === '#lazy') delete facts.globals[name];
  return true;
}

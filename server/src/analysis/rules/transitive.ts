/**
 * CORO120: does a synchronous workspace function block, directly or through the functions it
 * calls? Computed per call-graph region on demand: collect every function reachable from the one
 * asked about (parsing modules as calls lead into them), then propagate to a fixpoint in rounds —
 * round n finds the functions whose shortest blocking chain has n hops, so chains are shortest
 * and cycles terminate. Results are memoised until the engine's inputs change; a memoised summary
 * of depth d joins a later region's rounds at round d + 1, so a function's chain is the same
 * whichever functions were asked about before (analysis order, or which thread analyses a file,
 * never changes a finding).
 */
import type { RuleCode } from '../api';
import type { CallFact, EnteredObject, Span } from '../facts';
import { helperLockTakers, type BlockingCall } from './catalogue';
import type { ModuleSource } from '../resolve';
import type { Checker } from './checks';
import { inDeadBranch } from '../guards';
import { raisesWithoutLoop } from '../runningLoop';

export interface Summary {
  /** The call in this function that leads to blocking. */
  call: CallFact;
  source: ModuleSource;
  next: { kind: 'blocking'; name: string; code: RuleCode } | { kind: 'function'; source: ModuleSource; index: number };
  /** Calls between this function and the blocking call: 0 when this function makes it. */
  depth: number;
}

interface Node {
  source: ModuleSource;
  index: number;
  direct?: Summary;
  edges: Array<{ call: CallFact; key: string; source: ModuleSource; index: number }>;
}

const keyOf = (source: ModuleSource, index: number): string => `${source.path}#${index}`;

/**
 * Whether a `# noqa` on the line of a call in a synchronous function takes that call out of every
 * CORO120 chain: a bare one, one naming CORO120, or, for a blocking call, one naming its `code` —
 * the user said this call is fine here, so a coroutine calling the function is not flagged for it.
 */
function cutByNoqa(source: ModuleSource, span: Span, code?: RuleCode): boolean {
  const codes = source.facts.noqa[span[0]];
  return !!codes && (codes.includes('*') || codes.includes('CORO120') || (code !== undefined && codes.includes(code)));
}

/** The first of `items` (objects a function iterates or indexes) whose reading `blocks`, as a direct summary. */
function blockingRead(source: ModuleSource, items: EnteredObject[] | undefined, blocks: (expr: string) => { name: string; entry: BlockingCall } | undefined): Summary | undefined {
  for (const item of items ?? []) {
    const blocking = blocks(item.value);
    if (!blocking || cutByNoqa(source, item.span, blocking.entry.code)) continue;
    const call: CallFact = { callee: item.value, span: item.span, awaited: false, dropped: false };
    return { call, source, next: { kind: 'blocking', name: blocking.name, code: blocking.entry.code }, depth: 0 };
  }
  return undefined;
}

export class TransitiveSummaries {
  private readonly memo = new Map<string, Summary | null>();
  /** Every file whose facts a memoised summary depends on (for `dependents`). */
  private readonly filesOf = new Map<string, Set<string>>();

  constructor(private readonly checker: Checker) {}

  of(source: ModuleSource, index: number): Summary | null {
    const key = keyOf(source, index);
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.compute(source, index);
    return this.memo.get(key) ?? null;
  }

  /** The files behind this function's summary when it is memoised and says the function does not block. */
  knownClean(source: ModuleSource, index: number): ReadonlySet<string> | undefined {
    return this.memo.get(keyOf(source, index)) === null ? this.filesBehind(source, index) : undefined;
  }

  /** Files the summary of this function was computed from. */
  filesBehind(source: ModuleSource, index: number): ReadonlySet<string> {
    return this.filesOf.get(keyOf(source, index)) ?? new Set([source.path]);
  }

  private compute(source: ModuleSource, index: number): void {
    const nodes = new Map<string, Node>();
    const files = new Set<string>();
    const stack: Array<[ModuleSource, number]> = [[source, index]];
    while (stack.length) {
      const [src, idx] = stack.pop()!;
      const key = keyOf(src, idx);
      if (nodes.has(key)) continue;
      if (this.memo.has(key)) {
        for (const file of this.filesOf.get(key) ?? []) files.add(file);
        continue;
      }
      files.add(src.path);
      const node: Node = { source: src, index: idx, edges: [] };
      nodes.set(key, node);
      for (const call of src.facts.functions[idx]!.calls) {
        // A summary answers for callers on a loop's thread, where code that runs only without a loop never does.
        if (call.awaited || inDeadBranch(src.facts, call) || raisesWithoutLoop(call.withoutLoop, src.facts.imports)) continue;
        const target = this.checker.forced(this.checker.classify(src, idx, call), files);
        if (target?.kind === 'blocking') {
          if (helperLockTakers.has(target.name)) continue;
          const code = node.direct ? undefined : this.checker.blockingCode(src, idx, call, target.entry);
          if (code && !cutByNoqa(src, call.span, code)) node.direct = { call, source: src, next: { kind: 'blocking', name: target.name, code }, depth: 0 };
        } else if (target?.kind === 'sync' && !cutByNoqa(src, call.span)) {
          node.edges.push({ call, key: keyOf(target.source, target.index), source: target.source, index: target.index });
          stack.push([target.source, target.index]);
        }
        // A `with` item also runs what entering and exiting its context manager runs.
        if (!call.withItem || cutByNoqa(src, call.span)) continue;
        for (const entered of this.checker.enteredTargets(src, idx, call, files)) {
          if (entered.kind !== 'sync') continue;
          node.edges.push({ call, key: keyOf(entered.source, entered.index), source: entered.source, index: entered.index });
          stack.push([entered.source, entered.index]);
        }
      }
      // Iterating a modelled cursor (`for d in coll.find()`), or reading a document of it by index (`cursor[0]`), blocks right here.
      if (!node.direct) {
        const fact = src.facts.functions[idx]!;
        node.direct = blockingRead(src, fact.iterated, (expr) => this.checker.iteratingBlocks(src, idx, expr)) ?? blockingRead(src, fact.indexed, (expr) => this.checker.indexingBlocks(src, idx, expr));
      }
    }
    const found = new Map<string, Summary>();
    for (const [key, node] of nodes) if (node.direct) found.set(key, node.direct);
    // Rounds go on while they find something, and at least until every memoised callee has joined.
    let lastMemoRound = 0;
    for (const node of nodes.values()) {
      for (const edge of node.edges) lastMemoRound = Math.max(lastMemoRound, (this.memo.get(edge.key)?.depth ?? -1) + 1);
    }
    for (let round = 1; ; round++) {
      const added = new Map<string, Summary>();
      for (const [key, node] of nodes) {
        if (found.has(key)) continue;
        for (const edge of node.edges) {
          const next = found.get(edge.key) ?? this.memo.get(edge.key);
          if (next && next.depth < round) {
            added.set(key, { call: edge.call, source: node.source, next: { kind: 'function', source: edge.source, index: edge.index }, depth: round });
            break;
          }
        }
      }
      for (const [key, summary] of added) found.set(key, summary);
      if (!added.size && round >= lastMemoRound) break;
    }
    for (const key of nodes.keys()) {
      this.memo.set(key, found.get(key) ?? null);
      this.filesOf.set(key, files);
    }
  }
}

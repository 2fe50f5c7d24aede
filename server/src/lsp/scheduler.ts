/**
 * Coalesces bursts of document changes into one analysis per document.
 *
 * vscode-jsonrpc dispatches one queued message per event-loop turn (setImmediate). So a burst of
 * didChange notifications that arrived together is drained over consecutive turns; we wait for a
 * turn in which nothing new was marked ("quiet turn") and then run the job once, with the latest
 * text. An isolated edit therefore costs one extra turn (microseconds), while hundreds of queued
 * edits cost one analysis. If changes never stop, the job still runs every `maxDelayMs`.
 *
 * Two priorities: documents the user edited run before the documents that depend on them.
 */
export type Priority = 'edited' | 'dependent';

export class CoalescingScheduler {
  private readonly edited = new Set<string>();
  private readonly dependent = new Set<string>();
  private markedSinceLastTurn = false;
  private timer: NodeJS.Immediate | undefined;
  private waitingSince = 0;

  constructor(
    private readonly run: (keys: string[], priority: Priority) => void,
    private readonly maxDelayMs = 100,
  ) {}

  mark(key: string, priority: Priority): void {
    if (priority === 'edited') {
      this.edited.add(key);
      this.dependent.delete(key);
    } else if (!this.edited.has(key)) {
      this.dependent.add(key);
    }
    this.markedSinceLastTurn = true;
    if (!this.timer) {
      this.waitingSince = Date.now();
      this.timer = setImmediate(() => this.turn());
    }
  }

  /** Runs the job for one key now (a request needs its result); it leaves the queue. */
  flushKey(key: string): void {
    const priority: Priority | undefined = this.edited.delete(key) ? 'edited' : this.dependent.delete(key) ? 'dependent' : undefined;
    if (priority) this.run([key], priority);
  }

  forget(key: string): void {
    this.edited.delete(key);
    this.dependent.delete(key);
  }

  private turn(): void {
    this.timer = undefined;
    const quiet = !this.markedSinceLastTurn;
    this.markedSinceLastTurn = false;
    if (quiet || Date.now() - this.waitingSince >= this.maxDelayMs) {
      // One priority per turn: dependents wait, so an edit that arrives meanwhile goes first.
      const [queue, priority] = this.edited.size > 0 ? [this.edited, 'edited' as const] : [this.dependent, 'dependent' as const];
      const keys = [...queue];
      queue.clear();
      this.waitingSince = Date.now();
      if (keys.length > 0) this.run(keys, priority);
    }
    if (!this.timer && (this.edited.size > 0 || this.dependent.size > 0)) this.timer = setImmediate(() => this.turn());
  }
}

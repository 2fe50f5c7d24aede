/**
 * The Coroutines view (Run and Debug container): the suspension tree of the active
 * `coroutine-lens` session, refreshed on every stop and, in Live mode, while the program runs.
 * While paused, a task's frames expand into their locals (frameLocals.ts). Children are built when
 * a node is expanded and kept per node, so a tree of 10,000 tasks costs only what is on screen and
 * `reveal` finds the same node objects again.
 */
import * as vscode from 'vscode';
import type { CoroutineTree } from '../../../debug-adapter/src/agentProtocol';
import type { DebugEvents } from '../debugEvents';
import { frameLocals, variableChildren, type DapRequest } from './frameLocals';
import { childrenOf, creationStacksRecorded, hasStructuralChildren, loopNodes, nodeLabel, NO_FILTER, taskDescription, type TreeFilter, type TreeNode } from './treeModel';
import { requestCoroutineTree } from './treeWire';

export const COROUTINES_VIEW_ID = 'coroutineLens.coroutines';
const LIVE_INTERVAL_MS = 1000;
/** Live mode waits this many times as long as the last refresh took: a huge tree is not refreshed back to back. */
const LIVE_IDLE_FACTOR = 3;

const STATE_ICONS: Record<string, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('debugIcon.startForeground')),
  suspended: new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('debugIcon.pauseForeground')),
  done: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

export class CoroutinesView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly treeView: vscode.TreeView<TreeNode>;
  private tree: CoroutineTree | undefined;
  private session: vscode.DebugSession | undefined;
  private paused = false;
  private live = true;
  private filter: TreeFilter = NO_FILTER;
  /** The refresh under way, and whether another was asked for meanwhile (a stop during a live refresh). */
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private lastRefresh = { endedAt: 0, tookMs: 0 };
  /** Built on first expansion, dropped with the tree: node → its children, child → its parent. */
  private roots: TreeNode[] | undefined;
  private children = new WeakMap<TreeNode, TreeNode[] | Promise<TreeNode[]>>();
  private parents = new WeakMap<TreeNode, TreeNode>();
  private readonly timer: NodeJS.Timeout;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    events: DebugEvents,
    private readonly debugType: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.treeView = vscode.window.createTreeView(COROUTINES_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.treeView,
      events.onEvent(({ session, event }) => {
        if (event.event === 'stopped') {
          this.session = session;
          this.paused = true;
          void this.refresh();
        } else if (event.event === 'continued') {
          this.paused = false;
        } else if (event.event === 'coroutineTreeChanged' && this.live) {
          void this.refresh();
        }
      }),
      vscode.debug.onDidStartDebugSession((session) => {
        if (session.type !== this.debugType) return;
        this.session = session;
        this.paused = false;
        this.show(undefined);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (session !== this.session) return;
        this.session = undefined;
        this.show(undefined);
      }),
    );
    void vscode.commands.executeCommand('setContext', 'coroutineLens.live', this.live);
    // Live mode: refresh while running, at most once a second, never two requests at a time, and
    // idle between refreshes LIVE_IDLE_FACTOR times as long as the last one took.
    this.timer = setInterval(() => {
      const rested = Date.now() - this.lastRefresh.endedAt >= LIVE_IDLE_FACTOR * this.lastRefresh.tookMs;
      if (this.live && this.session && !this.paused && !this.refreshing && rested) void this.refresh();
    }, LIVE_INTERVAL_MS);
  }

  get currentTree(): CoroutineTree | undefined {
    return this.tree;
  }

  get currentSession(): vscode.DebugSession | undefined {
    return this.session;
  }

  /** What the `coroutineLens.creationStacks` context key says (false with no session). */
  get creationStacksRecorded(): boolean {
    return this.session !== undefined && creationStacksRecorded(this.tree, this.session.configuration);
  }

  /** Resolves once the tree reflects the program as it is now (a refresh asked for mid-flight runs again). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const started = Date.now();
        await this.fetch();
        this.lastRefresh = { endedAt: Date.now(), tookMs: Date.now() - started };
      } while (this.refreshAgain);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async fetch(): Promise<void> {
    const session = this.session ?? (vscode.debug.activeDebugSession?.type === this.debugType ? vscode.debug.activeDebugSession : undefined);
    if (!session) return;
    try {
      // While paused the tree carries each task's pseudo-thread id (the key to its locals): the
      // agent assigns them with the capture that `threads` shares.
      const tree = await requestCoroutineTree(session);
      this.session = session;
      this.show(tree);
    } catch (error) {
      this.log.warn(`coroutineTree: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private show(tree: CoroutineTree | undefined): void {
    this.tree = tree;
    // Which of Record / Stop Recording Task Creation Stacks the view's menu offers.
    void vscode.commands.executeCommand('setContext', 'coroutineLens.creationStacks', this.creationStacksRecorded);
    this.roots = undefined;
    this.children = new WeakMap();
    this.parents = new WeakMap();
    this.changed.fire(undefined);
  }

  setLive(live: boolean): void {
    this.live = live;
    void vscode.commands.executeCommand('setContext', 'coroutineLens.live', live);
  }

  setFilter(filter: TreeFilter): void {
    this.filter = filter;
    this.show(this.tree);
  }

  get currentFilter(): TreeFilter {
    return this.filter;
  }

  /** Shows `node` in the view (its ancestors expanded); `node` must come from getChildren. */
  reveal(node: TreeNode, options: { select?: boolean; focus?: boolean; expand?: boolean | number }): Thenable<void> {
    return this.treeView.reveal(node, options);
  }

  getChildren(node?: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    if (!node) return (this.roots ??= this.tree ? loopNodes(this.tree, this.filter) : []);
    let children = this.children.get(node);
    if (!children) {
      const adopt = (built: TreeNode[]) => {
        for (const child of built) this.parents.set(child, node);
        return built;
      };
      const built = this.buildChildren(node);
      children = Array.isArray(built) ? adopt(built) : built.then(adopt);
      this.children.set(node, children);
    }
    return children;
  }

  private buildChildren(node: TreeNode): TreeNode[] | Promise<TreeNode[]> {
    if (node.kind !== 'frame' && node.kind !== 'variable') return childrenOf(node);
    const session = this.session;
    if (!session || !this.paused) return [{ kind: 'note', text: 'pause the program to see locals' }];
    const request: DapRequest = (command, args) => session.customRequest(command, args);
    return node.kind === 'frame' ? frameLocals(request, node) : variableChildren(request, node.variable);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.parents.get(node);
  }

  private expandable(node: TreeNode): boolean {
    if (node.kind === 'frame') return this.paused;
    if (node.kind === 'variable') return node.variable.variablesReference > 0;
    return hasStructuralChildren(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(nodeLabel(node), this.expandable(node) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    switch (node.kind) {
      case 'loop':
        item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        item.description = `${node.tasks.length} task${node.tasks.length === 1 ? '' : 's'} · ${node.loop.running ? 'running' : 'stopped'}`;
        item.iconPath = new vscode.ThemeIcon('sync');
        item.contextValue = 'loop';
        item.tooltip = `event loop ${node.loop.id} in thread ${node.loop.threadName} (id ${node.loop.threadId})`;
        break;
      case 'task':
        // The tooltip is built in resolveTreeItem, when hovered: not for each of 10,000 tasks.
        item.description = taskDescription(node.task);
        item.iconPath = STATE_ICONS[node.task.state];
        item.contextValue = node.task.state === 'suspended' || node.task.state === 'running' ? 'task.live' : 'task';
        break;
      case 'frame':
        item.iconPath = new vscode.ThemeIcon('debug-stackframe');
        item.tooltip = `${node.frame.path}:${node.frame.line}${this.paused ? '\nexpand for its locals' : ''}`;
        item.contextValue = 'frame';
        item.command = { command: 'coroutineLens.revealFrame', title: 'Reveal', arguments: [node] };
        break;
      case 'variable':
        item.description = node.variable.value;
        item.tooltip = node.variable.type ? `${node.variable.type}: ${node.variable.value}` : node.variable.value;
        item.iconPath = new vscode.ThemeIcon('symbol-variable');
        item.contextValue = 'variable';
        break;
      case 'awaits':
        item.iconPath = new vscode.ThemeIcon('watch');
        item.contextValue = 'awaits';
        break;
      case 'awaitedBy':
        item.iconPath = new vscode.ThemeIcon('references');
        break;
      case 'note':
        item.iconPath = new vscode.ThemeIcon('info');
        item.tooltip = node.tooltip ?? node.text; // notes can be longer than the view is wide
        if (node.command) item.command = { command: node.command, title: node.text };
        break;
    }
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'task') {
      const { task } = node;
      item.tooltip = new vscode.MarkdownString(
        [`**${nodeLabel(node)}** — ${task.state}`, task.awaiting ? `awaiting ${task.awaiting.kind}: ${task.awaiting.description}` : '', ...task.frames.map((f) => `- \`${f.name}\` ${f.path}:${f.line}`)]
          .filter(Boolean)
          .join('\n\n'),
      );
    }
    return item;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

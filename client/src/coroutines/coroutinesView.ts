/**
 * The Coroutines view (Run and Debug container): the suspension tree of the active
 * `coroutine-lens` session, refreshed on every stop and, in Live mode, while the program runs.
 */
import * as vscode from 'vscode';
import type { CoroutineTree } from '../../../debug-adapter/src/agentProtocol';
import type { DebugEvents } from '../debugEvents';
import { childrenOf, loopNodes, nodeLabel, NO_FILTER, taskDescription, type TreeFilter, type TreeNode } from './treeModel';

const LIVE_INTERVAL_MS = 1000;

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
  private tree: CoroutineTree | undefined;
  private session: vscode.DebugSession | undefined;
  private paused = false;
  private live = true;
  private filter: TreeFilter = NO_FILTER;
  private inFlight = false;
  private readonly timer: NodeJS.Timeout;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    events: DebugEvents,
    private readonly debugType: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
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
        this.tree = undefined;
        this.changed.fire(undefined);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        if (session !== this.session) return;
        this.session = undefined;
        this.tree = undefined;
        this.changed.fire(undefined);
      }),
    );
    void vscode.commands.executeCommand('setContext', 'coroutineLens.live', this.live);
    // Live mode: refresh while running, at most once a second and never two requests at a time.
    this.timer = setInterval(() => {
      if (this.live && this.session && !this.paused) void this.refresh();
    }, LIVE_INTERVAL_MS);
  }

  get currentTree(): CoroutineTree | undefined {
    return this.tree;
  }

  get currentSession(): vscode.DebugSession | undefined {
    return this.session;
  }

  async refresh(): Promise<void> {
    const session = this.session ?? (vscode.debug.activeDebugSession?.type === this.debugType ? vscode.debug.activeDebugSession : undefined);
    if (!session || this.inFlight) return;
    this.inFlight = true;
    try {
      this.tree = (await session.customRequest('coroutineTree')) as CoroutineTree;
      this.session = session;
    } catch (error) {
      this.log.warn(`coroutineTree: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.inFlight = false;
    }
    this.changed.fire(undefined);
  }

  setLive(live: boolean): void {
    this.live = live;
    void vscode.commands.executeCommand('setContext', 'coroutineLens.live', live);
  }

  setFilter(filter: TreeFilter): void {
    this.filter = filter;
    this.changed.fire(undefined);
  }

  get currentFilter(): TreeFilter {
    return this.filter;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.tree ? loopNodes(this.tree, this.filter) : [];
    return childrenOf(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const expandable = childrenOf(node).length > 0;
    const item = new vscode.TreeItem(nodeLabel(node), expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    switch (node.kind) {
      case 'loop':
        item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        item.description = `${node.tasks.length} task${node.tasks.length === 1 ? '' : 's'} · ${node.loop.running ? 'running' : 'stopped'}`;
        item.iconPath = new vscode.ThemeIcon('sync');
        item.contextValue = 'loop';
        item.tooltip = `event loop ${node.loop.id} in thread ${node.loop.threadName} (id ${node.loop.threadId})`;
        break;
      case 'task': {
        const { task } = node;
        item.description = taskDescription(task);
        item.iconPath = STATE_ICONS[task.state];
        item.contextValue = task.state === 'suspended' || task.state === 'running' ? 'task.live' : 'task';
        item.tooltip = new vscode.MarkdownString(
          [`**${nodeLabel(node)}** — ${task.state}`, task.awaiting ? `awaiting ${task.awaiting.kind}: ${task.awaiting.description}` : '', ...task.frames.map((f) => `- \`${f.name}\` ${f.path}:${f.line}`)]
            .filter(Boolean)
            .join('\n\n'),
        );
        break;
      }
      case 'frame':
        item.iconPath = new vscode.ThemeIcon('debug-stackframe');
        item.tooltip = `${node.frame.path}:${node.frame.line}`;
        item.contextValue = 'frame';
        item.command = { command: 'coroutineLens.revealFrame', title: 'Reveal', arguments: [node] };
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
        break;
    }
    return item;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

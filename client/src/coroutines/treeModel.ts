/**
 * The Coroutines view's model: the adapter's `coroutineTree` response turned into nodes
 * (loop → task → its frames, what it awaits, who awaits it; a frame → its locals while paused),
 * their labels, descriptions and copied text, and the view's filters. No `vscode` here, so the unit
 * tier tests it directly.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CoroutineTask, CoroutineTree, EventLoopInfo, SourceFrame } from '../../../debug-adapter/src/agentProtocol';

export interface TreeFilter {
  hideDone: boolean;
  /** Hide tasks whose frames are all library code (standard library, site-packages). */
  hideLibraryOnly: boolean;
}

export const NO_FILTER: TreeFilter = { hideDone: false, hideLibraryOnly: false };

export type TreeNode =
  | { kind: 'loop'; loop: EventLoopInfo; tasks: CoroutineTask[] }
  | { kind: 'task'; task: CoroutineTask; loop: EventLoopInfo; byId: ReadonlyMap<string, CoroutineTask> }
  /** `index`: the frame's position in the task's frames (innermost first), to find it in the thread's stack. */
  | { kind: 'frame'; frame: SourceFrame & { frameId?: number }; task: CoroutineTask; loop: EventLoopInfo; index: number }
  /** A local of a paused frame, or a child of one; its children come from DAP `variables`. */
  | { kind: 'variable'; variable: DebugProtocol.Variable }
  | { kind: 'awaits'; task: CoroutineTask; byId: ReadonlyMap<string, CoroutineTask>; loop: EventLoopInfo }
  | { kind: 'awaitedBy'; task: CoroutineTask; byId: ReadonlyMap<string, CoroutineTask>; loop: EventLoopInfo }
  /** `command`: what clicking it runs (a command id of the extension's), if anything; `tooltip`: more than the label says. */
  | { kind: 'note'; text: string; command?: string; tooltip?: string };

/** The command that turns task creation stacks on from the Coroutines view. */
export const RECORD_CREATION_STACKS = 'coroutineLens.recordCreationStacks';

/**
 * Whether the session's program records where each task is created (which of Record / Stop
 * Recording the view's `…` menu offers): what its last tree says, and before the first tree what
 * the session started with — a launch's `taskCreationStacks` (default false); an attached agent
 * records only when started with --task-creation-stacks, which the first tree tells.
 */
export function creationStacksRecorded(tree: CoroutineTree | undefined, configuration: { request?: unknown; taskCreationStacks?: unknown } | undefined): boolean {
  if (tree) return tree.creationNotRecorded === undefined;
  return configuration?.request === 'launch' && configuration.taskCreationStacks === true;
}

const LIBRARY_PATH = /[\\/](site-packages|dist-packages|lib[\\/]python3\.\d+|coroutine_lens_agent)[\\/]|^<frozen /;

export function isLibraryFrame(frame: SourceFrame): boolean {
  return LIBRARY_PATH.test(frame.path);
}

function visible(task: CoroutineTask, filter: TreeFilter): boolean {
  if (filter.hideDone && (task.state === 'done' || task.state === 'cancelled' || task.state === 'failed')) return false;
  if (filter.hideLibraryOnly && task.frames.length > 0 && task.frames.every(isLibraryFrame)) return false;
  return true;
}

export function loopNodes(tree: CoroutineTree, filter: TreeFilter): TreeNode[] {
  const nodes: TreeNode[] = tree.loops.map((loop) => ({ kind: 'loop', loop, tasks: loop.tasks.filter((t) => visible(t, filter)) }));
  if (tree.truncated) nodes.push({ kind: 'note', text: `${tree.truncated.shown} of ${tree.truncated.total} tasks shown` });
  if (tree.creationNotRecorded) {
    // The action first: the view is narrow, and the agent's reason goes to the tooltip.
    const tooltip = `Task creation not recorded: ${tree.creationNotRecorded}. Click to record where each task is created from now on.`;
    nodes.push({ kind: 'note', text: 'Task creation stacks off: click to record', command: RECORD_CREATION_STACKS, tooltip });
  }
  if (tree.loops.length === 0) nodes.push({ kind: 'note', text: 'No running event loop' });
  return nodes;
}

export function childrenOf(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'loop': {
      const byId = new Map(node.loop.tasks.map((t) => [t.id, t]));
      return node.tasks.map((task) => ({ kind: 'task', task, loop: node.loop, byId }));
    }
    case 'task': {
      const children: TreeNode[] = [];
      if (node.task.awaiting) children.push({ kind: 'awaits', task: node.task, byId: node.byId, loop: node.loop });
      children.push(...node.task.frames.map((frame, index): TreeNode => ({ kind: 'frame', frame, task: node.task, loop: node.loop, index })));
      if (node.task.awaitedBy.length) children.push({ kind: 'awaitedBy', task: node.task, byId: node.byId, loop: node.loop });
      return children;
    }
    case 'awaits':
      return (node.task.awaiting?.taskIds ?? []).flatMap((id) => taskNode(id, node.byId, node.loop));
    case 'awaitedBy':
      return node.task.awaitedBy.flatMap((id) => taskNode(id, node.byId, node.loop));
    default:
      return [];
  }
}

/**
 * Whether a node has children, without building them (the view asks this of every visible node).
 * Frames and variables are not covered: their children are fetched from the paused program.
 */
export function hasStructuralChildren(node: TreeNode): boolean {
  switch (node.kind) {
    case 'loop':
      return node.tasks.length > 0;
    case 'task':
      return node.task.awaiting !== undefined || node.task.frames.length > 0 || node.task.awaitedBy.length > 0;
    case 'awaits':
      return (node.task.awaiting?.taskIds?.length ?? 0) > 0;
    case 'awaitedBy':
      return node.task.awaitedBy.length > 0;
    default:
      return false;
  }
}

function taskNode(id: string, byId: ReadonlyMap<string, CoroutineTask>, loop: EventLoopInfo): TreeNode[] {
  const task = byId.get(id);
  return task ? [{ kind: 'task', task, loop, byId }] : [{ kind: 'note', text: `task ${id} (not in this loop)` }];
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function taskLabel(task: CoroutineTask): string {
  return task.kind === 'gen-coroutine' ? `@gen.coroutine ${task.name}` : `Task '${task.name}'`;
}

/** e.g. `awaiting sleep · 2.1 s left` or `suspended 14 s`. */
export function taskDescription(task: CoroutineTask): string {
  const parts: string[] = [];
  if (task.awaiting) {
    const left = task.awaiting.remainingMs !== undefined ? ` · ${formatDuration(task.awaiting.remainingMs)} left` : '';
    parts.push(`awaiting ${task.awaiting.description}${left}`);
  } else {
    parts.push(task.state);
  }
  if (task.suspendedForMs !== undefined && task.state === 'suspended') parts.push(`suspended ${formatDuration(task.suspendedForMs)}`);
  return parts.join(' · ');
}

export function frameLabel(frame: SourceFrame): string {
  return `${frame.name}  ${baseName(frame.path)}:${frame.line}`;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function nodeLabel(node: TreeNode): string {
  switch (node.kind) {
    case 'loop':
      return `Event loop on ${node.loop.threadName}`;
    case 'task':
      return taskLabel(node.task);
    case 'frame':
      return frameLabel(node.frame);
    case 'awaits':
      return `awaits ${node.task.awaiting?.description ?? ''}`;
    case 'awaitedBy':
      return `awaited by ${node.task.awaitedBy.length} task${node.task.awaitedBy.length === 1 ? '' : 's'}`;
    case 'variable':
      return node.variable.name;
    case 'note':
      return node.text;
  }
}

/** What Copy puts on the clipboard: a task with its frames, a frame with its full path, a local as `name = value`. */
export function copyText(node: TreeNode): string {
  switch (node.kind) {
    case 'task':
      return [`${nodeLabel(node)} ${taskDescription(node.task)}`, ...node.task.frames.map((f) => `  ${f.name}  ${f.path}:${f.line}`)].join('\n');
    case 'frame':
      return `${node.frame.name}  ${node.frame.path}:${node.frame.line}`;
    case 'variable':
      return `${node.variable.name} = ${node.variable.value}`;
    default:
      return nodeLabel(node);
  }
}

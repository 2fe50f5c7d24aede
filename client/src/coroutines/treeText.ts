/**
 * The suspension tree as text, indented like `python -m asyncio pstree`: each task under the task
 * that awaits it, its coroutine chain beneath it. The `coroutine-tree` language
 * (syntaxes/coroutine-tree.tmLanguage.json) colours it and makes `file:line` clickable.
 *
 *   Event loop on MainThread (running)
 *   └── Task 'main' [suspended] awaiting gather · suspended 2.0 s
 *       ├── main  /app/server.py:27
 *       ├── Task 'fetch_user-0' [suspended] awaiting sleep · 1.9 s left
 *       │   └── fetch_user  /app/server.py:15
 */
import type { CoroutineTask, CoroutineTree, EventLoopInfo } from '../../../debug-adapter/src/agentProtocol';
import { formatDuration, taskLabel } from './treeModel';

function taskHeadline(task: CoroutineTask): string {
  const awaiting = task.awaiting ? ` awaiting ${task.awaiting.description}` : '';
  const left = task.awaiting?.remainingMs !== undefined ? ` · ${formatDuration(task.awaiting.remainingMs)} left` : '';
  const suspended = task.suspendedForMs !== undefined && task.state === 'suspended' ? ` · suspended ${formatDuration(task.suspendedForMs)}` : '';
  return `${taskLabel(task)} [${task.state}]${awaiting}${left}${suspended}`;
}

function loopLines(loop: EventLoopInfo): string[] {
  const byId = new Map(loop.tasks.map((t) => [t.id, t]));
  const lines = [`Event loop on ${loop.threadName} (${loop.running ? 'running' : 'stopped'})`];
  // Roots are the tasks nobody in this loop awaits; the rest appear under their awaiters.
  const roots = loop.tasks.filter((t) => !t.awaitedBy.some((id) => byId.has(id)));
  const printed = new Set<string>();

  const visit = (task: CoroutineTask, prefix: string, last: boolean): void => {
    const branch = last ? '└── ' : '├── ';
    if (printed.has(task.id)) {
      lines.push(`${prefix}${branch}${taskLabel(task)} (shown above: a cycle or a shared awaitee)`);
      return;
    }
    printed.add(task.id);
    lines.push(`${prefix}${branch}${taskHeadline(task)}`);
    const inner = prefix + (last ? '    ' : '│   ');
    const awaited = (task.awaiting?.taskIds ?? []).map((id) => byId.get(id)).filter((t): t is CoroutineTask => !!t);
    // Frames first, then awaited tasks; the last item closes the branch.
    const total = task.frames.length + awaited.length;
    task.frames.forEach((frame, i) => {
      lines.push(`${inner}${i === total - 1 ? '└── ' : '├── '}${frame.name}  ${frame.path}:${frame.line}`);
    });
    awaited.forEach((child, i) => visit(child, inner, task.frames.length + i === total - 1));
  };
  roots.forEach((task, i) => visit(task, '', i === roots.length - 1));
  // Tasks only reachable through a cycle have no root: print them too, so nothing is lost.
  const rest = loop.tasks.filter((t) => !printed.has(t.id));
  rest.forEach((task, i) => visit(task, '', i === rest.length - 1));
  return lines;
}

export function treeToText(tree: CoroutineTree): string {
  const header = `# Coroutine Lens suspension tree, captured ${new Date(tree.capturedAt).toISOString()}`;
  const body = tree.loops.flatMap((loop) => ['', ...loopLines(loop)]);
  const note = tree.truncated ? ['', `# ${tree.truncated.shown} of ${tree.truncated.total} tasks shown`] : [];
  const creation = tree.creationNotRecorded ? ['', `# Task creation not recorded: ${tree.creationNotRecorded}`] : [];
  return [header, ...body, ...note, ...creation, ''].join('\n');
}

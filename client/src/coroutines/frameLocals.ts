/**
 * The locals of a task's frame, fetched lazily from the paused program through the DAP requests
 * VS Code's Variables view uses: `stackTrace` on the task's pseudo-thread (tasks as threads) → the
 * frame's id → `scopes` → `variables`, and `variables` again for a value's children. VS Code has no
 * API to focus a pseudo-thread's frame in the Call Stack, so the Coroutines view shows them itself.
 * No `vscode` here: the requests arrive as a function, so the unit tier tests this directly.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CoroutineTask, EventLoopInfo, SourceFrame } from '../../../debug-adapter/src/agentProtocol';
import type { TreeNode } from './treeModel';

interface LocalsRequests {
  stackTrace: [DebugProtocol.StackTraceArguments, DebugProtocol.StackTraceResponse['body']];
  scopes: [DebugProtocol.ScopesArguments, DebugProtocol.ScopesResponse['body']];
  variables: [DebugProtocol.VariablesArguments, DebugProtocol.VariablesResponse['body']];
}

/** One DAP request to the session (`DebugSession.customRequest` in the view). */
export type DapRequest = <C extends keyof LocalsRequests>(command: C, args: LocalsRequests[C][0]) => PromiseLike<LocalsRequests[C][1]>;

/** Children shown per value or scope; the rest are counted in a note (the Variables view pages them all). */
export const MAX_CHILDREN = 100;

/**
 * The DAP thread whose stack holds the task's frames: its pseudo-thread when suspended, the loop's
 * own thread when it is the task running at the stop; undefined with the reason when there is none.
 */
export function localsThread(task: CoroutineTask, loop: EventLoopInfo): { threadId: number } | { reason: string } {
  if (task.threadId !== undefined) return { threadId: task.threadId };
  if (task.state === 'running') return { threadId: loop.threadId };
  if (task.state !== 'suspended') return { reason: `no locals: the task is ${task.state}` };
  return { reason: 'no locals: this task is not offered as a thread (showTasksAsThreads is off, or more tasks are suspended than taskThreadLimit)' };
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * The stack frame that is `frame`: at the same position when it still matches, else the first that
 * does. Files are compared by base name: VS Code hands sources of custom requests back as URIs
 * (`vscode-remote://host/path` in a remote window), not as the paths the tree holds.
 */
export function matchStackFrame(stack: DebugProtocol.StackFrame[], frame: SourceFrame, index: number): DebugProtocol.StackFrame | undefined {
  const file = baseName(frame.path);
  const same = (candidate: DebugProtocol.StackFrame | undefined) =>
    candidate !== undefined && candidate.name === frame.name && candidate.line === frame.line && baseName(candidate.source?.path ?? candidate.source?.name ?? '') === file;
  const atIndex = stack[index];
  return same(atIndex) ? atIndex : stack.find(same);
}

function note(text: string): TreeNode {
  return { kind: 'note', text };
}

async function page(request: DapRequest, variablesReference: number, total: number | undefined): Promise<TreeNode[]> {
  // One more than shown tells whether there are more when the adapter gives no count (objects).
  const { variables } = await request('variables', { variablesReference, start: 0, count: MAX_CHILDREN + 1 });
  const nodes: TreeNode[] = variables.slice(0, MAX_CHILDREN).map((variable) => ({ kind: 'variable', variable }));
  if (variables.length > MAX_CHILDREN) {
    nodes.push(note(total !== undefined ? `… ${total - MAX_CHILDREN} more not shown` : '… more not shown'));
  }
  return nodes;
}

/** The locals of a frame node, or a note saying why there are none; never rejects. */
export async function frameLocals(request: DapRequest, node: Extract<TreeNode, { kind: 'frame' }>): Promise<TreeNode[]> {
  const thread = localsThread(node.task, node.loop);
  if ('reason' in thread) return [note(thread.reason)];
  try {
    const { stackFrames } = await request('stackTrace', { threadId: thread.threadId });
    const stackFrame = matchStackFrame(stackFrames, node.frame, node.index);
    if (!stackFrame) return [note('no locals: the task has moved on since this tree was captured (refresh)')];
    const { scopes } = await request('scopes', { frameId: stackFrame.id });
    const locals = scopes.find((scope) => scope.name === 'Locals') ?? scopes.find((scope) => !scope.expensive);
    if (!locals) return [note('no locals scope')];
    const nodes = await page(request, locals.variablesReference, locals.namedVariables);
    return nodes.length ? nodes : [note('no locals')];
  } catch (error) {
    return [note(`no locals: ${error instanceof Error ? error.message : String(error)}`)];
  }
}

/** The children of a local (items, keys, attributes), or a note saying why there are none; never rejects. */
export async function variableChildren(request: DapRequest, variable: DebugProtocol.Variable): Promise<TreeNode[]> {
  try {
    const known = variable.indexedVariables !== undefined || variable.namedVariables !== undefined;
    const total = known ? (variable.indexedVariables ?? 0) + (variable.namedVariables ?? 0) : undefined;
    return await page(request, variable.variablesReference, total);
  } catch (error) {
    return [note(`no children: ${error instanceof Error ? error.message : String(error)}`)];
  }
}

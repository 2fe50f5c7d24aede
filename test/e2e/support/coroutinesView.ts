/** Walking the Coroutines view through its data provider, the way the workbench does. */
import type { CoroutineTask } from '../../../debug-adapter/src/agentProtocol';
import type { TreeNode } from '../../../client/src/coroutines/treeModel';
import type { CoroutineLensApi } from './workbench';

export type TaskNode = Extract<TreeNode, { kind: 'task' }>;
export type FrameNode = Extract<TreeNode, { kind: 'frame' }>;
export type VariableNode = Extract<TreeNode, { kind: 'variable' }>;

export async function viewChildren(api: CoroutineLensApi, node?: TreeNode): Promise<TreeNode[]> {
  return api.coroutinesView.getChildren(node);
}

/** The task nodes directly under the view's loops (the nodes the workbench shows first). */
export async function taskNodes(api: CoroutineLensApi): Promise<TaskNode[]> {
  const loops = (await viewChildren(api)).filter((n) => n.kind === 'loop');
  const tasks = await Promise.all(loops.map((loop) => viewChildren(api, loop)));
  return tasks.flat().filter((n): n is TaskNode => n.kind === 'task');
}

export function runsFunction(task: CoroutineTask, name: string): boolean {
  return task.frames.some((f) => f.name === name);
}

export async function frameNode(api: CoroutineLensApi, task: TaskNode, name: string): Promise<FrameNode> {
  const frame = (await viewChildren(api, task)).find((n): n is FrameNode => n.kind === 'frame' && n.frame.name === name);
  if (!frame) throw new Error(`no frame ${name} under Task '${task.task.name}'`);
  return frame;
}

/** The children of a frame or a variable, all of which must be locals (a note means none were found). */
export async function variables(api: CoroutineLensApi, node: FrameNode | VariableNode): Promise<VariableNode[]> {
  const children = await viewChildren(api, node);
  const notes = children.filter((n) => n.kind === 'note');
  if (notes.length && notes.length === children.length) throw new Error(`no variables: ${notes.map((n) => (n.kind === 'note' ? n.text : '')).join('; ')}`);
  return children.filter((n): n is VariableNode => n.kind === 'variable');
}

export function variable(list: VariableNode[], name: string): VariableNode {
  const found = list.find((v) => v.variable.name === name);
  if (!found) throw new Error(`no variable ${name} among ${list.map((v) => v.variable.name).join(', ')}`);
  return found;
}

/**
 * How the Coroutines view asks for the tree: in the compact wire shape (strings and frames written
 * once, tasks as small arrays; ~5× smaller than the DESIGN.md shape, so the transfer and the parse
 * are too), decoded here into the CoroutineTree the view's model works on.
 */
import {
  expandCoroutineTree,
  type CompactCoroutineTree,
  type CoroutineTree,
  type CoroutineTreeArguments,
} from '../../../debug-adapter/src/agentProtocol';

/** What the view needs of a debug session (vscode.DebugSession has it). */
export interface TreeSource {
  customRequest(command: string, args?: unknown): Thenable<unknown>;
}

/** The session's suspension tree; throws TreeWireError if the adapter's answer does not hold together. */
export async function requestCoroutineTree(session: TreeSource, maxTasks?: number): Promise<CoroutineTree> {
  const args: CoroutineTreeArguments = { format: 'compact', ...(maxTasks !== undefined ? { maxTasks } : {}) };
  return expandCoroutineTree((await session.customRequest('coroutineTree', args)) as CompactCoroutineTree);
}

/**
 * How a task's pseudo-thread is named in the Call Stack view: what it is and what it waits for, so
 * that the list of threads reads as a summary of the program — `Task 'fetch_user' (awaiting sleep 2.1 s)`.
 */
import type { AgentThread, Awaiting } from './agentProtocol';

const MAX_DESCRIPTION = 60;

function waitingFor(awaiting: Awaiting): string {
  if (awaiting.remainingMs !== undefined) return `${awaiting.kind} ${(Math.max(0, awaiting.remainingMs) / 1000).toFixed(1)} s`;
  const description = awaiting.description.trim();
  return description && description.length <= MAX_DESCRIPTION ? description : awaiting.kind;
}

export function threadName(thread: AgentThread): string {
  const task = thread.task;
  if (!task) return thread.name;
  const label = task.kind === 'gen-coroutine' ? `@gen.coroutine '${task.name}'` : `Task '${task.name}'`;
  if (task.state === 'suspended' && task.awaiting) return `${label} (awaiting ${waitingFor(task.awaiting)})`;
  return `${label} (${task.state})`;
}

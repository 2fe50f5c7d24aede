/**
 * The wire protocol between the debug adapter and the Python agent that runs inside the debuggee.
 *
 * This file is the source of truth; `debug-adapter/python/coroutine_lens_agent/protocol.py` mirrors
 * it. Golden messages in `test/fixtures/protocol/` are checked against both (test/unit and the
 * Python tier), so a change here that is not mirrored there fails a test.
 *
 * Transport: TCP on 127.0.0.1, one JSON object per line (UTF-8, `\n`-terminated, no embedded
 * newlines). The runtime knows nothing of DAP: the adapter translates (see ARCHITECTURE.md).
 *
 * Handshake: each side's first line is a `hello`. The side that must prove itself presents the
 * one-time token: the agent when it connects back to a launching adapter (`--connect`), the adapter
 * when it attaches to a listening agent (`--listen`). A peer whose first line is not a valid hello
 * with the right token and protocol version is disconnected without a reply.
 */

export const PROTOCOL_VERSION = 1;

/** Environment variable through which the adapter hands the one-time token to a launched agent. */
export const TOKEN_ENV = 'COROUTINE_LENS_TOKEN';

export interface Hello {
  type: 'hello';
  protocolVersion: number;
  role: 'agent' | 'adapter';
  /** Present when this side proves itself (see the handshake above). */
  token?: string;
  /** Sent by the agent only. */
  pid?: number;
  pythonVersion?: string;
  pythonImplementation?: string;
}

export interface Request<C extends string = string, A = unknown> {
  type: 'request';
  seq: number;
  command: C;
  arguments: A;
}

export interface Response<B = unknown> {
  type: 'response';
  requestSeq: number;
  success: boolean;
  /** Human-readable reason when `success` is false. */
  message?: string;
  body?: B;
}

export interface Event<E extends string = string, B = unknown> {
  type: 'event';
  event: E;
  body: B;
}

export type Message = Hello | Request | Response | Event;

// ---------------------------------------------------------------------------------------------
// Shared shapes

export interface SourceFrame {
  name: string;
  path: string;
  line: number;
}

export interface StackFrame extends SourceFrame {
  /** Valid until the program resumes. */
  id: number;
  column: number;
  /** 'subtle' for library frames when justMyCode is on. */
  presentationHint?: 'normal' | 'subtle' | 'label';
}

export interface Variable {
  name: string;
  value: string;
  type: string;
  /** > 0 when the value has children, fetched with `variables`. */
  variablesReference: number;
  namedVariables?: number;
  indexedVariables?: number;
}

export type TaskState = 'running' | 'suspended' | 'done' | 'cancelled' | 'failed';

export interface Awaiting {
  /** e.g. 'sleep', 'future', 'task', 'gather', 'shield', 'wait', 'wait_for', 'taskgroup', 'timeout',
   *  'lock', 'event', 'condition', 'semaphore', 'queue', 'executor', 'socket', 'gen-runner', 'deadlock' */
  kind: string;
  description: string;
  taskIds?: string[];
  remainingMs?: number;
}

export interface CoroutineTask {
  id: string;
  name: string;
  kind: 'task' | 'gen-coroutine';
  state: TaskState;
  /** Innermost first; a running task includes its synchronous frames. */
  frames: Array<SourceFrame & { frameId?: number }>;
  awaiting?: Awaiting;
  /** Ids of the tasks that wait on this one. */
  awaitedBy: string[];
  suspendedForMs?: number;
  /** Never in a tree captured by the agent (it would cost every task a lookup): ask `taskCreationStack`. */
  createdAt?: SourceFrame[];
  /** The DAP thread id of this task's pseudo-thread, when tasks are shown as threads. */
  threadId?: number;
}

export interface EventLoopInfo {
  id: string;
  threadId: number;
  threadName: string;
  running: boolean;
  tasks: CoroutineTask[];
}

export interface CoroutineTree {
  /** Milliseconds since the epoch. */
  capturedAt: number;
  loops: EventLoopInfo[];
  /** Set when `maxTasks` left tasks out: the first `shown` tasks, loop by loop, of `total`. */
  truncated?: { shown: number; total: number };
  /** Set while the agent records no task's creation (off by default; `setTaskCreationStacks` turns it on): why. */
  creationNotRecorded?: string;
}

/**
 * The tree as the agent sends it (and as the adapter forwards it to a DAP client that asks for
 * `format: 'compact'`): a CoroutineTree in which every name, path, kind, state and description is
 * written once in `strings`, every (function, file, line) once in `frames`, what many tasks share
 * (kind, state, frames, what kind of wait) once in `shapes`, and tasks are short arrays
 * that refer to them and to other tasks by index. 100,000 tasks on one Event make ~2.5 MB instead
 * of ~46; flat task arrays also parse several times faster than nested ones.
 */
export interface CompactCoroutineTree {
  capturedAt: number;
  loops: Array<Omit<EventLoopInfo, 'tasks'> & { tasks: CompactTask[] }>;
  strings: string[];
  /** [name, path, line]: name and path are indexes into `strings`. */
  frames: Array<[name: number, path: number, line: number]>;
  shapes: CompactShape[];
  truncated?: { shown: number; total: number };
  creationNotRecorded?: string;
}

/**
 * What tasks share: kind and state index `strings`, frames index `frames` (innermost first),
 * awaiting is [kind, description] (indexes into `strings`) or null when the task awaits nothing.
 */
export type CompactShape = [kind: number, state: number, frames: number[], awaiting: [kind: number, description: number] | null];

/**
 * One task. Its id is 'g' (a shape of kind gen-coroutine) or 't' followed by its address in hex;
 * the address is sent as the difference from the previous task's (across loops, in order; the
 * first task's from 0), a small number where tasks were created together. Its shape indexes
 * `shapes`; the awaited taskIds index the tree's tasks (counted across loops, in order), and
 * awaitedBy is not sent: it is their reverse. Times are whole milliseconds; remainingMs belongs to
 * the shape's awaiting. Absent trailing values are left out; an absent value followed by a present
 * one is null.
 */
export type CompactTask = [
  idDelta: number,
  name: string,
  shape: number,
  suspendedForMs?: number | null,
  remainingMs?: number | null,
  awaitingTaskIds?: number[] | null,
  threadId?: number | null,
];

/** The DAP `coroutineTree` request's arguments (all optional). */
export interface CoroutineTreeArguments {
  /** 'compact': answer with a CompactCoroutineTree; otherwise a CoroutineTree (the DESIGN.md shape). */
  format?: 'compact' | 'full';
  /** At most this many tasks (a whole number ≥ 0); the tree says `truncated` when it left some out. */
  maxTasks?: number;
}

/** A compact tree that does not hold together: an index out of range, a value of the wrong type. */
export class TreeWireError extends Error {
  constructor(message: string) {
    super(`malformed coroutineTree: ${message}`);
    this.name = 'TreeWireError';
  }
}

function lookup<T>(table: readonly T[], index: unknown, what: string): T {
  if (typeof index !== 'number' || !(index >= 0 && index < table.length)) throw new TreeWireError(`${what} index ${String(index)} is out of range`);
  return table[index];
}

/** 2^24: an address's hex text is written as its part above and its 6 digits below. */
const LOW_SPAN = 0x1000000;

/** The CoroutineTree a CompactCoroutineTree stands for. Throws TreeWireError on an inconsistent one. */
export function expandCoroutineTree(wire: CompactCoroutineTree): CoroutineTree {
  if (!wire || !Array.isArray(wire.loops) || !Array.isArray(wire.strings) || !Array.isArray(wire.frames) || !Array.isArray(wire.shapes)) {
    throw new TreeWireError('expected loops, strings, frames and shapes arrays');
  }
  const strings = wire.strings;
  const frames = wire.frames.map(([name, path, line]) => ({ name: lookup(strings, name, 'string'), path: lookup(strings, path, 'string'), line }));
  // Plain loops over preallocated arrays: a tree of 100,000 tasks decodes in ~2/3 of the time
  // the equivalent map() calls and destructuring take.
  const each = <T>(indexes: number[], table: readonly T[], what: string): T[] => {
    if (!Array.isArray(indexes)) throw new TreeWireError(`expected an array of ${what} indexes, not ${JSON.stringify(indexes)}`);
    const result = new Array<T>(indexes.length);
    for (let i = 0; i < indexes.length; i++) result[i] = lookup(table, indexes[i], what);
    return result;
  };
  const shapes = wire.shapes.map(([kind, state, frameIndexes, awaiting]) => ({
    kind: lookup(strings, kind, 'string') as CoroutineTask['kind'],
    state: lookup(strings, state, 'string') as TaskState,
    frames: each(frameIndexes, frames, 'frame'),
    awaiting: awaiting ? { kind: lookup(strings, awaiting[0], 'string'), description: lookup(strings, awaiting[1], 'string') } : undefined,
  }));
  let count = 0;
  for (const loop of wire.loops) count += loop.tasks.length;
  // Pass 1: each task's id, and who waits on it (awaitedBy is not sent: the reverse of taskIds).
  // Most tasks have one waiter at most, kept in a typed array; the rest in a map.
  const ids = new Array<string>(count);
  const firstWaiter = new Int32Array(count).fill(-1);
  const otherWaiters = new Map<number, number[]>();
  // The hex text of an address in two parts: the high part changes rarely from one task to the next
  // (kept), the low 24 bits are a small integer, whose toString is several times faster than a
  // 47-bit double's (~25 instead of ~55 ms for 110,000 ids).
  let address = 0;
  let high = -1;
  let highText = '';
  let position = 0;
  for (const loop of wire.loops) {
    for (const task of loop.tasks) {
      address += task[0];
      if (!Number.isSafeInteger(address) || address < 0) throw new TreeWireError(`task address ${String(address)} (after adding ${String(task[0])}) is not a whole number >= 0`);
      const prefix = lookup(shapes, task[2], 'shape').kind === 'gen-coroutine' ? 'g' : 't';
      const top = Math.floor(address / LOW_SPAN);
      const low = address - top * LOW_SPAN;
      if (top === 0) {
        ids[position] = prefix + low.toString(16);
      } else {
        if (top !== high) {
          high = top;
          highText = top.toString(16);
        }
        ids[position] = prefix + highText + (low + LOW_SPAN).toString(16).slice(1);
      }
      const awaited = task[5];
      if (awaited != null) {
        if (!Array.isArray(awaited)) throw new TreeWireError(`expected an array of task indexes, not ${JSON.stringify(awaited)}`);
        for (let i = 0; i < awaited.length; i++) {
          const target = awaited[i];
          if (!Number.isInteger(target) || !(target >= 0 && target < count)) throw new TreeWireError(`task index ${String(target)} is out of range`);
          if (firstWaiter[target] < 0) firstWaiter[target] = position;
          else if (otherWaiters.has(target)) otherWaiters.get(target)!.push(position);
          else otherWaiters.set(target, [position]);
        }
      }
      position++;
    }
  }
  const waitersOf = (task: number): string[] => {
    const first = firstWaiter[task];
    if (first < 0) return [];
    const others = otherWaiters.get(task);
    if (others === undefined) return [ids[first]];
    const result = [ids[first]];
    for (const other of others) result.push(ids[other]);
    return result;
  };
  position = 0;
  const loops = wire.loops.map(({ tasks, ...loop }) => {
    const expanded = new Array<CoroutineTask>(tasks.length);
    for (let t = 0; t < tasks.length; t++) {
      const entry = tasks[t]; // indexed, not destructured: array destructuring runs the iterator protocol
      const shape = shapes[entry[2]];
      const task: CoroutineTask = {
        id: ids[position],
        name: entry[1],
        kind: shape.kind,
        state: shape.state,
        frames: shape.frames.slice(), // each task its own array, as if decoded alone
        awaitedBy: waitersOf(position),
      };
      if (shape.awaiting) {
        task.awaiting = { kind: shape.awaiting.kind, description: shape.awaiting.description };
        const awaited = entry[5];
        if (awaited != null && awaited.length > 0) task.awaiting.taskIds = each(awaited, ids, 'task');
        if (entry[4] != null) task.awaiting.remainingMs = entry[4];
      }
      if (entry[3] != null) task.suspendedForMs = entry[3];
      if (entry[6] != null) task.threadId = entry[6];
      expanded[t] = task;
      position++;
    }
    return { ...loop, tasks: expanded };
  });
  return {
    capturedAt: wire.capturedAt,
    loops,
    ...(wire.truncated ? { truncated: wire.truncated } : {}),
    ...(typeof wire.creationNotRecorded === 'string' ? { creationNotRecorded: wire.creationNotRecorded } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Requests (adapter → agent): command name → [arguments, response body]

export interface BreakpointSpec {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface BreakpointResult {
  verified: boolean;
  line: number;
  message?: string;
}

/**
 * A real thread, or a task's pseudo-thread. For a pseudo-thread the agent also sends `task`; the
 * adapter then shows it as `Task 'fetch_user' (awaiting sleep 2.1 s)` (and `name` is the fallback).
 */
export interface AgentThread {
  id: number;
  name: string;
  task?: { name: string; kind: CoroutineTask['kind']; state: TaskState; awaiting?: Awaiting };
}

export interface AgentOptions {
  justMyCode: boolean;
  showTasksAsThreads: boolean;
  /** Maximum number of tasks offered as pseudo-threads. */
  taskThreadLimit: number;
  /** 0 turns the watchdog off. */
  blockedLoopThresholdMs: number;
  stopOnEntry: boolean;
}

export interface RequestMap {
  initialize: [AgentOptions, { capabilities: string[] }];
  setBreakpoints: [{ path: string; breakpoints: BreakpointSpec[] }, { breakpoints: BreakpointResult[] }];
  setExceptionBreakpoints: [{ filters: Array<'raised' | 'uncaught'> }, Record<string, never>];
  configurationDone: [Record<string, never>, Record<string, never>];
  threads: [Record<string, never>, { threads: AgentThread[] }];
  stackTrace: [
    { threadId: number; startFrame?: number; levels?: number },
    { stackFrames: StackFrame[]; totalFrames: number },
  ];
  scopes: [{ frameId: number }, { scopes: Array<{ name: string; variablesReference: number; expensive: boolean }> }];
  variables: [{ variablesReference: number; start?: number; count?: number }, { variables: Variable[] }];
  evaluate: [
    { expression: string; frameId?: number; context?: 'repl' | 'hover' | 'watch' | 'clipboard' },
    { result: string; type: string; variablesReference: number },
  ];
  setVariable: [
    { variablesReference: number; name: string; value: string },
    { value: string; type: string; variablesReference: number },
  ];
  continue: [{ threadId?: number }, Record<string, never>];
  next: [{ threadId: number }, Record<string, never>];
  stepIn: [{ threadId: number }, Record<string, never>];
  stepOut: [{ threadId: number }, Record<string, never>];
  pause: [{ threadId?: number }, Record<string, never>];
  exceptionInfo: [
    { threadId: number },
    { exceptionId: string; description: string; breakMode: 'always' | 'unhandled'; stackTrace: string },
  ];
  /** The body comes as a raw JSON line tail (see the agent's RawJSON): the adapter may forward it unparsed. */
  coroutineTree: [{ maxTasks?: number }, CompactCoroutineTree];
  cancelTask: [{ taskId: string }, { cancelled: boolean }];
  taskCreationStack: [{ taskId: string }, { frames: SourceFrame[] }];
  /**
   * Record where each asyncio task is created from now on, or stop; records made so far stay. Off
   * until this turns it on, unless the agent was started with `--task-creation-stacks` (a launch's
   * `taskCreationStacks: true`). Allowed paused or running, before asyncio is imported too (it is
   * patched on import). A `@gen.coroutine`'s creation is recorded either way.
   */
  setTaskCreationStacks: [{ enabled: boolean }, Record<string, never>];
  /** terminate: end the program (launch); otherwise detach and let it run (attach). */
  disconnect: [{ terminate: boolean }, Record<string, never>];
}

export type Command = keyof RequestMap;
export type RequestArguments<C extends Command> = RequestMap[C][0];
export type ResponseBody<C extends Command> = RequestMap[C][1];

// ---------------------------------------------------------------------------------------------
// Events (agent → adapter)

export interface EventMap {
  stopped: {
    reason: 'breakpoint' | 'step' | 'exception' | 'pause' | 'entry';
    threadId: number;
    description?: string;
    text?: string;
    hitBreakpointLine?: number;
  };
  /**
   * A Python thread (threading.Thread) started or ended. There is no `continued` event: the agent
   * never resumes the program on its own, every resume answers the adapter's continue or step.
   */
  thread: { reason: 'started' | 'exited'; threadId: number };
  /** Logpoint output and the agent's own notes; program stdout/stderr travel through the pipes. */
  output: { category: 'console' | 'stdout' | 'stderr' | 'important'; output: string; path?: string; line?: number };
  /** finished=false when first seen (duration so far), true once the loop runs again. */
  blockedLoop: { threadId: number; durationMs: number; finished: boolean; frames: SourceFrame[] };
  coroutineTreeChanged: Record<string, never>;
  /** The agent's own failure, reported instead of being raised into the program. */
  agentError: { message: string; traceback?: string };
  exited: { exitCode: number };
}

export type EventName = keyof EventMap;

/**
 * A small run-time schema of the agent protocol (./agentProtocol): for every command the required
 * argument and response-body fields, for every event the required body fields, each with its JSON
 * type. `debug-adapter/python/coroutine_lens_agent/protocol.py` holds the same tables; the golden
 * messages in test/fixtures/protocol/ are checked against both, so the two sides cannot drift.
 * The `Record<Command, …>` / `Record<EventName, …>` types make a command or event added to
 * agentProtocol.ts without an entry here a compile error.
 */
import type { Command, EventName } from './agentProtocol';

export type FieldType = 'string' | 'number' | 'boolean' | 'array' | 'object';
export type FieldTable = Readonly<Record<string, FieldType>>;

export const HELLO_FIELDS: FieldTable = { protocolVersion: 'number', role: 'string' };

export const REQUEST_FIELDS: Readonly<Record<Command, { arguments: FieldTable; body: FieldTable }>> = {
  initialize: {
    arguments: {
      justMyCode: 'boolean',
      showTasksAsThreads: 'boolean',
      taskThreadLimit: 'number',
      blockedLoopThresholdMs: 'number',
      stopOnEntry: 'boolean',
    },
    body: { capabilities: 'array' },
  },
  setBreakpoints: { arguments: { path: 'string', breakpoints: 'array' }, body: { breakpoints: 'array' } },
  setExceptionBreakpoints: { arguments: { filters: 'array' }, body: {} },
  configurationDone: { arguments: {}, body: {} },
  threads: { arguments: {}, body: { threads: 'array' } },
  stackTrace: { arguments: { threadId: 'number' }, body: { stackFrames: 'array', totalFrames: 'number' } },
  scopes: { arguments: { frameId: 'number' }, body: { scopes: 'array' } },
  variables: { arguments: { variablesReference: 'number' }, body: { variables: 'array' } },
  evaluate: { arguments: { expression: 'string' }, body: { result: 'string', type: 'string', variablesReference: 'number' } },
  setVariable: {
    arguments: { variablesReference: 'number', name: 'string', value: 'string' },
    body: { value: 'string', type: 'string', variablesReference: 'number' },
  },
  continue: { arguments: {}, body: {} },
  next: { arguments: { threadId: 'number' }, body: {} },
  stepIn: { arguments: { threadId: 'number' }, body: {} },
  stepOut: { arguments: { threadId: 'number' }, body: {} },
  pause: { arguments: {}, body: {} },
  exceptionInfo: {
    arguments: { threadId: 'number' },
    body: { exceptionId: 'string', description: 'string', breakMode: 'string', stackTrace: 'string' },
  },
  coroutineTree: { arguments: {}, body: { capturedAt: 'number', loops: 'array', strings: 'array', frames: 'array', shapes: 'array' } },
  cancelTask: { arguments: { taskId: 'string' }, body: { cancelled: 'boolean' } },
  taskCreationStack: { arguments: { taskId: 'string' }, body: { frames: 'array' } },
  setTaskCreationStacks: { arguments: { enabled: 'boolean' }, body: {} },
  disconnect: { arguments: { terminate: 'boolean' }, body: {} },
};

export const EVENT_FIELDS: Readonly<Record<EventName, FieldTable>> = {
  stopped: { reason: 'string', threadId: 'number' },
  thread: { reason: 'string', threadId: 'number' },
  output: { category: 'string', output: 'string' },
  blockedLoop: { threadId: 'number', durationMs: 'number', finished: 'boolean', frames: 'array' },
  coroutineTreeChanged: {},
  agentError: { message: 'string' },
  exited: { exitCode: 'number' },
};

function typeOf(value: unknown): FieldType | 'null' | 'undefined' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = typeof value;
  return kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'object' || kind === 'undefined'
    ? kind
    : 'other';
}

/** Problems of `value` against `table` (missing fields, wrong types); empty when it conforms. */
export function fieldProblems(where: string, value: unknown, table: FieldTable): string[] {
  if (typeOf(value) !== 'object') return [`${where} must be an object`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, expected] of Object.entries(table)) {
    const actual = typeOf(record[field]);
    if (actual === 'undefined') problems.push(`${where} lacks required field '${field}'`);
    else if (actual !== expected) problems.push(`${where} field '${field}' must be a ${expected}, not ${actual}`);
  }
  return problems;
}

/** Problems of a whole message: its envelope, and for known commands and events their fields. */
export function messageProblems(message: unknown): string[] {
  const envelope = fieldProblems('message', message, { type: 'string' });
  if (envelope.length > 0) return envelope;
  const record = message as Record<string, unknown>;
  switch (record.type) {
    case 'hello':
      return fieldProblems('hello', record, HELLO_FIELDS);
    case 'request': {
      const problems = fieldProblems('request', record, { seq: 'number', command: 'string', arguments: 'object' });
      if (problems.length > 0) return problems;
      const spec = (REQUEST_FIELDS as Record<string, { arguments: FieldTable }>)[record.command as string];
      if (!spec) return [`unknown command '${String(record.command)}'`];
      return fieldProblems(`${String(record.command)} arguments`, record.arguments, spec.arguments);
    }
    case 'response':
      return fieldProblems('response', record, { requestSeq: 'number', success: 'boolean' });
    case 'event': {
      const problems = fieldProblems('event', record, { event: 'string', body: 'object' });
      if (problems.length > 0) return problems;
      const table = (EVENT_FIELDS as Record<string, FieldTable>)[record.event as string];
      if (!table) return [`unknown event '${String(record.event)}'`];
      return fieldProblems(`${String(record.event)} event body`, record.body, table);
    }
    default:
      return [`unknown message type '${String(record.type)}'`];
  }
}

/** Problems of a successful response body to `command`. */
export function responseBodyProblems(command: Command, body: unknown): string[] {
  return fieldProblems(`${command} response body`, body, REQUEST_FIELDS[command].body);
}

/**
 * The launch and attach configurations as the adapter receives them, checked and completed: every
 * mistake becomes a LaunchError whose message names the attribute to fix.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { LaunchError, LaunchErrorId, type PythonSetting } from './interpreter';

interface CommonArguments {
  justMyCode?: boolean;
  showTasksAsThreads?: boolean;
  blockedLoopThresholdMs?: number;
  /** true: log to a file in the temp folder; a string: that file. */
  trace?: boolean | string;
}

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments, CommonArguments {
  program?: string;
  module?: string;
  args?: string[] | string;
  cwd?: string;
  env?: Record<string, string | null>;
  envFile?: string;
  python?: PythonSetting;
  console?: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  stopOnEntry?: boolean;
  /** How long the agent may take to connect back after the start (default 20 s). */
  agentConnectTimeoutMs?: number;
  /** false: the agent records no task's creation stack (create_task is left alone; default true). */
  taskCreationStacks?: boolean;
}

export interface AttachArguments extends DebugProtocol.AttachRequestArguments, CommonArguments {
  host?: string;
  port?: number;
  token?: string;
  tokenFile?: string;
}

export interface DebugOptions {
  justMyCode: boolean;
  showTasksAsThreads: boolean;
  blockedLoopThresholdMs: number;
  trace: boolean | string;
}

export interface LaunchPlan extends DebugOptions {
  target: { program: string } | { module: string };
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  python: PythonSetting;
  console: 'internalConsole' | 'integratedTerminal' | 'externalTerminal';
  stopOnEntry: boolean;
  agentConnectTimeoutMs: number;
  taskCreationStacks: boolean;
}

export interface AttachPlan extends DebugOptions {
  host: string;
  port: number;
  token: string;
}

/** Tasks beyond this many are not offered as pseudo-threads (the agent adds a note thread). */
export const TASK_THREAD_LIMIT = 256;
const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

function bad(message: string): LaunchError {
  return new LaunchError(message, LaunchErrorId.badConfiguration);
}

function debugOptions(args: CommonArguments): DebugOptions {
  const threshold = args.blockedLoopThresholdMs ?? 100;
  if (typeof threshold !== 'number' || !(threshold >= 0)) throw bad('"blockedLoopThresholdMs" must be a number ≥ 0 (0 turns the watchdog off)');
  return {
    justMyCode: args.justMyCode ?? true,
    showTasksAsThreads: args.showTasksAsThreads ?? true,
    blockedLoopThresholdMs: threshold,
    trace: args.trace ?? false,
  };
}

/** Parses a dotenv file: KEY=VALUE lines, `#` comments, optional `export `, quoted values. */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    result[match[1]] = value;
  }
  return result;
}

function debuggeeEnvironment(cwd: string, envFile: string | undefined, env: LaunchArguments['env']): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env };
  if (envFile) {
    const file = path.resolve(cwd, envFile);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw bad(`"envFile" cannot be read: ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    Object.assign(result, parseEnvFile(text));
  }
  for (const [key, value] of Object.entries(env ?? {})) {
    if (value === null) delete result[key];
    else result[key] = String(value);
  }
  // The program's output must reach the debug console as it is written, not when a buffer fills.
  result.PYTHONUNBUFFERED = '1';
  result.PYTHONIOENCODING ??= 'utf-8';
  return result;
}

export function planLaunch(args: LaunchArguments): LaunchPlan {
  if (args.program && args.module) throw bad('give either "program" or "module", not both');
  if (!args.program && !args.module) throw bad('say what to debug: set "program" (a .py file) or "module" (run as python -m)');
  const cwd = path.resolve(args.cwd ?? (args.program ? path.dirname(path.resolve(args.program)) : process.cwd()));
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) throw bad(`"cwd" is not a folder: ${cwd}`);
  let target: LaunchPlan['target'];
  if (args.program) {
    const program = path.resolve(cwd, args.program);
    if (!existsSync(program)) {
      throw new LaunchError(`The program to debug does not exist: ${program}. Check "program" in the launch configuration.`, LaunchErrorId.programNotFound);
    }
    target = { program };
  } else {
    target = { module: args.module as string };
  }
  const consoleKind = args.console ?? 'internalConsole';
  if (!['internalConsole', 'integratedTerminal', 'externalTerminal'].includes(consoleKind)) {
    throw bad(`"console" must be internalConsole, integratedTerminal or externalTerminal, not '${consoleKind}'`);
  }
  // Off by default: recording costs every task a record (~20 % on a program made of tiny tasks, see
  // docs/architecture-agent.md "Cost"); the Coroutines view turns it on while the program runs.
  const taskCreationStacks = args.taskCreationStacks ?? false;
  if (typeof taskCreationStacks !== 'boolean') throw bad('"taskCreationStacks" must be true or false');
  return {
    ...debugOptions(args),
    target,
    args: typeof args.args === 'string' ? args.args.split(/\s+/).filter(Boolean) : (args.args ?? []).map(String),
    cwd,
    env: debuggeeEnvironment(cwd, args.envFile, args.env),
    python: args.python,
    console: consoleKind,
    stopOnEntry: args.stopOnEntry ?? false,
    agentConnectTimeoutMs: args.agentConnectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    taskCreationStacks,
  };
}

export function planAttach(args: AttachArguments): AttachPlan {
  if (typeof args.port !== 'number' || !Number.isInteger(args.port) || args.port <= 0 || args.port > 65535) {
    throw bad('"port" must be the port the agent listens on (python -m coroutine_lens_agent --listen 127.0.0.1:PORT …)');
  }
  let token = args.token;
  if (token === undefined && args.tokenFile) {
    try {
      token = readFileSync(args.tokenFile, 'utf8').trim();
    } catch (error) {
      throw bad(`"tokenFile" cannot be read: ${args.tokenFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (!token) throw bad('attaching needs the agent\'s token: set "token" or "tokenFile" (the file given to --token-file)');
  return { ...debugOptions(args), host: args.host ?? '127.0.0.1', port: args.port, token };
}

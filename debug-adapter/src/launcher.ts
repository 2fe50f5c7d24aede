/**
 * Starts a debuggee with the agent inside and waits for the agent to connect back: probe the
 * interpreter, listen on 127.0.0.1, spawn (or ask the client to run it in a terminal), then race the
 * connection against the process ending and the timeout — so every failure has a reason to show.
 * Knows neither DAP nor the session; the terminal is reached through a callback.
 */
import * as path from 'node:path';
import { AgentConnection, AgentError, newToken, type TraceSink } from './agentConnection';
import { TOKEN_ENV } from './agentProtocol';
import type { LaunchPlan } from './configuration';
import { DebuggeeProcess, type DebuggeeExit } from './debuggeeProcess';
import { LaunchError, LaunchErrorId, probe, type Interpreter } from './interpreter';

/** The agent package beside the bundle: esbuild copies it to dist/python/coroutine_lens_agent. */
const STOPPED_WHILE_STARTING = 'The debug session was stopped while the program was starting.';

export const AGENT_DIR = path.join(__dirname, 'python', 'coroutine_lens_agent');

export interface TerminalRequest {
  kind: 'integrated' | 'external';
  title: string;
  cwd: string;
  args: string[];
  env: Record<string, string | null>;
}

export interface LaunchHooks {
  onStdout(text: string): void;
  onStderr(text: string): void;
  /** Asks the client to run the command in a terminal; resolves with the process id when known. */
  runInTerminal(request: TerminalRequest): Promise<number | undefined>;
  trace?: TraceSink;
  /** Aborted when the debug session is stopped while the program is still starting. */
  signal?: AbortSignal;
}

export interface LaunchedDebuggee {
  connection: AgentConnection;
  interpreter: Interpreter;
  /** Present for the internal console, where the adapter owns the process and its pipes. */
  process?: DebuggeeProcess;
  /** The debuggee's pid as the agent reports it. */
  pid: number;
}

/** Keeps the last lines of stderr, to say why a debuggee died before its agent connected. */
function stderrTail(buffer: string[]): string {
  const text = buffer.join('').trim();
  return text ? `\n${text.split('\n').slice(-12).join('\n')}` : '';
}

function describeExit(exit: DebuggeeExit): string {
  return exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `runsMain`: the program is a folder or zip archive (see ProbeResult). */
export function agentCommandLine(interpreter: Interpreter, plan: LaunchPlan, port: number, runsMain = false): string[] {
  // The `--` keeps program arguments that look like options away from the agent's own parser.
  const target = 'program' in plan.target ? ['--', plan.target.program] : ['-m', plan.target.module, '--'];
  // A flag, not an initialize option: it must hold before the program can import asyncio.
  const options = plan.taskCreationStacks ? ['--task-creation-stacks'] : [];
  // A script is run from the agent's __main__.py run as a script, so that only that module's frame
  // lies below the program's (the folder adds runpy's 2). A module, folder or zip archive keeps
  // the folder: plain Python runs those through runpy, whose frames they see below them.
  const agent = 'program' in plan.target && !runsMain ? path.join(AGENT_DIR, '__main__.py') : AGENT_DIR;
  return [...interpreter.args, agent, '--connect', `127.0.0.1:${port}`, ...options, ...target, ...plan.args];
}

export async function launchDebuggee(plan: LaunchPlan, hooks: LaunchHooks): Promise<LaunchedDebuggee> {
  const checked = await probe(plan.python, plan.target, { cwd: plan.cwd, env: plan.env });
  if (checked.syntaxError) {
    const { message, path: file, line, text } = checked.syntaxError;
    throw new LaunchError(
      `The program has a syntax error and cannot start: ${message} (${file}${line ? `, line ${line}` : ''})${text ? `\n    ${text.trim()}` : ''}`,
      LaunchErrorId.syntaxError,
    );
  }
  if (checked.moduleMissing && 'module' in plan.target) {
    throw new LaunchError(
      `The module to debug was not found: '${plan.target.module}' is not importable from ${plan.cwd} with ${checked.interpreter.executable}. Check "module", "cwd" and "python".`,
      LaunchErrorId.programNotFound,
    );
  }
  const interpreter = checked.interpreter;
  const token = newToken();
  if (hooks.signal?.aborted) throw new LaunchError(STOPPED_WHILE_STARTING, LaunchErrorId.agentDidNotConnect);
  const listening = await AgentConnection.listen(token, plan.agentConnectTimeoutMs, hooks.trace);
  hooks.signal?.addEventListener('abort', () => listening.cancel(STOPPED_WHILE_STARTING), { once: true });
  const argv = agentCommandLine(interpreter, plan, listening.port, checked.runsMain);
  const stderr: string[] = [];
  let debuggee: DebuggeeProcess | undefined;
  let terminalPid: number | undefined;
  try {
    if (plan.console === 'internalConsole') {
      debuggee = await DebuggeeProcess.start(interpreter.command, argv, {
        cwd: plan.cwd,
        env: { ...plan.env, [TOKEN_ENV]: token },
        onStdout: hooks.onStdout,
        onStderr: (text) => {
          if (stderr.length < 200) stderr.push(text);
          hooks.onStderr(text);
        },
      });
      const started = debuggee;
      void started.ended.then((exit) =>
        listening.cancel(`the debuggee ${describeExit(exit)} before its agent connected${stderrTail(stderr)}`),
      );
    } else {
      // The terminal's environment is the client's; only what the configuration changes is sent.
      const env: Record<string, string | null> = {};
      for (const [key, value] of Object.entries(plan.env)) if (process.env[key] !== value) env[key] = value ?? null;
      env[TOKEN_ENV] = token;
      terminalPid = await hooks.runInTerminal({
        kind: plan.console === 'externalTerminal' ? 'external' : 'integrated',
        title: 'Coroutine Lens',
        cwd: plan.cwd,
        args: [interpreter.command, ...argv],
        env,
      });
    }
    const connection = await listening.connection;
    return { connection, interpreter, process: debuggee, pid: connection.peer.pid ?? debuggee?.pid ?? terminalPid ?? 0 };
  } catch (error) {
    listening.cancel('the launch failed');
    await debuggee?.terminate();
    if (terminalPid) killQuietly(terminalPid);
    if (error instanceof LaunchError) throw error;
    if (hooks.signal?.aborted) throw new LaunchError(STOPPED_WHILE_STARTING, LaunchErrorId.agentDidNotConnect);
    const reason = error instanceof AgentError || error instanceof Error ? error.message : String(error);
    throw new LaunchError(
      `The Coroutine Lens agent did not connect (Python ${interpreter.version}, ${interpreter.executable}): ${reason}`,
      LaunchErrorId.agentDidNotConnect,
    );
  }
}

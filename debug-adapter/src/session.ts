/**
 * The DAP session: translates between the Debug Adapter Protocol and the agent protocol
 * (./agentProtocol). It knows DAP; the agent does not. Starting processes is ./launcher's job,
 * the socket is ./agentConnection's.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Breakpoint,
  DebugSession,
  Event,
  ExitedEvent,
  InitializedEvent,
  InvalidatedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AgentConnection, AgentError, type TraceSink } from './agentConnection';
import {
  expandCoroutineTree,
  type AgentOptions,
  type CompactCoroutineTree,
  type CoroutineTreeArguments,
  type EventMap,
  type EventName,
  type StackFrame as AgentStackFrame,
} from './agentProtocol';
import {
  TASK_THREAD_LIMIT,
  planAttach,
  planLaunch,
  type AttachArguments,
  type DebugOptions,
  type LaunchArguments,
} from './configuration';
import type { DebuggeeProcess } from './debuggeeProcess';
import { LaunchError, LaunchErrorId } from './interpreter';
import { launchDebuggee, type TerminalRequest } from './launcher';
import { RawBodyOutput } from './rawBodyOutput';
import { threadName } from './taskThreads';
import { TraceLog } from './traceLog';

/** The program being debugged and how we reached it. */
interface Debuggee {
  mode: 'launch' | 'attach';
  connection: AgentConnection;
  /** Only for a launch in the internal console: the adapter owns the process and its pipes. */
  process?: DebuggeeProcess;
  pid: number;
  options: DebugOptions;
  /** From the agent's `exited` event. */
  exitCode?: number;
  /** Set while this debuggee is ended on purpose (terminate, disconnect, restart). */
  endingOnPurpose: boolean;
  /** Resolves when the end has been handled (events sent, resources released). */
  finished: Promise<void>;
}

const TREE_TIMEOUT_MS = 60_000;
const AGENT_DISCONNECT_TIMEOUT_MS = 1_500;
/** How long a launched program may take to exit after its agent hung up before it is killed. */
const EXIT_AFTER_HANGUP_MS = 2_000;

const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'raised', label: 'Raised Exceptions', description: 'Stop whenever an exception is raised, caught or not.', default: false },
  { filter: 'uncaught', label: 'Uncaught Exceptions', description: 'Stop on exceptions nothing catches.', default: true },
];

/** A user-facing error response; `showUser` pops it up, otherwise the client shows it in place. */
function errorMessage(id: number, text: string, showUser: boolean): DebugProtocol.Message {
  // With no variable of that name, `{…}` in the text (Python reprs, dicts) stays as it is.
  return { id, format: text, variables: {}, showUser };
}

export class CoroutineLensSession extends DebugSession {
  private debuggee: Debuggee | undefined;
  private trace: TraceLog | undefined;
  private clientSupportsInvalidated = false;
  private clientSupportsRunInTerminal = false;
  private paused = false;
  private configurationDoneSeen = false;
  private lastLaunch: { kind: 'launch'; args: LaunchArguments } | { kind: 'attach'; args: AttachArguments } | undefined;
  /** Kept so a restart can set them again in the new debuggee. */
  private readonly breakpointsByPath = new Map<string, DebugProtocol.SourceBreakpoint[]>();
  private exceptionFilters: Array<'raised' | 'uncaught'> = [];
  private nextBreakpointId = 1;
  /** Aborted by disconnect/shutdown: a launch still waiting for its agent gives up and cleans up. */
  private readonly stopping = new AbortController();

  /** The DAP output when the session runs over a stream (standalone); unset in-process. */
  private rawOutput: RawBodyOutput | undefined;

  constructor() {
    super();
    // The agent counts lines and columns from 1, as Python does for lines.
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** Standalone (a stream, not in-process): DAP goes out through RawBodyOutput, for the tree. */
  override start(inStream: NodeJS.ReadableStream, outStream: NodeJS.WritableStream): void {
    this.rawOutput = new RawBodyOutput(outStream);
    super.start(inStream, this.rawOutput);
  }

  // ------------------------------------------------------------------------------------------
  // Tracing: every DAP message in and out when `trace` is on.

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    this.trace?.write('dap ←', JSON.stringify(request));
    super.dispatchRequest(request);
  }

  override sendResponse(response: DebugProtocol.Response): void {
    this.trace?.write('dap →', JSON.stringify(response));
    super.sendResponse(response);
  }

  override sendEvent(event: DebugProtocol.Event): void {
    this.trace?.write('dap →', JSON.stringify(event));
    super.sendEvent(event);
  }

  private agentTrace(): TraceSink | undefined {
    const trace = this.trace;
    return trace ? (direction, line) => trace.write(direction === 'send' ? 'agent →' : 'agent ←', line) : undefined;
  }

  private startTrace(setting: boolean | string, request: string): void {
    if (!setting || this.trace) return;
    this.trace = TraceLog.open(setting);
    this.trace.write('dap ←', `${request} (tracing starts here)`);
    this.sendEvent(new OutputEvent(`Coroutine Lens: tracing DAP and agent traffic to ${this.trace.file}\n`, 'console'));
  }

  // ------------------------------------------------------------------------------------------
  // Start

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsInvalidated = args.supportsInvalidatedEvent === true;
    this.clientSupportsRunInTerminal = args.supportsRunInTerminalRequest === true;
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS,
      supportsExceptionInfoRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsEvaluateForHovers: true,
      supportsClipboardContext: true,
      supportsSetVariable: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
      supportsValueFormattingOptions: false,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): void {
    this.handle(response, true, async () => {
      this.lastLaunch = { kind: 'launch', args };
      await this.startDebuggee({ kind: 'launch', args });
      this.sendEvent(new InitializedEvent());
      this.sendResponse(response);
    });
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse, args: AttachArguments): void {
    this.handle(response, true, async () => {
      this.lastLaunch = { kind: 'attach', args };
      await this.startDebuggee({ kind: 'attach', args });
      this.sendEvent(new InitializedEvent());
      this.sendResponse(response);
    });
  }

  /** Launches or attaches, then initializes the agent; throws LaunchError with a message to show. */
  private async startDebuggee(what: NonNullable<CoroutineLensSession['lastLaunch']>): Promise<void> {
    let debuggee: Debuggee;
    if (what.kind === 'launch') {
      const plan = planLaunch(what.args);
      this.startTrace(plan.trace, `launch ${JSON.stringify(what.args)}`);
      const launched = await launchDebuggee(plan, {
        onStdout: (text) => this.sendEvent(new OutputEvent(text, 'stdout')),
        onStderr: (text) => this.sendEvent(new OutputEvent(text, 'stderr')),
        runInTerminal: (request) => this.runInTerminal(request),
        trace: this.agentTrace(),
        signal: this.stopping.signal,
      });
      debuggee = this.adopt('launch', launched.connection, launched.pid, plan, launched.process);
      if (this.stopping.signal.aborted) {
        // Disconnected while the agent was connecting: nobody is left to debug it.
        this.debuggee = undefined;
        await this.endDebuggee(debuggee, true);
        throw new LaunchError('The debug session was stopped while the program was starting.', LaunchErrorId.agentDidNotConnect);
      }
      this.sendEvent(
        new Event('process', {
          name: 'program' in plan.target ? plan.target.program : plan.target.module,
          systemProcessId: launched.pid,
          isLocalProcess: true,
          startMethod: 'launch',
        }),
      );
      await this.initializeAgent(debuggee, plan.stopOnEntry);
    } else {
      const plan = planAttach(what.args);
      this.startTrace(plan.trace, `attach ${JSON.stringify({ ...what.args, token: what.args.token && '<token>' })}`);
      let connection: AgentConnection;
      try {
        connection = await AgentConnection.attach(plan.host, plan.port, plan.token, this.agentTrace());
      } catch (error) {
        throw new LaunchError(`Cannot attach: ${(error as Error).message}.`, LaunchErrorId.attachFailed);
      }
      debuggee = this.adopt('attach', connection, connection.peer.pid ?? 0, plan);
      this.sendEvent(
        new Event('process', {
          name: `${plan.host}:${plan.port}`,
          systemProcessId: connection.peer.pid,
          isLocalProcess: ['127.0.0.1', 'localhost', '::1'].includes(plan.host),
          startMethod: 'attach',
        }),
      );
      await this.initializeAgent(debuggee, false);
    }
  }

  private async initializeAgent(debuggee: Debuggee, stopOnEntry: boolean): Promise<void> {
    const options: AgentOptions = {
      justMyCode: debuggee.options.justMyCode,
      showTasksAsThreads: debuggee.options.showTasksAsThreads,
      taskThreadLimit: TASK_THREAD_LIMIT,
      blockedLoopThresholdMs: debuggee.options.blockedLoopThresholdMs,
      stopOnEntry,
    };
    try {
      await debuggee.connection.request('initialize', options);
    } catch (error) {
      // The failed launch response ends the session; no exited/terminated for a start that never was.
      this.debuggee = undefined;
      await this.endDebuggee(debuggee, debuggee.mode === 'launch');
      throw new LaunchError(`The Coroutine Lens agent failed to start: ${(error as Error).message}`, LaunchErrorId.agentDidNotConnect);
    }
  }

  private runInTerminal(request: TerminalRequest): Promise<number | undefined> {
    if (!this.clientSupportsRunInTerminal) {
      return Promise.reject(
        new LaunchError(`This client cannot run programs in a terminal; use "console": "internalConsole".`, LaunchErrorId.badConfiguration),
      );
    }
    return new Promise((resolve, reject) => {
      this.runInTerminalRequest(request, 10_000, (response) => {
        if (response.success) resolve(response.body?.processId ?? response.body?.shellProcessId);
        else reject(new LaunchError(`The terminal could not start the program: ${response.message}`, LaunchErrorId.agentDidNotConnect));
      });
    });
  }

  /** Takes ownership of a connected debuggee: agent events, and what happens when it ends. */
  private adopt(mode: Debuggee['mode'], connection: AgentConnection, pid: number, options: DebugOptions, process?: DebuggeeProcess): Debuggee {
    let markFinished: () => void = () => undefined;
    const debuggee: Debuggee = {
      mode,
      connection,
      process,
      pid,
      options,
      endingOnPurpose: false,
      finished: new Promise((resolve) => (markFinished = resolve)),
    };
    this.debuggee = debuggee;
    this.paused = false;
    connection.onEvent((event, body) => this.onAgentEvent(debuggee, event, body));
    let finishing = false;
    const finish = (): void => {
      if (finishing) return;
      finishing = true;
      void this.onDebuggeeEnded(debuggee).finally(markFinished);
    };
    if (process) {
      void process.ended.then(finish);
      connection.onClose(() => {
        // The agent hung up: the program is ending. If it does not, it must not linger.
        const timer = setTimeout(() => void process.terminate(), EXIT_AFTER_HANGUP_MS);
        void process.ended.then(() => clearTimeout(timer));
      });
    } else {
      connection.onClose(finish);
    }
    return debuggee;
  }

  private onAgentEvent<E extends EventName>(debuggee: Debuggee, event: E, rawBody: EventMap[E]): void {
    if (debuggee !== this.debuggee) return;
    switch (event) {
      case 'stopped': {
        const body = rawBody as EventMap['stopped'];
        this.paused = true;
        const stopped: DebugProtocol.StoppedEvent = new StoppedEvent(body.reason, body.threadId);
        stopped.body.allThreadsStopped = true;
        if (body.description) stopped.body.description = body.description;
        if (body.text) stopped.body.text = body.text;
        this.sendEvent(stopped);
        break;
      }
      case 'thread': {
        const body = rawBody as EventMap['thread'];
        this.sendEvent(new ThreadEvent(body.reason, body.threadId));
        break;
      }
      case 'output': {
        const body = rawBody as EventMap['output'];
        const output: DebugProtocol.OutputEvent = new OutputEvent(body.output, body.category);
        if (body.path) output.body.source = this.source(body.path);
        if (body.line) output.body.line = this.convertDebuggerLineToClient(body.line);
        this.sendEvent(output);
        break;
      }
      case 'blockedLoop':
        this.sendEvent(new Event('blockedLoop', rawBody));
        break;
      case 'coroutineTreeChanged':
        this.treeChanged();
        break;
      case 'agentError': {
        const body = rawBody as EventMap['agentError'];
        this.sendEvent(new OutputEvent(`Coroutine Lens agent error: ${body.message}\n${body.traceback ?? ''}`, 'console'));
        break;
      }
      case 'exited':
        debuggee.exitCode = (rawBody as EventMap['exited']).exitCode;
        break;
      default:
        this.trace?.write('note', `ignored agent event '${String(event)}'`);
    }
  }

  /** Tasks came, went or changed: the Coroutines view refreshes, and so do task threads. */
  private treeChanged(): void {
    this.sendEvent(new Event('coroutineTreeChanged', {}));
    if (this.debuggee?.options.showTasksAsThreads && this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['threads']));
  }

  /** Runs once per debuggee, after its output is drained: exited + terminated (unless restarting). */
  private async onDebuggeeEnded(debuggee: Debuggee): Promise<void> {
    const exit = debuggee.process ? await debuggee.process.ended : undefined;
    debuggee.connection.close('the program has ended');
    // Children the program left in its process group go with it.
    debuggee.process?.kill();
    if (debuggee !== this.debuggee) return;
    const wasPaused = this.paused;
    this.paused = false;
    const exitCode = debuggee.exitCode ?? exit?.code ?? undefined;
    if (wasPaused && !debuggee.endingOnPurpose) {
      const how = exit?.signal ? `was ended by ${exit.signal}` : `exited${exitCode === undefined ? '' : ` with code ${exitCode}`}`;
      this.sendEvent(new OutputEvent(`The program ${how} while it was paused in the debugger.\n`, 'important'));
    }
    // A signal reads as the shell shows it: 128 + its number.
    const signalCode = exit?.signal ? 128 + (os.constants.signals[exit.signal] ?? 0) : 0;
    if (debuggee.mode === 'launch') this.sendEvent(new ExitedEvent(exitCode ?? signalCode));
    this.sendEvent(new TerminatedEvent());
  }

  /**
   * Ends the debuggee on purpose. `terminate`: end the program (asked of the agent first, then the
   * process group); otherwise the agent is told to let the program run on and the socket is closed.
   */
  private async endDebuggee(debuggee: Debuggee, terminate: boolean): Promise<void> {
    debuggee.endingOnPurpose = true;
    if (!debuggee.connection.isClosed) {
      await debuggee.connection.request('disconnect', { terminate }, AGENT_DISCONNECT_TIMEOUT_MS).catch(() => undefined);
    }
    if (!terminate) {
      debuggee.connection.close('detached');
    } else if (debuggee.process) {
      await debuggee.process.terminate();
    } else {
      // Started in a terminal or attached: the agent ends the program. For a terminal launch the pid
      // is the fallback; an attached program's pid may belong to another machine.
      await Promise.race([debuggee.finished, new Promise((resolve) => setTimeout(resolve, EXIT_AFTER_HANGUP_MS))]);
      if (debuggee.mode === 'launch' && !debuggee.connection.isClosed && debuggee.pid) {
        try {
          process.kill(debuggee.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      debuggee.connection.close('terminated');
    }
    await debuggee.finished;
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.handle(response, true, async () => {
      if (this.debuggee) await this.endDebuggee(this.debuggee, true);
      this.sendResponse(response);
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments): void {
    this.stopping.abort();
    this.handle(response, true, async () => {
      const debuggee = this.debuggee;
      if (debuggee) await this.endDebuggee(debuggee, args?.terminateDebuggee ?? debuggee.mode === 'launch');
      this.sendResponse(response);
      this.shutdown();
    });
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.handle(response, true, async () => {
      const previous = this.lastLaunch;
      if (!previous) throw new LaunchError('There is nothing to restart yet.', LaunchErrorId.badConfiguration);
      const old = this.debuggee;
      this.debuggee = undefined; // its end is quiet: no exited/terminated for a restart
      if (old) await this.endDebuggee(old, old.mode === 'launch');
      const next = args?.arguments ? { kind: previous.kind, args: args.arguments } : previous;
      this.lastLaunch = next as typeof previous;
      await this.startDebuggee(this.lastLaunch);
      await this.replayConfiguration();
      this.sendResponse(response);
    });
  }

  private async replayConfiguration(): Promise<void> {
    const connection = this.requireConnection();
    for (const [file, breakpoints] of this.breakpointsByPath) {
      await connection.request('setBreakpoints', { path: file, breakpoints: breakpoints.map((bp) => this.breakpointSpec(bp)) });
    }
    await connection.request('setExceptionBreakpoints', { filters: this.exceptionFilters });
    if (this.configurationDoneSeen) await connection.request('configurationDone', {});
  }

  override shutdown(): void {
    this.stopping.abort();
    // The adapter is going away: a launched program goes with it, whatever state it is in.
    if (this.debuggee?.mode === 'launch') {
      this.debuggee.process?.kill();
      this.debuggee.connection.close('the debug adapter shut down');
    }
    super.shutdown();
  }

  // ------------------------------------------------------------------------------------------
  // Configuration

  private breakpointSpec(bp: DebugProtocol.SourceBreakpoint): { line: number; condition?: string; hitCondition?: string; logMessage?: string } {
    return {
      line: this.convertClientLineToDebugger(bp.line),
      ...(bp.condition ? { condition: bp.condition } : {}),
      ...(bp.hitCondition ? { hitCondition: bp.hitCondition } : {}),
      ...(bp.logMessage ? { logMessage: bp.logMessage } : {}),
    };
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.handle(response, false, async () => {
      const sourcePath = args.source.path;
      if (!sourcePath) throw new LaunchError('Breakpoints can only be set in files.', LaunchErrorId.badConfiguration);
      const file = this.convertClientPathToDebugger(sourcePath);
      const requested = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      this.breakpointsByPath.set(file, requested);
      const connection = this.debuggee?.connection;
      const results = connection
        ? (await connection.request('setBreakpoints', { path: file, breakpoints: requested.map((bp) => this.breakpointSpec(bp)) })).breakpoints
        : requested.map((bp) => ({ verified: false, line: this.convertClientLineToDebugger(bp.line), message: 'The program is not running.' }));
      response.body = {
        breakpoints: results.map((result) => {
          const breakpoint: DebugProtocol.Breakpoint = new Breakpoint(
            result.verified,
            this.convertDebuggerLineToClient(result.line),
            undefined,
            this.source(file),
          );
          breakpoint.id = this.nextBreakpointId++;
          if (result.message) breakpoint.message = result.message;
          return breakpoint;
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.handle(response, false, async () => {
      this.exceptionFilters = args.filters.filter((f): f is 'raised' | 'uncaught' => f === 'raised' || f === 'uncaught');
      await this.debuggee?.connection.request('setExceptionBreakpoints', { filters: this.exceptionFilters });
      this.sendResponse(response);
    });
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.handle(response, true, async () => {
      this.configurationDoneSeen = true;
      await this.requireConnection().request('configurationDone', {});
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Inspecting

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.handle(response, false, async () => {
      const connection = this.debuggee?.connection;
      // Clients ask for threads at any moment, also before the agent is there or after it left.
      // While paused with tasks as threads, the agent captures the tree for them: as long as a tree.
      const threads = connection && !connection.isClosed ? (await connection.request('threads', {}, TREE_TIMEOUT_MS)).threads : [];
      response.body = { threads: threads.map((thread) => ({ id: thread.id, name: threadName(thread) })) };
      this.sendResponse(response);
    });
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.handle(response, false, async () => {
      const body = await this.requireConnection().request('stackTrace', {
        threadId: args.threadId,
        ...(args.startFrame !== undefined ? { startFrame: args.startFrame } : {}),
        ...(args.levels ? { levels: args.levels } : {}),
      });
      response.body = { stackFrames: body.stackFrames.map((frame) => this.stackFrame(frame)), totalFrames: body.totalFrames };
      this.sendResponse(response);
    });
  }

  private stackFrame(frame: AgentStackFrame): DebugProtocol.StackFrame {
    const result: DebugProtocol.StackFrame = new StackFrame(
      frame.id,
      frame.name,
      this.source(frame.path, frame.presentationHint === 'subtle'),
      this.convertDebuggerLineToClient(frame.line),
      this.convertDebuggerColumnToClient(frame.column || 1),
    );
    if (frame.presentationHint) result.presentationHint = frame.presentationHint;
    return result;
  }

  /** Real files get a path; `<string>`, `<frozen …>` and the like get a name only. */
  private source(file: string, deemphasize = false): Source {
    const source: Source & DebugProtocol.Source = path.isAbsolute(file)
      ? new Source(path.basename(file), this.convertDebuggerPathToClient(file))
      : new Source(file);
    if (deemphasize || !path.isAbsolute(file)) source.presentationHint = 'deemphasize';
    return source;
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.handle(response, false, async () => {
      const body = await this.requireConnection().request('scopes', { frameId: args.frameId });
      response.body = { scopes: body.scopes.map((scope) => new Scope(scope.name, scope.variablesReference, scope.expensive)) };
      this.sendResponse(response);
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.handle(response, false, async () => {
      const body = await this.requireConnection().request('variables', {
        variablesReference: args.variablesReference,
        ...(args.start !== undefined ? { start: args.start } : {}),
        ...(args.count ? { count: args.count } : {}),
      });
      response.body = { variables: body.variables };
      this.sendResponse(response);
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.handle(response, false, async () => {
      const context = args.context === 'hover' || args.context === 'watch' || args.context === 'clipboard' ? args.context : 'repl';
      const body = await this.requireConnection().request('evaluate', {
        expression: args.expression,
        ...(args.frameId !== undefined ? { frameId: args.frameId } : {}),
        context,
      });
      response.body = { result: body.result, type: body.type, variablesReference: body.variablesReference };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.handle(response, false, async () => {
      response.body = await this.requireConnection().request('setVariable', {
        variablesReference: args.variablesReference,
        name: args.name,
        value: args.value,
      });
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.handle(response, false, async () => {
      const info = await this.requireConnection().request('exceptionInfo', { threadId: args.threadId });
      response.body = {
        exceptionId: info.exceptionId,
        description: info.description,
        breakMode: info.breakMode,
        details: { message: info.description, typeName: info.exceptionId, stackTrace: info.stackTrace },
      };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Running

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.resume(response, 'continue', args.threadId, () => (response.body = { allThreadsContinued: true }));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.resume(response, 'next', args.threadId);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.resume(response, 'stepIn', args.threadId);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.resume(response, 'stepOut', args.threadId);
  }

  private resume(response: DebugProtocol.Response, command: 'continue' | 'next' | 'stepIn' | 'stepOut', threadId: number, shape?: () => void): void {
    this.handle(response, false, async () => {
      // The stopped event of a quick step may arrive before this response; the pause is over now.
      this.paused = false;
      await this.requireConnection().request(command, { threadId });
      shape?.();
      this.sendResponse(response);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    this.handle(response, false, async () => {
      await this.requireConnection().request('pause', { threadId: args.threadId });
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Custom requests: the suspension tree and tasks

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const request = (args ?? {}) as { taskId?: unknown };
    switch (command) {
      case 'coroutineTree':
        this.handle(response, false, () => this.coroutineTree(response, (args ?? {}) as CoroutineTreeArguments));
        return;
      case 'cancelTask':
      case 'taskCreationStack':
        this.handle(response, false, async () => {
          if (typeof request.taskId !== 'string') throw new LaunchError(`'${command}' needs a taskId (a string)`, LaunchErrorId.badConfiguration);
          response.body = await this.requireConnection().request(command, { taskId: request.taskId });
          this.sendResponse(response);
          if (command === 'cancelTask' && (response.body as { cancelled: boolean }).cancelled) this.treeChanged();
        });
        return;
      case 'setTaskCreationStacks':
        this.handle(response, false, async () => {
          const { enabled } = (args ?? {}) as { enabled?: unknown };
          if (typeof enabled !== 'boolean') throw new LaunchError(`'${command}' needs enabled (true or false)`, LaunchErrorId.badConfiguration);
          await this.requireConnection().request(command, { enabled });
          this.sendResponse(response);
          this.sendEvent(new Event('coroutineTreeChanged', {})); // its creationNotRecorded note comes or goes
        });
        return;
      default:
        super.customRequest(command, response, args);
    }
  }

  /**
   * The agent sends the tree compact (strings and frames written once). A client that asks for
   * `format: 'compact'` gets it as sent: over a stream the text is not even parsed; in-process
   * (the extension host) it is parsed once. Any other client gets the DESIGN.md shape.
   */
  private async coroutineTree(response: DebugProtocol.Response, args: CoroutineTreeArguments): Promise<void> {
    const { format, maxTasks } = args;
    if (format !== undefined && format !== 'compact' && format !== 'full') {
      throw new LaunchError(`'coroutineTree' format must be 'compact' or 'full', not ${JSON.stringify(format)}`, LaunchErrorId.badConfiguration);
    }
    if (maxTasks !== undefined && !(Number.isInteger(maxTasks) && maxTasks >= 0)) {
      throw new LaunchError(`'coroutineTree' maxTasks must be a whole number >= 0, not ${JSON.stringify(maxTasks)}`, LaunchErrorId.badConfiguration);
    }
    const agentArgs = maxTasks !== undefined ? { maxTasks } : {};
    const text = await this.requireConnection().requestRaw('coroutineTree', agentArgs, TREE_TIMEOUT_MS);
    if (format === 'compact' && this.rawOutput) {
      response.body = this.rawOutput.placeholder(text);
    } else {
      const wire = JSON.parse(text) as CompactCoroutineTree;
      response.body = format === 'compact' ? wire : expandCoroutineTree(wire);
    }
    this.sendResponse(response);
  }

  // ------------------------------------------------------------------------------------------

  private requireConnection(): AgentConnection {
    const connection = this.debuggee?.connection;
    if (!connection || connection.isClosed) throw new AgentError('The program is not running.');
    return connection;
  }

  /**
   * Runs a request handler; any failure becomes an error response with a readable message, never
   * an exception. `showUser` pops the message up (start-up problems) rather than showing it in place.
   */
  private handle(response: DebugProtocol.Response, showUser: boolean, work: () => Promise<void>): void {
    work().catch((error: unknown) => {
      const launchError = error instanceof LaunchError ? error : undefined;
      const text = error instanceof Error ? error.message : String(error);
      this.trace?.write('error', `${response.command}: ${error instanceof Error ? (error.stack ?? text) : text}`);
      this.sendErrorResponse(response, errorMessage(launchError?.id ?? 3100, text, showUser || launchError !== undefined));
    });
  }
}

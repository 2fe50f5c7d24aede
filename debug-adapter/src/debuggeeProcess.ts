/**
 * Starts the Python debuggee in a process group of its own and ends it — the whole group, so the
 * program's own children go too — on terminate, on disconnect, and when the adapter process exits.
 * Output is read from pipes and handed on in order; `ended` resolves only after both pipes are
 * drained, so a caller that waits for it has seen every byte before it reports the exit.
 *
 * A killed adapter (SIGKILL) runs no code at all: then the agent notices its socket closing and ends
 * the program itself (see docs/architecture-adapter.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface DebuggeeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DebuggeeSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onStdout: (text: string) => void;
  onStderr: (text: string) => void;
}

/** How long a SIGTERM may take before the group gets SIGKILL. */
const TERMINATE_GRACE_MS = 2_000;

/** Every live debuggee of this adapter process, ended synchronously if the adapter exits first. */
const liveDebuggees = new Set<DebuggeeProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const debuggee of liveDebuggees) debuggee.kill();
  });
}

export class DebuggeeProcess {
  readonly pid: number;
  readonly ended: Promise<DebuggeeExit>;
  private readonly child: ChildProcess;
  private exit: DebuggeeExit | undefined;

  private constructor(child: ChildProcess, pid: number) {
    this.child = child;
    this.pid = pid;
    this.ended = new Promise((resolve) => {
      // 'close' (not 'exit') comes after the stdio pipes are drained.
      child.on('close', (code, signal) => {
        this.exit = { code, signal };
        liveDebuggees.delete(this);
        resolve(this.exit);
      });
    });
  }

  /** Spawns `command args…`; rejects with a readable message when it cannot start at all. */
  static start(command: string, args: string[], options: DebuggeeSpawnOptions): Promise<DebuggeeProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group (POSIX), so terminate can end the program's children too.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
      child.stdout?.setEncoding('utf8').on('data', options.onStdout);
      child.stderr?.setEncoding('utf8').on('data', options.onStderr);
      // The program reads no input from the debug console; stdin stays open so it does not see EOF.
      child.stdin?.on('error', () => undefined);
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === 'ENOENT' ? `'${command}' was not found` : `cannot start '${command}': ${error.message}`)),
      );
      child.once('spawn', () => {
        const debuggee = new DebuggeeProcess(child, child.pid as number);
        installExitHook();
        liveDebuggees.add(debuggee);
        resolve(debuggee);
      });
    });
  }

  get hasEnded(): boolean {
    return this.exit !== undefined;
  }

  /** SIGTERM to the group, SIGKILL after a grace period; resolves once the process is gone. */
  async terminate(): Promise<DebuggeeExit> {
    if (this.exit) return this.exit;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), TERMINATE_GRACE_MS);
    const exit = await this.ended;
    clearTimeout(timer);
    // Children of the program that ignored SIGTERM must not outlive it.
    this.signalGroup('SIGKILL');
    return exit;
  }

  /** Immediate and synchronous (usable from an 'exit' handler). */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      if (process.platform === 'win32') this.child.kill(signal);
      else process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

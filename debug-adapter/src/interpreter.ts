/**
 * Finds out whether the configured Python can run the agent, before anything is started: it must
 * exist and be 3.9 or newer. The same probe checks that the program compiles, so a syntax error is
 * reported with its line instead of as a debuggee that dies on start.
 */
import { execFile } from 'node:child_process';

export const MINIMUM_PYTHON: readonly [number, number] = [3, 9];
const PROBE_TIMEOUT_MS = 15_000;

/** `python` of the launch configuration: a path or command, or a command list such as ["py", "-3.12"]. */
export type PythonSetting = string | string[] | undefined;

export interface Interpreter {
  command: string;
  /** Arguments that belong to the interpreter command itself (from a command list). */
  args: string[];
  version: string;
  executable: string;
}

export interface SyntaxProblem {
  message: string;
  path: string;
  line?: number;
  text?: string;
}

export interface ProbeResult {
  interpreter: Interpreter;
  syntaxError?: SyntaxProblem;
  /** Set when `module` is given and its top-level package cannot be found. */
  moduleMissing?: boolean;
  /** Set when `program` is a folder or a zip archive: Python runs its `__main__` module through runpy. */
  runsMain?: boolean;
}

/** A problem the user can fix; the message says how. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly id: number,
  ) {
    super(message);
    this.name = 'LaunchError';
  }
}

export const LaunchErrorId = {
  pythonNotFound: 3001,
  pythonTooOld: 3002,
  programNotFound: 3003,
  syntaxError: 3004,
  agentDidNotConnect: 3005,
  badConfiguration: 3006,
  attachFailed: 3007,
} as const;

// Runs on any Python (2.7 included) so that an old one is named, not crashed on. Only the top-level
// package of a module is looked up: find_spec of a dotted name would import its parents.
const PROBE = String.raw`
import json, platform, sys
info = {"version": list(sys.version_info[:3]), "executable": sys.executable,
        "implementation": platform.python_implementation()}
if sys.version_info >= (3, 9):
    kind, target = sys.argv[1], sys.argv[2]
    if kind == "program":
        import os, zipimport
        try:
            runs_main = os.path.isdir(target) or bool(zipimport.zipimporter(target))
        except (zipimport.ZipImportError, OSError):
            runs_main = False
        if runs_main:  # Python runs its __main__ module
            info["runsMain"] = True
        else:
            with open(target, "rb") as f:
                source = f.read()
            try:
                compile(source, target, "exec", dont_inherit=True)
            except SyntaxError as e:
                info["syntaxError"] = {"message": "%s: %s" % (type(e).__name__, e.msg), "path": e.filename or target,
                                       "line": e.lineno, "text": (e.text or "").rstrip()}
    elif kind == "module":
        import importlib.util
        info["moduleMissing"] = importlib.util.find_spec(target.split(".")[0]) is None
sys.stdout.write("COROUTINE_LENS_PROBE " + json.dumps(info) + "\n")
`;

export function pythonCommand(setting: PythonSetting): { command: string; args: string[]; label: string } {
  const list = Array.isArray(setting) ? setting : [setting ?? (process.platform === 'win32' ? 'python' : 'python3')];
  if (list.length === 0 || list.some((part) => typeof part !== 'string' || part.length === 0)) {
    throw new LaunchError('"python" must be a path, a command, or a non-empty list of strings', LaunchErrorId.badConfiguration);
  }
  return { command: list[0], args: list.slice(1), label: list.join(' ') };
}

/** Runs the probe with `python`; `target` is the program to compile or the module to look up. */
export function probe(
  setting: PythonSetting,
  target: { program: string } | { module: string },
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ProbeResult> {
  const { command, args, label } = pythonCommand(setting);
  const targetArgs = 'program' in target ? ['program', target.program] : ['module', target.module];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, '-c', PROBE, ...targetArgs],
      { cwd: options.cwd, env: options.env, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        const errno = (error as NodeJS.ErrnoException | null)?.code;
        if (errno === 'ENOENT' || errno === 'EACCES') {
          reject(
            new LaunchError(
              `Python was not found: '${label}' ${errno === 'EACCES' ? 'is not executable' : 'does not exist'}. ` +
                'Set "python" in the launch configuration (or the coroutineLens.python setting) to a Python 3.9 or newer.',
              LaunchErrorId.pythonNotFound,
            ),
          );
          return;
        }
        const marker = stdout.split('\n').find((line) => line.startsWith('COROUTINE_LENS_PROBE '));
        if (!marker) {
          const why = error?.killed ? `it did not answer within ${PROBE_TIMEOUT_MS / 1000} s` : stderr.trim().split('\n').slice(-3).join(' ') || 'no output';
          reject(new LaunchError(`'${label}' did not run as a Python interpreter: ${why}`, LaunchErrorId.pythonNotFound));
          return;
        }
        const info = JSON.parse(marker.slice('COROUTINE_LENS_PROBE '.length)) as {
          version: [number, number, number];
          executable: string;
          syntaxError?: SyntaxProblem;
          moduleMissing?: boolean;
          runsMain?: boolean;
        };
        const version = info.version.join('.');
        const [major, minor] = info.version;
        if (major < MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor < MINIMUM_PYTHON[1])) {
          reject(
            new LaunchError(
              `Coroutine Lens needs Python ${MINIMUM_PYTHON.join('.')} or newer; '${label}' is Python ${version} (${info.executable}). ` +
                'Set "python" in the launch configuration (or the coroutineLens.python setting) to a newer interpreter.',
              LaunchErrorId.pythonTooOld,
            ),
          );
          return;
        }
        resolve({
          interpreter: { command, args, version, executable: info.executable },
          syntaxError: info.syntaxError,
          moduleMissing: info.moduleMissing,
          runsMain: info.runsMain,
        });
      },
    );
  });
}

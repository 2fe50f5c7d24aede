/**
 * Which Python runs the debuggee: the launch configuration's `python` → the setting
 * `coroutineLens.python` → the Python extension's active interpreter (a soft dependency: used
 * when installed) → `python3` on the PATH. The first that answers `--version` wins.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';

export type PythonCommand = string | string[];

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

function answersVersion(command: PythonCommand): Promise<boolean> {
  const [file, ...args] = Array.isArray(command) ? command : [command];
  if (!file) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(file, [...args, '--version'], { timeout: 10_000 }, (error) => resolve(!error));
  });
}

async function pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<PythonCommand | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const active = api.environments?.getActiveEnvironmentPath(resource)?.path;
    if (active) return active;
    return api.settings?.getExecutionDetails(resource).execCommand;
  } catch {
    return undefined;
  }
}

export interface Candidate {
  command: PythonCommand;
  source: string;
}

export async function interpreterCandidates(configured: PythonCommand | undefined, resource: vscode.Uri | undefined): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  if (configured && configured.length) candidates.push({ command: configured, source: 'the launch configuration (python)' });
  const setting = vscode.workspace.getConfiguration('coroutineLens', resource).get<string>('python');
  if (setting) candidates.push({ command: setting, source: 'the setting coroutineLens.python' });
  const fromExtension = await pythonExtensionInterpreter(resource);
  if (fromExtension) candidates.push({ command: fromExtension, source: "the Python extension's interpreter" });
  candidates.push({ command: 'python3', source: 'python3 on the PATH' });
  return candidates;
}

/**
 * The interpreter to use, or undefined after telling the user why none works. An explicit choice
 * (launch configuration or setting) that does not work is reported, not silently skipped.
 */
export async function resolveInterpreter(configured: PythonCommand | undefined, resource: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<PythonCommand | undefined> {
  for (const candidate of await interpreterCandidates(configured, resource)) {
    if (await answersVersion(candidate.command)) {
      log.info(`debugging with ${JSON.stringify(candidate.command)} from ${candidate.source}`);
      return candidate.command;
    }
    log.warn(`Python ${JSON.stringify(candidate.command)} from ${candidate.source} does not run`);
    if (candidate.source !== 'python3 on the PATH' && candidate.source !== "the Python extension's interpreter") {
      void offerSetting(`Coroutine Lens: the Python interpreter ${JSON.stringify(candidate.command)} from ${candidate.source} could not be started.`);
      return undefined;
    }
  }
  void offerSetting('Coroutine Lens: no Python interpreter found (tried the Python extension and python3 on the PATH).');
  return undefined;
}

async function offerSetting(message: string): Promise<void> {
  const open = 'Set Interpreter';
  if ((await vscode.window.showErrorMessage(message, open)) === open) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'coroutineLens.python');
  }
}

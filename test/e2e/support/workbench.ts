/** Helpers for suites running inside the extension host. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { CoroutineLensApi } from '../../../client/src/extension';
import { SCREENSHOT_MARKER, SELECTION_ENV, type E2eSelection } from './selection';

export const EXTENSION_ID = 'coroutine-lens.coroutine-lens';

export type { CoroutineLensApi };

export function selection(): E2eSelection {
  return JSON.parse(readFileSync(process.env[SELECTION_ENV] ?? '', 'utf8')) as E2eSelection;
}

export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Asks the launcher (which owns the browser) for a screenshot and waits until it is written. */
export async function screenshot(name: string): Promise<void> {
  const target = join(selection().artefactsDir, `${name}.png`);
  const before = existsSync(target) ? statSync(target).mtimeMs : 0;
  console.log(`${SCREENSHOT_MARKER} ${name}`);
  await waitFor(() => existsSync(target) && statSync(target).mtimeMs > before, `screenshot ${name}`, 20_000);
}

export async function activateExtension(): Promise<CoroutineLensApi> {
  const extension = vscode.extensions.getExtension<CoroutineLensApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  // activate() resolves with the exports once activation has finished, also when it already has.
  const api = await extension.activate();
  if (!api?.logUri) throw new Error(`${EXTENSION_ID} activated without its API`);
  return api;
}

/** The text of the extension's "Coroutine Lens" log channel, read from its log file. */
export function extensionLog(api: CoroutineLensApi): string {
  const found = findFile(api.logUri.fsPath, 'Coroutine Lens.log') ?? findFile(join(api.logUri.fsPath, '..'), 'Coroutine Lens.log');
  if (!found) throw new Error(`no 'Coroutine Lens.log' under ${api.logUri.fsPath}`);
  return readFileSync(found, 'utf8');
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const nested = findFile(path, name);
      if (nested) return nested;
    }
  }
  return undefined;
}

export async function openWorkspaceFile(relativePath: string): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.file(join(selection().workspace, relativePath));
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document);
}

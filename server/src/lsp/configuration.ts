/**
 * The configuration of each workspace folder: `coroutineLens.*` settings (pulled per folder with
 * `workspace/configuration`) merged over `[tool.coroutine-lens]` of the folder's pyproject.toml.
 * Errors are shown to the user (a message, and diagnostics on pyproject.toml) and never stop the
 * server: what is valid still applies.
 */
import * as path from 'node:path';
import { MessageType, type Connection } from 'vscode-languageserver/node';
import { loadPyprojectConfiguration, mergeConfiguration, type ConfigError, type Configuration } from '../analysis';
import { SETTINGS_SECTION } from '../protocol';
import { configErrorDiagnostic } from './diagnostics';
import { tellUser } from './notify';
import type { PathMap } from './paths';
import { resolveSettings } from './settings';

export interface Folder {
  uri: string;
  path: string;
}

interface FolderState extends Folder {
  enabled: boolean;
  /** The serialized effective configuration: tells a real change from a repeated notification. */
  key: string;
  /** The part of it that decides which files are indexed and how (a change means indexing again). */
  indexKey: string;
}

export interface ConfigurationChange {
  root: string;
  reindex: boolean;
}

export class FolderConfigurations {
  private readonly folders = new Map<string, FolderState>();
  /** Settings pushed with didChangeConfiguration, for clients that do not answer workspace/configuration. */
  private pushedSettings: unknown;
  /** What was last shown per source (settings, each pyproject.toml), so a refresh does not repeat it. */
  private readonly shown = new Map<string, Set<string>>();
  private readonly pyprojectsWithErrors = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly paths: PathMap,
    private readonly pullsSettings: boolean,
    private readonly apply: (root: string, config: Configuration) => void,
  ) {}

  setFolders(folders: readonly Folder[]): void {
    const wanted = new Set(folders.map((folder) => folder.path));
    for (const root of [...this.folders.keys()]) if (!wanted.has(root)) this.folders.delete(root);
    for (const folder of folders) {
      if (!this.folders.has(folder.path)) this.folders.set(folder.path, { ...folder, enabled: true, key: '', indexKey: '' });
    }
  }

  roots(): string[] {
    return [...this.folders.keys()];
  }

  setPushedSettings(settings: unknown): void {
    this.pushedSettings = settings;
  }

  /** The folder a file belongs to: the innermost one containing it. */
  folderOf(file: string): Folder | undefined {
    let best: FolderState | undefined;
    for (const folder of this.folders.values()) {
      if (isInside(file, folder.path) && (!best || folder.path.length > best.path.length)) best = folder;
    }
    return best;
  }

  anyEnabled(): boolean {
    return [...this.folders.values()].some((folder) => folder.enabled);
  }

  isEnabled(file: string): boolean {
    const folder = this.folderOf(file);
    return folder ? this.folders.get(folder.path)!.enabled : true;
  }

  /** Re-reads settings and pyproject.toml of the given folders (all by default); returns the folders whose effective configuration changed. */
  async refresh(roots: readonly string[] = this.roots()): Promise<ConfigurationChange[]> {
    const states = roots.map((root) => this.folders.get(root)).filter((state): state is FolderState => state !== undefined);
    const rawSettings = await this.readSettings(states);
    const changed: ConfigurationChange[] = [];
    const settingsErrors: string[] = [];
    for (const [index, state] of states.entries()) {
      const settings = resolveSettings(rawSettings[index]);
      settingsErrors.push(...settings.errors);
      const pyproject = await loadPyprojectConfiguration(state.path);
      this.reportPyprojectErrors(state.path, pyproject.errors);
      const config = mergeConfiguration(pyproject.config, settings.override);
      const key = JSON.stringify([settings.enabled, config]);
      if (!this.folders.has(state.path)) continue; // removed while we were reading
      if (key === state.key) continue;
      const indexKey = JSON.stringify([config.exclude, config.extraCoroutineDecorators, config.maxFileBytes]);
      changed.push({ root: state.path, reindex: indexKey !== state.indexKey });
      Object.assign(state, { enabled: settings.enabled, key, indexKey });
      this.apply(state.path, config);
    }
    this.showNew('settings', settingsErrors.map((error) => `Coroutine Lens: invalid setting ${error}. The rest of the configuration applies.`));
    return changed;
  }

  private async readSettings(states: FolderState[]): Promise<unknown[]> {
    if (!this.pullsSettings) {
      const section = (this.pushedSettings as Record<string, unknown> | undefined)?.[SETTINGS_SECTION];
      return states.map(() => section);
    }
    try {
      return await this.connection.workspace.getConfiguration(states.map((state) => ({ scopeUri: state.uri, section: SETTINGS_SECTION })));
    } catch (error) {
      this.connection.console.error(`workspace/configuration failed: ${(error as Error).message}; using pyproject.toml and defaults`);
      return states.map(() => undefined);
    }
  }

  private reportPyprojectErrors(root: string, errors: ConfigError[]): void {
    const file = path.join(root, 'pyproject.toml');
    if (errors.length === 0 && !this.pyprojectsWithErrors.has(file)) return;
    const uri = this.paths.uriOf(file);
    void this.connection.sendDiagnostics({ uri, diagnostics: errors.map(configErrorDiagnostic) });
    if (errors.length === 0) this.pyprojectsWithErrors.delete(file);
    else this.pyprojectsWithErrors.add(file);
    this.showNew(file, errors.map((error) => `Coroutine Lens: ${error.path}${error.line ? `:${error.line}` : ''}: ${error.message}. The rest of the configuration applies.`));
  }

  /** Each problem is shown once, not on every refresh; one that was fixed and comes back is shown again. */
  private showNew(source: string, messages: string[]): void {
    const before = this.shown.get(source);
    for (const message of messages) {
      if (before?.has(message)) continue;
      tellUser(this.connection, MessageType.Warning, message);
    }
    this.shown.set(source, new Set(messages));
  }
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The configuration of each workspace folder: `coroutineLens.*` settings (pulled per folder with
 * `workspace/configuration`) merged over `[tool.coroutine-lens]` of the folder's pyproject.toml.
 * A sub-project inside a folder — a folder the index's walk reaches whose pyproject.toml configures
 * coroutine-lens — is a configuration root of its own: the folder's settings merged over *its*
 * table (the CLI's rule: the nearest table wins, nothing is inherited from the folder's).
 * Errors are shown to the user (a message, and diagnostics on pyproject.toml) and never stop the
 * server: what is valid still applies.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { MessageType, type Connection } from 'vscode-languageserver/node';
import { loadPyprojectConfiguration, mergeConfiguration, rebaseGlobs, type ConfigError, type Configuration } from '../analysis';
import { SETTINGS_SECTION } from '../protocol';
import { configErrorDiagnostic } from './diagnostics';
import { tellUser } from './notify';
import type { PathMap } from './paths';
import { resolveSettings } from './settings';

export interface Folder {
  uri: string;
  path: string;
}

/** What was last applied to a configuration root. */
interface Applied {
  /** The serialized effective configuration: tells a real change from a repeated notification. */
  key: string;
  /** The part of it that decides which files are indexed and how (a change means indexing again). */
  indexKey: string;
}

interface FolderState extends Folder, Applied {
  enabled: boolean;
  /** The folder's settings, which apply over its sub-projects' tables too. */
  override: Partial<Configuration>;
  /** What was last applied (undefined until the first refresh). */
  config?: Configuration;
}

/** A sub-project: a folder inside a workspace folder whose pyproject.toml configures coroutine-lens. */
interface SubProject extends Applied {
  /** The workspace folder it lies in. */
  folder: string;
  /** Its pyproject.toml's configuration, before the folder's settings are merged over it. */
  pyproject: Configuration;
}

/** A workspace folder whose configuration changed (its own, or a sub-project's in it). */
export interface ConfigurationChange {
  root: string;
  reindex: boolean;
}

/** What a root's configuration is applied as; `undefined` takes a sub-project's away (the enclosing one applies again). */
export type ApplyConfiguration = (root: string, config: Configuration | undefined) => void;

function applied(config: Configuration): Applied {
  return { key: JSON.stringify(config), indexKey: JSON.stringify([config.exclude, config.extraCoroutineDecorators, config.maxFileBytes]) };
}

export class FolderConfigurations {
  private readonly folders = new Map<string, FolderState>();
  private readonly subProjects = new Map<string, SubProject>();
  /**
   * Folders whose pyproject.toml was read as a possible sub-project's, by a walk or for an open file
   * (see tableAbove): a document waits for none of them again until its pyproject.toml changes.
   */
  private readonly examined = new Set<string>();
  /** Settings pushed with didChangeConfiguration, for clients that do not answer workspace/configuration. */
  private pushedSettings: unknown;
  /** What was last shown per source (settings, each pyproject.toml), so a refresh does not repeat it. */
  private readonly shown = new Map<string, Set<string>>();
  private readonly pyprojectsWithErrors = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly paths: PathMap,
    private readonly pullsSettings: boolean,
    private readonly apply: ApplyConfiguration,
  ) {}

  /**
   * The workspace folders are these now. Returns the folders to index again: each that held a
   * removed one, whose walk decides whether it is a sub-project now (until then the enclosing
   * configuration applies there, not the removed folder's own settings).
   */
  setFolders(folders: readonly Folder[]): string[] {
    const wanted = new Set(folders.map((folder) => folder.path));
    const removed = [...this.folders.keys()].filter((root) => !wanted.has(root));
    for (const root of removed) this.folders.delete(root);
    for (const [dir, sub] of [...this.subProjects]) if (!wanted.has(sub.folder)) this.subProjects.delete(dir);
    for (const folder of folders) {
      if (!this.folders.has(folder.path)) this.folders.set(folder.path, { ...folder, enabled: true, key: '', indexKey: '', override: {} });
      // A folder of its own now: its settings and its pyproject.toml apply, no longer the enclosing folder's settings.
      this.subProjects.delete(folder.path);
    }
    for (const dir of [...this.examined]) if (!this.folderOf(dir) || this.folders.has(dir)) this.examined.delete(dir);
    const enclosing = new Set<string>();
    for (const root of removed) {
      const outer = this.folderOf(root);
      if (!outer) continue;
      this.apply(root, undefined);
      enclosing.add(outer.path);
    }
    return [...enclosing];
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

  /**
   * Whether a folder between `file` and the nearer of its workspace folder and its known sub-project
   * holds a pyproject.toml not read yet: a walk, or tableAbove, has yet to tell whether it starts a
   * sub-project (whose table the file gets).
   */
  mayStartSubProject(file: string): boolean {
    return this.unreadPyprojectsAbove(file).length > 0;
  }

  /**
   * For an open file the walk of its folder did not reach (below an excluded folder): reads the
   * pyproject.toml files above it not read yet, nearest first, until one configures coroutine-lens;
   * that folder starts a sub-project, as `coroutine-lens check <file>` uses the nearest table.
   */
  async tableAbove(file: string): Promise<void> {
    const folder = this.folderOf(file);
    if (!folder) return;
    for (const dir of this.unreadPyprojectsAbove(file)) {
      // The walk gives what subProjectAt returns to the engine; here it is applied directly.
      const config = await this.subProjectAt(folder.path, dir);
      if (config) return this.apply(dir, config);
    }
  }

  /** The folders between `file` and the nearer of its workspace folder and its known sub-project whose pyproject.toml is not read yet, nearest first. */
  private unreadPyprojectsAbove(file: string): string[] {
    const folder = this.folderOf(file);
    const unread: string[] = [];
    if (!folder) return unread;
    for (let dir = path.dirname(file); dir !== folder.path && isInside(dir, folder.path) && !this.subProjects.has(dir); dir = path.dirname(dir)) {
      if (!this.examined.has(dir) && existsSync(path.join(dir, 'pyproject.toml'))) unread.push(dir);
    }
    return unread;
  }

  anyEnabled(): boolean {
    return [...this.folders.values()].some((folder) => folder.enabled);
  }

  isEnabled(file: string): boolean {
    const folder = this.folderOf(file);
    return folder ? this.folders.get(folder.path)!.enabled : true;
  }

  /**
   * Re-reads settings and pyproject.toml of the given folders (all by default), and the pyproject.toml
   * of the given folders inside them (a sub-project's, made, changed or deleted); returns the
   * workspace folders whose effective configuration changed.
   */
  async refresh(roots: readonly string[] = this.roots()): Promise<ConfigurationChange[]> {
    const states = roots.map((root) => this.folders.get(root)).filter((state): state is FolderState => state !== undefined);
    const inside = roots.filter((root) => !this.folders.has(root));
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
      // The folder's settings apply over its sub-projects' tables too (even a setting that changes nothing in the folder's own).
      state.override = settings.override;
      let subProjectsChanged = false;
      let reindex = false;
      for (const [dir, sub] of this.subProjects) {
        if (sub.folder !== state.path) continue;
        const change = this.applySubProject(dir, sub);
        subProjectsChanged ||= change !== 'same';
        reindex ||= change === 'reindex';
      }
      if (key !== state.key) {
        const { indexKey } = applied(config);
        reindex ||= indexKey !== state.indexKey;
        Object.assign(state, { enabled: settings.enabled, key, indexKey, config });
        this.apply(state.path, config);
      } else if (!subProjectsChanged) continue;
      changed.push({ root: state.path, reindex });
    }
    this.showNew('settings', settingsErrors.map((error) => `Coroutine Lens: invalid setting ${error}. The rest of the configuration applies.`));
    for (const dir of inside) {
      const change = await this.subProjectChanged(dir);
      if (change) changed.push(change);
    }
    return changed;
  }

  /**
   * The index's walk met `dir` holding a pyproject.toml (a folder inside `root`, the workspace
   * folder being indexed): the configuration of the sub-project it starts, undefined when its
   * pyproject.toml does not configure coroutine-lens. Only folders the walk reaches (not excluded,
   * no virtual environment …) become sub-projects, as in the CLI.
   */
  async subProjectAt(root: string, dir: string): Promise<Configuration | undefined> {
    // A workspace folder inside another keeps its own configuration (its settings, its pyproject.toml).
    const nestedFolder = this.folders.get(dir);
    if (nestedFolder) return nestedFolder.config;
    const loaded = await loadPyprojectConfiguration(dir);
    // Read only now: until its table is applied, a document below it must still wait (mayStartSubProject).
    this.examined.add(dir);
    this.reportPyprojectErrors(dir, loaded.errors);
    const folder = this.folders.get(root);
    if (!loaded.configures || !folder) {
      if (this.subProjects.delete(dir)) this.apply(dir, undefined);
      return undefined;
    }
    const config = mergeConfiguration(loaded.config, settingsIn(folder, dir));
    this.subProjects.set(dir, { folder: root, pyproject: loaded.config, ...applied(config) });
    return config;
  }

  /**
   * A deleted folder takes its sub-projects with it (the deletion of their pyproject.toml is not
   * reported on its own); whether it held any (its files still open get the enclosing configuration).
   */
  forgetSubProjectsIn(deleted: string): boolean {
    let forgot = false;
    for (const dir of [...this.examined]) if (isInside(dir, deleted)) this.examined.delete(dir);
    for (const dir of [...this.subProjects.keys()]) {
      if (!isInside(dir, deleted)) continue;
      this.subProjects.delete(dir);
      this.reportPyprojectErrors(dir, []);
      this.apply(dir, undefined);
      forgot = true;
    }
    return forgot;
  }

  /** Applies a sub-project's table with its folder's settings over it: whether it changed, and what is indexed too. */
  private applySubProject(dir: string, sub: SubProject): 'same' | 'applied' | 'reindex' {
    const folder = this.folders.get(sub.folder)!;
    const config = mergeConfiguration(sub.pyproject, settingsIn(folder, dir));
    const now = applied(config);
    if (now.key === sub.key) return 'same';
    const reindex = now.indexKey !== sub.indexKey;
    Object.assign(sub, now);
    this.apply(dir, config);
    return reindex ? 'reindex' : 'applied';
  }

  /**
   * The pyproject.toml of `dir`, a folder inside a workspace folder, was made, changed or deleted.
   * A sub-project already known is updated (or taken away); a new one is left to the walk of the
   * index this asks for, which decides whether the folder is reached at all.
   */
  private async subProjectChanged(dir: string): Promise<ConfigurationChange | undefined> {
    const folder = this.folderOf(dir);
    if (!folder) return undefined;
    // Read again by the walk this may ask for, or for an open file below it.
    this.examined.delete(dir);
    const known = this.subProjects.get(dir);
    const loaded = await loadPyprojectConfiguration(dir);
    if (!known) return loaded.configures ? { root: folder.path, reindex: true } : undefined;
    this.reportPyprojectErrors(dir, loaded.errors);
    if (!loaded.configures) {
      this.subProjects.delete(dir);
      this.apply(dir, undefined);
      // Its exclude globs no longer apply, and its files are named from the folder again.
      return { root: folder.path, reindex: true };
    }
    known.pyproject = loaded.config;
    const change = this.applySubProject(dir, known);
    return change === 'same' ? undefined : { root: folder.path, reindex: change === 'reindex' };
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

/** The folder's settings as they apply in its sub-project at `dir`: the `exclude` setting's globs are written relative to the workspace folder. */
function settingsIn(folder: FolderState, dir: string): Partial<Configuration> {
  const { exclude } = folder.override;
  return exclude ? { ...folder.override, exclude: rebaseGlobs(exclude, folder.path, dir) } : folder.override;
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

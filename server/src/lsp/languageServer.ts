/**
 * The language server's state and its answers: keeps the engine in step with the open documents,
 * the files on disk and the configuration, and turns findings into diagnostics, code actions and hovers.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  LSPErrorCodes,
  MessageType,
  ResponseError,
  TextDocumentSyncKind,
  WatchKind,
  type CancellationToken,
  type ClientCapabilities,
  type Connection,
  type DidChangeWatchedFilesParams,
  type InitializeParams,
  type InitializeResult,
  type TextDocuments,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisEngine, ENGINE_VERSION, type FileResult, type Finding, type Note } from '../analysis';
import { STATUS_NOTIFICATION, type CoroutineLensInitializationOptions, type StatusParams } from '../protocol';
import { cacheDirFor } from './cacheDir';
import { codeActions, FIX_ALL_KIND, type Reported } from './codeActions';
import { FolderConfigurations, type Folder } from './configuration';
import { toDiagnostic } from './diagnostics';
import { hoverAt } from './hover';
import { WorkspaceIndexer } from './indexer';
import { tellUser } from './notify';
import { isUntitledPath, PathMap } from './paths';
import { Results, type DocumentResult } from './results';
import { CoalescingScheduler } from './scheduler';

interface ClientSupport {
  pullDiagnostics: boolean;
  documentChanges: boolean;
  configuration: boolean;
  watchedFilesRegistration: boolean;
  configurationRegistration: boolean;
  workspaceFolders: boolean;
}

function clientSupport(capabilities: ClientCapabilities): ClientSupport {
  return {
    pullDiagnostics: capabilities.textDocument?.diagnostic !== undefined,
    documentChanges: capabilities.workspace?.workspaceEdit?.documentChanges === true,
    configuration: capabilities.workspace?.configuration === true,
    watchedFilesRegistration: capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    configurationRegistration: capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    workspaceFolders: capabilities.workspace?.workspaceFolders === true,
  };
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

export class CoroutineLensServer {
  private engine: AnalysisEngine | undefined;
  private support!: ClientSupport;
  private results!: Results;
  private configurations!: FolderConfigurations;
  private readonly paths = new PathMap();
  private readonly scheduler = new CoalescingScheduler((uris, priority) =>
    // A document left out here is marked again when the walk ends (WorkspaceIndexer's `indexed`), or when the tables above it are read.
    this.analyze(
      uris.filter((uri) => !this.walkDeciding(uri) && !this.tablesBeingRead(uri)),
      priority === 'dependent',
    ),
  );
  /** Until the first configuration is in, analysing would show findings the configuration may turn off. */
  private isConfigured = false;
  /** The document version the engine last received for each open document. */
  private readonly engineVersions = new Map<string, number>();
  /** Files whose findings depend on an open document, from its previous analysis (a change may drop a dependency). */
  private readonly dependentsOf = new Map<string, string[]>();
  private readonly notesShown = new Map<string, string>();
  private readonly reportedByResult = new WeakMap<FileResult, Reported[]>();
  private readonly reportedByFinding = new WeakMap<Finding, Reported>();
  /** Open documents over the size limit: not given to the engine. */
  private readonly oversized = new Set<string>();
  private indexer: WorkspaceIndexer | undefined;
  /** Documents waiting for the pyproject.toml files above them to be read (see tablesBeingRead). */
  private readonly tableReads = new Map<string, Promise<void>>();
  private configured!: Promise<void>;
  private markConfigured!: () => void;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
  ) {
    this.configured = new Promise((resolve) => (this.markConfigured = resolve));
  }

  listen(): void {
    const { connection, documents } = this;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => void this.initialized());
    connection.onShutdown(() => this.indexer?.stopAll());
    connection.onDidChangeConfiguration((params) => {
      this.configurations.setPushedSettings(params.settings);
      void this.reconfigure();
    });
    connection.onDidChangeWatchedFiles((params) => void this.filesChanged(params));
    connection.onCodeAction(async (params, token) => {
      const current = await this.current(params.textDocument.uri, token);
      if (!current) return [];
      const filePath = this.paths.pathOf(current.document.uri)!;
      return codeActions(params, { document: current.document, reported: current.result.reported, paths: this.paths, documentChanges: this.support.documentChanges }, filePath);
    });
    connection.onHover(async (params, token) => {
      const current = await this.current(params.textDocument.uri, token);
      return current ? hoverAt(params.position, current.result.reported, this.paths) : undefined;
    });
    connection.languages.diagnostics.on(async (params, token) => {
      const current = await this.current(params.textDocument.uri, token);
      return current ? this.results.report(current.document.uri, params.previousResultId) : { kind: 'full', items: [] };
    });
    documents.onDidChangeContent(({ document }) => this.scheduler.mark(document.uri, 'edited'));
    documents.onDidClose(({ document }) => this.closed(document.uri));
    documents.listen(connection);
    connection.listen();
  }

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    this.support = clientSupport(params.capabilities);
    this.results = new Results(this.connection, this.support.pullDiagnostics ? 'pull' : 'push');
    this.configurations = new FolderConfigurations(this.connection, this.paths, this.support.configuration, (root, config) =>
      config ? this.engine?.setConfiguration(root, config) : this.engine?.removeConfiguration(root),
    );
    this.configurations.setFolders(this.foldersOf(params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : [])));
    const options = (params.initializationOptions ?? {}) as CoroutineLensInitializationOptions;
    try {
      // esbuild bundles the server into dist/server.js, beside the two WASM files it loads; the bundle
      // is also the parse workers' script. One core stays free for the editor while indexing.
      this.engine = await AnalysisEngine.create({
        wasmDir: __dirname,
        cacheDir: cacheDirFor(this.configurations.roots(), options.cacheDir),
        workers: Math.max(0, availableParallelism() - 1),
        workerScript: __filename,
      });
      this.indexer = new WorkspaceIndexer(
        this.connection,
        this.engine,
        () => this.configurations.roots().length > 0 && !this.configurations.anyEnabled(),
        (root) => this.markOpenDocuments((file) => this.configurations.folderOf(file)?.path === root),
        (root, folder) => this.configurations.subProjectAt(root, folder),
      );
    } catch (error) {
      const message = `Coroutine Lens could not start its analysis engine: ${(error as Error).message}`;
      tellUser(this.connection, MessageType.Error, message);
      this.connection.console.error((error as Error).stack ?? '');
      void this.connection.sendNotification(STATUS_NOTIFICATION, { state: 'error', message } satisfies StatusParams);
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
        hoverProvider: true,
        diagnosticProvider: this.support.pullDiagnostics
          ? { identifier: 'coroutine-lens', interFileDependencies: true, workspaceDiagnostics: false }
          : undefined,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'coroutine-lens', version: ENGINE_VERSION },
    };
  }

  private async initialized(): Promise<void> {
    const { connection, support } = this;
    connection.console.info(
      `Coroutine Lens ${ENGINE_VERSION}: ${this.results.mode} diagnostics, folders: ${this.configurations.roots().join(', ') || '(none)'}`,
    );
    if (support.watchedFilesRegistration) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        // Deleting a folder is reported for the folder only: the third watcher catches it.
        watchers: [{ globPattern: '**/*.py' }, { globPattern: '**/pyproject.toml' }, { globPattern: '**/*', kind: WatchKind.Delete }],
      });
    } else {
      connection.console.warn('the client cannot register file watchers: files changed outside the editor are seen after a restart');
    }
    if (support.configurationRegistration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'coroutineLens' });
    if (support.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(async (event) => {
        const removed = new Set(this.foldersOf(event.removed).map((folder) => folder.path));
        for (const root of removed) this.indexer?.stop(root);
        const kept = this.configurations.roots().filter((root) => !removed.has(root));
        const enclosing = this.configurations.setFolders([...kept.map((root) => ({ uri: this.paths.uriOf(root), path: root })), ...this.foldersOf(event.added)]);
        const changed = await this.configurations.refresh(this.foldersOf(event.added).map((folder) => folder.path));
        for (const root of new Set([...changed.map((change) => change.root), ...enclosing])) void this.indexer?.index(root);
        if (enclosing.length > 0) this.markOpenDocuments((file) => enclosing.includes(this.configurations.folderOf(file)?.path ?? ''));
      });
    }
    await this.configurations.refresh();
    this.isConfigured = true;
    this.markConfigured();
    for (const document of this.documents.all()) this.scheduler.mark(document.uri, 'edited');
    for (const root of this.configurations.roots()) await this.indexer?.index(root);
  }

  private foldersOf(folders: readonly WorkspaceFolder[]): Folder[] {
    return folders.flatMap((folder) => {
      const folderPath = folder.uri.startsWith('file:') ? this.paths.pathOf(folder.uri) : undefined;
      return folderPath ? [{ uri: folder.uri, path: folderPath }] : [];
    });
  }

  /**
   * The running walk of the document's folder when it may yet find a sub-project above the document:
   * checked before then, the document would show the folder's table's findings for a moment.
   */
  private walkDeciding(uri: string): Promise<void> | undefined {
    const file = this.paths.pathOf(uri);
    const folder = file && this.configurations.folderOf(file);
    const walk = folder ? this.indexer?.walkOf(folder.path) : undefined;
    return walk && this.configurations.mayStartSubProject(file!) ? walk : undefined;
  }

  /**
   * The reading of pyproject.toml files above the document that no walk reached (it lies below an
   * excluded folder) for the nearest table (FolderConfigurations.tableAbove), started if need be;
   * undefined when none is left unread. The document is marked again once they are read. Asked
   * only when no walk is deciding for the document.
   */
  private tablesBeingRead(uri: string): Promise<void> | undefined {
    const file = this.paths.pathOf(uri);
    if (!file || !this.configurations.mayStartSubProject(file)) return undefined;
    let read = this.tableReads.get(uri);
    if (!read) {
      read = this.configurations
        .tableAbove(file)
        .catch((error: Error) => this.connection.console.error(`reading the pyproject.toml files above ${file} failed: ${error.message}`))
        .finally(() => {
          this.tableReads.delete(uri);
          this.scheduler.mark(uri, 'dependent');
        });
      this.tableReads.set(uri, read);
    }
    return read;
  }

  private markOpenDocuments(filter: (file: string) => boolean): void {
    for (const document of this.documents.all()) {
      const file = this.paths.pathOf(document.uri);
      if (file && filter(file)) this.scheduler.mark(document.uri, 'dependent');
    }
  }

  /** Analyses open documents now, each at its current version; `changedElsewhere`: not caused by an edit of the document itself. */
  private analyze(uris: string[], changedElsewhere: boolean): void {
    const engine = this.engine;
    if (!this.isConfigured) return; // every open document is marked again once configured
    for (const uri of uris) {
      const document = this.documents.get(uri);
      const file = this.paths.pathOf(uri);
      if (!engine || !document || !file) continue;
      if (!this.configurations.isEnabled(file)) {
        this.results.set(uri, document.version, [], changedElsewhere);
        continue;
      }
      let textChanged = false;
      try {
        if (this.engineVersions.get(uri) !== document.version) {
          const text = document.getText();
          const limit = engine.configurationFor(file).maxFileBytes;
          const bytes = text.length > limit / 4 ? Buffer.byteLength(text) : text.length;
          this.engineVersions.delete(uri); // until the engine has this version: a failure below retries next time
          textChanged = true;
          if (bytes > limit) {
            // Like a file on disk over the limit: not parsed (a 20 MB buffer would stall every keystroke).
            engine.closeFile(file);
            this.oversized.add(uri);
            this.logNotes(uri, [{ path: file, message: `skipped: ${bytes} bytes is over the size limit of ${limit} bytes` }]);
          } else {
            this.oversized.delete(uri);
            engine.updateFile(file, text);
          }
          this.engineVersions.set(uri, document.version);
        }
        if (this.oversized.has(uri)) {
          this.results.set(uri, document.version, [], changedElsewhere);
          continue;
        }
        const result = engine.analyzeFile(file);
        this.results.set(uri, document.version, this.reportedOf(result), changedElsewhere);
        this.logNotes(uri, result.notes);
      } catch (error) {
        this.connection.console.error(`analysis of ${file} failed (other files are not affected): ${(error as Error).stack ?? error}`);
        continue;
      }
      if (textChanged) this.markDependents(uri, file);
    }
  }

  /**
   * Findings with their diagnostics: the same array for the same (kept) engine result, so Results sees
   * at once that nothing changed; the same entry for a finding the engine kept (functions an edit did not touch).
   */
  private reportedOf(result: FileResult): Reported[] {
    let reported = this.reportedByResult.get(result);
    if (!reported) {
      reported = result.findings.map((finding) => {
        let entry = this.reportedByFinding.get(finding);
        if (!entry) {
          entry = { finding, diagnostic: toDiagnostic(finding, this.paths) };
          this.reportedByFinding.set(finding, entry);
        }
        return entry;
      });
      this.reportedByResult.set(result, reported);
    }
    return reported;
  }

  /** Open documents whose findings may change with `file` are analysed again (cross-file freshness without saving). */
  private markDependents(uri: string | undefined, file: string): void {
    if (!this.engine || this.documents.keys().length < (uri ? 2 : 1)) return;
    const now = this.engine.dependents(file);
    const before = uri ? this.dependentsOf.get(uri) ?? [] : [];
    if (uri) this.dependentsOf.set(uri, now);
    for (const dependent of new Set([...before, ...now])) {
      const dependentUri = this.paths.uriOf(dependent);
      if (dependentUri !== uri && this.documents.get(dependentUri)) this.scheduler.mark(dependentUri, 'dependent');
    }
  }

  /**
   * Logs why a document is not (fully) analysed — too large, binary, undecodable — once per change of
   * reason. Notes at a position (syntax errors) are not logged: mid-edit they change with every keystroke.
   */
  private logNotes(uri: string, notes: Note[]): void {
    const text = notes
      .filter((note) => !note.range)
      .map((note) => `${note.path}: ${note.message}`)
      .join('\n');
    if (text === (this.notesShown.get(uri) ?? '')) return;
    this.notesShown.set(uri, text);
    if (text) this.connection.console.info(text);
  }

  /** The document and its analysis at its current version, for a request about it. */
  private async current(uri: string, token: CancellationToken): Promise<{ document: TextDocument; result: DocumentResult } | undefined> {
    await this.configured;
    if (token.isCancellationRequested) throw cancelled();
    await this.walkDeciding(uri);
    await this.tablesBeingRead(uri);
    if (token.isCancellationRequested) throw cancelled();
    this.scheduler.flushKey(uri);
    const document = this.documents.get(uri);
    if (!document) return undefined;
    let result = this.results.get(uri);
    if (result?.version !== document.version) {
      this.analyze([uri], false);
      result = this.results.get(uri);
    }
    return result?.version === document.version ? { document, result } : undefined;
  }

  private closed(uri: string): void {
    this.scheduler.forget(uri);
    this.results.delete(uri);
    this.engineVersions.delete(uri);
    this.dependentsOf.delete(uri);
    this.notesShown.delete(uri);
    this.oversized.delete(uri);
    const file = this.paths.pathOf(uri);
    if (!file || !this.engine) return;
    // The editor buffer no longer overrides the file: the engine goes back to what is on disk.
    if (isUntitledPath(file)) this.engine.removeFile(file);
    else this.engine.closeFile(file);
    this.paths.forget(file);
    this.markDependents(undefined, file);
  }

  private async filesChanged(params: DidChangeWatchedFilesParams): Promise<void> {
    await this.configured;
    const configRoots = new Set<string>();
    for (const change of params.changes) {
      const file = this.paths.pathOf(change.uri);
      if (!file) continue;
      if (path.basename(file) === 'pyproject.toml') {
        // A workspace folder's own, or a sub-project's inside one.
        if (this.configurations.folderOf(file)) configRoots.add(path.dirname(file));
      } else if (file.endsWith('.py')) {
        if (!this.documents.get(change.uri)) await this.fileChangedOnDisk(file, change.type);
      } else if (change.type === FileChangeType.Deleted) {
        this.folderDeleted(file);
      }
    }
    if (configRoots.size > 0) await this.reconfigure([...configRoots]);
  }

  /** A deleted folder comes as one event (not one per file): its Python files leave the index. */
  private folderDeleted(folder: string): void {
    const engine = this.engine;
    if (!engine) return;
    const hadSubProjects = this.configurations.forgetSubProjectsIn(folder);
    const gone = engine.indexedFiles(folder).filter((file) => file !== folder && !this.documents.get(this.paths.uriOf(file)));
    for (const file of gone) engine.removeFile(file);
    if (gone.length > 0 || hadSubProjects) this.markOpenDocuments(() => true);
  }

  /** A file that is not open changed on disk (an open one: the buffer wins, nothing to do). */
  private async fileChangedOnDisk(file: string, change: FileChangeType): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    // The engine reads files synchronously: a FIFO or a device named *.py would block the server for good.
    const regular = change !== FileChangeType.Deleted && (await stat(file).catch(() => undefined))?.isFile() === true;
    if (change !== FileChangeType.Deleted && !regular) this.connection.console.info(`${file}: not a regular file, left out of the index`);
    try {
      if (!regular) engine.removeFile(file);
      else if (change === FileChangeType.Created) engine.analyzeFile(file); // makes the engine read and index it
      else engine.closeFile(file); // drops what the engine knew; it reads the file again when needed
    } catch (error) {
      this.connection.console.error(`updating ${file} from disk failed: ${(error as Error).message}`);
    }
    if (regular && change === FileChangeType.Changed) this.markDependents(undefined, file);
    // A created or deleted module changes what imports resolve to, which dependents() cannot know yet.
    else this.markOpenDocuments(() => true);
  }

  /** Settings or pyproject.toml changed: apply the new configuration and show its effect at once. */
  private async reconfigure(roots?: string[]): Promise<void> {
    await this.configured;
    const changed = await this.configurations.refresh(roots);
    if (changed.length === 0) return;
    this.connection.console.info(`configuration changed for ${changed.map(({ root }) => root).join(', ')}`);
    const changedRoots = new Set(changed.map(({ root }) => root));
    this.markOpenDocuments((file) => {
      const root = this.configurations.folderOf(file)?.path;
      return root !== undefined && changedRoots.has(root);
    });
    for (const { root, reindex } of changed) if (reindex) void this.indexer?.index(root);
    this.indexer?.showState();
  }
}

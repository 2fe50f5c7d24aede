/**
 * A real LSP client over a language server's stdio, for the lsp tests and the LSP benchmark:
 * spawns the server, answers the requests a server makes of its client (configuration, progress,
 * registrations, refresh, showMessage) and records what the server sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DiagnosticRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidChangeWorkspaceFoldersNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShowMessageNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  WorkDoneProgressCancelNotification,
  type ClientCapabilities,
  type CodeAction,
  type Command,
  type Diagnostic,
  type DocumentDiagnosticReport,
  type FileEvent,
  type Hover,
  type InitializeResult,
  type LogMessageParams,
  type ProgressToken,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type Registration,
  type ShowMessageParams,
  type TextDocumentContentChangeEvent,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { STATUS_NOTIFICATION, type StatusParams } from '../../server/src/protocol';

/** The repository root, from out/test/support/ (emitted) — dist/ holds the bundles. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface ServerCommand {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Talk over node IPC (the child's IPC channel) instead of stdin/stdout. */
  ipc?: boolean;
}

/** The bundle as the tests and the extension run it: over stdio, or over node IPC as VS Code starts it. */
export function coroutineLensServer(transport: 'stdio' | 'ipc' = 'stdio'): ServerCommand {
  const bundle = path.join(repoRoot, 'dist', 'server.js');
  return { name: 'coroutine-lens', command: process.execPath, args: [bundle, transport === 'ipc' ? '--node-ipc' : '--stdio'], ipc: transport === 'ipc' };
}

export interface ClientOptions {
  /** The workspace folder (one), or none. */
  root?: string;
  /** Announce pull diagnostics support (`textDocument.diagnostic`); the server then answers pulls instead of pushing. */
  pullDiagnostics?: boolean;
  /** `coroutineLens` settings answered to workspace/configuration. */
  settings?: Record<string, unknown>;
  initializationOptions?: unknown;
  /** Announce no optional capability at all (no configuration pull, progress, registration, versioned edits). */
  bare?: boolean;
}

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly messages: ShowMessageParams[] = [];
  readonly logs: LogMessageParams[] = [];
  readonly registrations: Registration[] = [];
  readonly progress = new Map<ProgressToken, ProgressValue[]>();
  /** coroutineLens/status notifications (other servers send none). */
  readonly statuses: StatusParams[] = [];
  refreshRequests = 0;
  settings: Record<string, unknown>;
  initializeResult!: InitializeResult;
  private stderr = '';
  private readonly waiters: Array<() => void> = [];

  private constructor(
    readonly connection: ProtocolConnection,
    readonly process: ChildProcess,
    options: ClientOptions,
  ) {
    this.settings = options.settings ?? {};
    process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const list = this.diagnostics.get(params.uri) ?? [];
      list.push(params);
      this.diagnostics.set(params.uri, list);
      this.wake();
    });
    connection.onNotification(ShowMessageNotification.type, (params) => {
      this.messages.push(params);
      this.wake();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(params);
      this.wake();
    });
    connection.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => {
      this.statuses.push(params);
      this.wake();
    });
    connection.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) => (item.section === 'coroutineLens' ? this.settings : null)),
    );
    connection.onRequest(RegistrationRequest.type, (params) => {
      this.registrations.push(...params.registrations);
      this.wake();
    });
    connection.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const values: ProgressValue[] = [];
      this.progress.set(token, values);
      connection.onProgress(WorkDoneProgress.type, token, (value) => {
        values.push(value);
        this.wake();
      });
    });
    connection.onRequest(DiagnosticRefreshRequest.type, () => {
      this.refreshRequests++;
      this.wake();
    });
  }

  static async start(server: ServerCommand, options: ClientOptions = {}): Promise<LspClient> {
    const child = spawn(server.command, server.args, {
      cwd: options.root,
      env: { ...process.env, ...server.env },
      stdio: server.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
    });
    const connection = server.ipc
      ? createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child))
      : createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(connection, child, options);
    connection.listen();
    const capabilities: ClientCapabilities = options.bare ? {} : {
      workspace: {
        configuration: true,
        workspaceFolders: true,
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: true },
        workspaceEdit: { documentChanges: true },
      },
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } }, isPreferredSupport: true },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        ...(options.pullDiagnostics ? { diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false } } : {}),
      },
      window: { workDoneProgress: true, showMessage: {} },
    };
    const root = options.root;
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: root ? fileUri(root) : null,
      workspaceFolders: root ? [{ uri: fileUri(root), name: path.basename(root) }] : null,
      capabilities,
      // Without a cacheDir the server keeps its cache in the (throw-away) workspace folder.
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The server's stderr tail, for failure messages. */
  get errorOutput(): string {
    return this.stderr;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version, text } });
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  filesChanged(changes: FileEvent[]): Promise<void> {
    return this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  changeFolders(added: string[], removed: string[] = []): Promise<void> {
    const folder = (root: string): { uri: string; name: string } => ({ uri: fileUri(root), name: path.basename(root) });
    return this.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: added.map(folder), removed: removed.map(folder) } });
  }

  /** Replaces the settings and notifies the server (it pulls them again). */
  changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    return this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { coroutineLens: settings } });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<(Command | CodeAction)[] | null> {
    return this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, only } });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  pullDiagnostics(uri: string, previousResultId?: string): Promise<DocumentDiagnosticReport> {
    return this.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri }, previousResultId });
  }

  cancelProgress(token: ProgressToken): Promise<void> {
    return this.connection.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  }

  latestDiagnostics(uri: string): PublishDiagnosticsParams | undefined {
    return this.diagnostics.get(uri)?.at(-1);
  }

  /** Waits until `condition` returns a value (checked now and after each message from the server). */
  waitFor<T>(condition: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const value = condition();
        if (value === undefined || value === false) return false;
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nserver stderr:\n${this.stderr}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.waiters.splice(this.waiters.indexOf(waiter), 1);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** The diagnostics published for `uri` at `version` (the first such publication). */
  diagnosticsFor(uri: string, version: number, timeoutMs?: number): Promise<Diagnostic[]> {
    return this.waitFor(() => this.diagnostics.get(uri)?.find((p) => p.version === version)?.diagnostics, `diagnostics of ${uri} v${version}`, timeoutMs);
  }

  /** The next publication for `uri` after the `seen`-th one that satisfies `accept`. */
  nextDiagnostics(uri: string, seen: number, accept: (d: Diagnostic[]) => boolean = () => true, timeoutMs?: number): Promise<Diagnostic[]> {
    return this.waitFor(
      () => this.diagnostics.get(uri)?.slice(seen).find((p) => accept(p.diagnostics))?.diagnostics,
      `new diagnostics of ${uri}`,
      timeoutMs,
    );
  }

  publications(uri: string): number {
    return this.diagnostics.get(uri)?.length ?? 0;
  }

  /** Resolves when a work-done progress the server created has ended; returns its values. */
  progressEnded(timeoutMs = 60_000): Promise<ProgressValue[]> {
    return this.waitFor(() => [...this.progress.values()].find((values) => values.some((v) => v.kind === 'end')), 'the end of a work-done progress', timeoutMs);
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    // A server that does not exit within 5 s of the request is killed.
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // The server is gone already: nothing to shut down.
    }
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A diagnostic's message as text (LSP 3.18 allows markup). */
export function messageText(diagnostic: Diagnostic): string {
  return typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}

/** Applies the edits a WorkspaceEdit makes to the document `uri`, as a client would; refuses a stale version. */
export function applyWorkspaceEdit(uri: string, text: string, version: number, edit: WorkspaceEdit): string {
  const document = TextDocument.create(uri, 'python', version, text);
  const edits = [
    ...(edit.changes?.[uri] ?? []),
    ...(edit.documentChanges ?? []).flatMap((change) => {
      if (!('textDocument' in change) || change.textDocument.uri !== uri) return [];
      if (change.textDocument.version !== null && change.textDocument.version !== version) {
        throw new Error(`edit for version ${change.textDocument.version} of ${uri}, the document is at ${version}`);
      }
      return change.edits.filter((e): e is Extract<typeof e, { newText: string }> => 'newText' in e);
    }),
  ];
  return TextDocument.applyEdits(document, edits);
}

/** A throw-away workspace folder with the given files; `remove()` deletes it. */
export function makeWorkspace(files: Record<string, string>): { root: string; file(name: string): string; uri(name: string): string; remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'coroutine-lens-lsp-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return {
    root,
    file: (name) => path.join(root, name),
    uri: (name) => fileUri(path.join(root, name)),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The language client: starts the server (dist/server.js) over node IPC, restarts it after a crash
 * with back-off, and shows the index state and findings count in a language status item.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SETTINGS_SECTION, STATUS_NOTIFICATION, type StatusParams } from '../../server/src/protocol';
import { LanguageStatus } from './languageStatus';

/** Delays before restarting a crashed server; after the last one it stays down until Restart. */
const RESTART_DELAYS_MS = [500, 2000, 8000, 30_000];
/** A server that ran this long without crashing gets the whole back-off budget again. */
const STABLE_AFTER_MS = 3 * 60_000;

export class LanguageServer {
  private client: LanguageClient | undefined;
  private readonly status: LanguageStatus;
  private crashes = 0;
  private startedAt = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.status = new LanguageStatus();
    context.subscriptions.push(this.status);
  }

  async start(): Promise<void> {
    const module = this.context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }],
      synchronize: { configurationSection: SETTINGS_SECTION },
      outputChannel: this.log,
      traceOutputChannel: this.log,
      errorHandler: this.errorHandler(),
    };
    const client = new LanguageClient('coroutineLens', 'Coroutine Lens', serverOptions, clientOptions);
    client.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => this.status.update(params));
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Stopped) this.status.update({ state: 'error', message: 'The language server is not running.' });
    });
    this.client = client;
    this.startedAt = Date.now();
    await client.start();
    this.log.info('language server started');
  }

  /** Restarts after a crash with growing delays, instead of the library's fixed five tries. */
  private errorHandler(): ErrorHandler {
    return {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.crashes = 0;
        const delay = RESTART_DELAYS_MS[this.crashes++];
        if (delay === undefined) {
          this.log.error('the language server crashed repeatedly; it stays stopped until "Coroutine Lens: Restart Language Server"');
          void this.offerLog('Coroutine Lens: the language server crashed repeatedly and was stopped.');
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        this.log.warn(`the language server stopped unexpectedly; restarting in ${delay} ms`);
        setTimeout(() => void this.restart(), delay);
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private async offerLog(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(message, 'Show Log')) === 'Show Log') this.log.show();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && client.state !== State.Stopped) await client.stop();
  }

  async restart(): Promise<void> {
    this.log.info('restarting the language server');
    try {
      await this.stop();
    } catch (error) {
      this.log.warn(`stopping the language server: ${String(error)}`);
    }
    await this.start();
  }
}

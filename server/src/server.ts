/**
 * The language server: the LSP wrapper over the analysis engine (server/src/analysis).
 * Runs over node IPC when started by the extension and over stdio (`--stdio`) for other clients and tests;
 * createConnection picks the transport from the command line. The same bundle is the entry of the
 * engine's parse workers (threads started while indexing a large workspace).
 */
import { createConnection, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isFactsWorker, runFactsWorker } from './analysis/pool';
import { CoroutineLensServer } from './lsp/languageServer';

if (isFactsWorker()) {
  void runFactsWorker();
} else {
  const connection = createConnection(ProposedFeatures.all);
  // A promise that fails where nobody waits for it must not end the server: log it and keep serving.
  process.on('unhandledRejection', (reason) => connection.console.error(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));
  new CoroutineLensServer(connection, new TextDocuments(TextDocument)).listen();
}

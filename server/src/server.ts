/**
 * The language server: the LSP wrapper over the analysis engine (server/src/analysis).
 * Runs over node IPC when started by the extension and over stdio for other clients and tests.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ENGINE_VERSION } from './analysis/version';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

connection.onInitialize((): InitializeResult => ({
  capabilities: {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  },
  serverInfo: { name: 'coroutine-lens', version: ENGINE_VERSION },
}));

documents.listen(connection);
connection.listen();

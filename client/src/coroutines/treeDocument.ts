/** The `coroutine-tree` language of exported trees: its `path:line` references are links. */
import * as vscode from 'vscode';

export const TREE_LANGUAGE = 'coroutine-tree';

/** `  name  /abs/path/file.py:27` — the path may hold spaces, so anchor on the `.py:N` ending. */
const FRAME_REFERENCE = /(?<=\S  )(\/.+?|[A-Za-z]:\\.+?)\.pyw?:(\d+)$/gm;

export function registerTreeDocumentLinks(): vscode.Disposable {
  return vscode.languages.registerDocumentLinkProvider(TREE_LANGUAGE, {
    provideDocumentLinks(document) {
      const links: vscode.DocumentLink[] = [];
      const text = document.getText();
      for (const match of text.matchAll(FRAME_REFERENCE)) {
        const start = document.positionAt(match.index);
        const end = document.positionAt(match.index + match[0].length);
        const file = match[0].slice(0, match[0].lastIndexOf(':'));
        const target = vscode.Uri.file(file).with({ fragment: `L${match[2]}` });
        links.push(new vscode.DocumentLink(new vscode.Range(start, end), target));
      }
      return links;
    },
  });
}

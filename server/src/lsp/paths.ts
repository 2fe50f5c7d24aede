/**
 * Document URIs ↔ the file-system paths the engine works with.
 *
 * The engine keys files by path. Clients spell URIs in their own way (VS Code writes `c%3A` for a
 * Windows drive), so a URI we received is remembered and handed back for the same path instead of
 * re-encoding one and risking a mismatch the client would treat as another document.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A path for documents that have none on disk (untitled buffers): analysable alone, never on disk. */
const UNTITLED_FOLDER = '/__coroutine-lens-untitled__';

export class PathMap {
  private readonly uriByPath = new Map<string, string>();

  /** The engine path of a document URI, or undefined for schemes the server does not analyse. */
  pathOf(uri: string): string | undefined {
    let path: string | undefined;
    if (uri.startsWith('file:')) {
      try {
        path = fileURLToPath(uri);
      } catch {
        return undefined;
      }
    } else if (uri.startsWith('untitled:')) {
      path = `${UNTITLED_FOLDER}/${encodeURIComponent(uri.slice('untitled:'.length))}.py`;
    } else {
      return undefined;
    }
    this.uriByPath.set(path, uri);
    return path;
  }

  uriOf(path: string): string {
    return this.uriByPath.get(path) ?? pathToFileURL(path).href;
  }

  /** Forget a URI whose document closed (bounded memory over a long session). */
  forget(path: string): void {
    this.uriByPath.delete(path);
  }
}

export function isUntitledPath(path: string): boolean {
  return path.startsWith(UNTITLED_FOLDER + '/');
}

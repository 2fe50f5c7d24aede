/**
 * Python module names of files, as Python would import them from the folders it has on sys.path:
 * the first folder above a regular package (one with `__init__.py`; a file outside any package is
 * named from its own folder, as a script's folder is on sys.path), and the workspace root, under
 * which folders without `__init__.py` are namespace packages (PEP 420).
 */
import * as path from 'node:path';

export interface ModuleNames {
  /**
   * The name facts are extracted under (relative imports are made absolute from it): the regular
   * package name, except for a file in a folder that is no regular package, which is named from the
   * root (its relative imports work only that way: `app/main.py`'s `from . import db` is `app.db`).
   */
  module: string;
  isPackage: boolean;
  /** The other name the file is importable by, from the other sys.path folder (none when both agree). */
  aliases: string[];
}

/** A folder or file name Python can import (`my-app`, `1x` or `a.b` cannot be). */
const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

/** The names of `file`; `root` is the workspace root it lies under (undefined: none). */
export function moduleNamesOf(file: string, isPackageDir: (dir: string) => boolean, root: string | undefined): ModuleNames {
  const base = path.basename(file, '.py');
  const isPackage = base === '__init__';
  const parts = isPackage ? [] : [base];
  let dir = path.dirname(file);
  while (isPackageDir(dir)) {
    parts.unshift(path.basename(dir));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // A lone __init__.py outside any package (unusual) is named after its folder.
  if (parts.length === 0) parts.push(path.basename(path.dirname(file)));
  const regular = parts.join('.');
  const fromRoot = nameFromRoot(file, isPackage, root);
  if (fromRoot === undefined || fromRoot === regular) return { module: regular, isPackage, aliases: [] };
  const inRegularPackage = isPackage || parts.length > 1;
  return inRegularPackage ? { module: regular, isPackage, aliases: [fromRoot] } : { module: fromRoot, isPackage, aliases: [regular] };
}

/**
 * `root/a/b/m.py` → `a.b.m`; undefined outside `root`, when a part is no identifier, or for a file
 * no import can name (an editor's Python buffer without `.py`, such as a script `bin/manage`).
 */
function nameFromRoot(file: string, isPackage: boolean, root: string | undefined): string | undefined {
  if (root === undefined || !file.startsWith(root + path.sep) || !file.endsWith('.py')) return undefined;
  const parts = path.relative(root, file).slice(0, -'.py'.length).split(path.sep);
  if (isPackage) parts.pop();
  return parts.length > 0 && parts.every((part) => IDENTIFIER.test(part)) ? parts.join('.') : undefined;
}

/**
 * Which file each module name stands for. Several files may claim one name (two script folders
 * with a `utils.py`, or a namespace name and a regular one): such a name is ambiguous and stands
 * for no file, since Python's choice depends on a sys.path the engine does not know.
 */
export class ModuleMap {
  private readonly claims = new Map<string, string[]>();
  /** The most parts any claimed name has had (resolution tries no longer prefix). */
  private deepest = 0;

  add(file: string, names: readonly string[]): void {
    for (const name of names) {
      const files = this.claims.get(name);
      if (!files) this.claims.set(name, [file]);
      else if (!files.includes(file)) files.push(file);
      this.deepest = Math.max(this.deepest, name.split('.').length);
    }
  }

  remove(file: string, names: readonly string[]): void {
    for (const name of names) {
      const files = this.claims.get(name)?.filter((claimant) => claimant !== file);
      if (files?.length) this.claims.set(name, files);
      else this.claims.delete(name);
    }
  }

  /** The one file `name` stands for; undefined when no file or several claim it. */
  get(name: string): string | undefined {
    const files = this.claims.get(name);
    return files?.length === 1 ? files[0] : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  depth(): number {
    return this.deepest;
  }

  /** Every name that stands for a file, with it, sorted by name (what resolution can reach: part of the findings' cache key). */
  resolvable(): Array<[string, string]> {
    const result: Array<[string, string]> = [];
    for (const [name, files] of this.claims) if (files.length === 1) result.push([name, files[0]!]);
    return result.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** For a worker's replica: every claim as it stands. */
  entries(): Array<[string, string[]]> {
    return [...this.claims].map(([name, files]) => [name, [...files]]);
  }

  static from(entries: ReadonlyArray<[string, readonly string[]]>): ModuleMap {
    const map = new ModuleMap();
    for (const [name, files] of entries) for (const file of files) map.add(file, [name]);
    return map;
  }
}

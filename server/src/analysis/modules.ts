/** Python module names of files: walk up while the folder is a package (has `__init__.py`). */
import * as path from 'node:path';

export interface ModuleName {
  module: string;
  isPackage: boolean;
}

export function moduleNameOf(file: string, isPackageDir: (dir: string) => boolean): ModuleName {
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
  return { module: parts.join('.'), isPackage };
}

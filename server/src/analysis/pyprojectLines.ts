/**
 * Where a setting of `[tool.coroutine-lens]` is written in a pyproject text, so that a configuration
 * error names its line. A line scan, not a TOML parser: smol-toml checks the syntax and gives the
 * values; this only maps key paths to the line that writes them (or the nearest enclosing one).
 */

/** A TOML key path without quotes or spaces around its dots (`tool . "coroutine-lens"` → `tool.coroutine-lens`). */
function keyPath(written: string): string {
  return written.split('.').map((part) => part.trim().replace(/^["']|["']$/g, '')).join('.');
}

/**
 * Line (1-based) of a setting of the `tool.coroutine-lens` table in a pyproject text, however the
 * table is written: `[tool.coroutine-lens]` (possibly split, with other tables between), its
 * sub-tables, `[[…extra-blocking]]` arrays of tables, an inline table under `[tool]`, dotted keys.
 * `key` is as the errors name it (`severity.X`, `extra-blocking[1]`); the line of the nearest
 * enclosing thing written is the answer when the key itself is inside a value (an inline table).
 */
export function pyprojectLineOf(text: string): (key: string) => number | undefined {
  const lines = new Map<string, number>();
  const record = (full: string, line: number): void => {
    // Every prefix too: `[tool.coroutine-lens.severity]` also places `tool.coroutine-lens`.
    const parts = full.split('.');
    for (let n = parts.length; n > 0; n--) {
      const prefix = parts.slice(0, n).join('.');
      if (!lines.has(prefix)) lines.set(prefix, line);
    }
  };
  const arrayCounts = new Map<string, number>();
  let table = '';
  text.split(/\r?\n/).forEach((line, row) => {
    const header = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      table = keyPath(header[2]!);
      if (header[1] === '[[') {
        const count = arrayCounts.get(table) ?? 0;
        arrayCounts.set(table, count + 1);
        table = `${table}[${count}]`;
      }
      record(table, row + 1);
      return;
    }
    const assignment = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(line);
    if (assignment) record(table ? `${table}.${keyPath(assignment[1]!)}` : keyPath(assignment[1]!), row + 1);
  });
  return (key) => {
    // `extra-blocking[1].name` → try it, then `extra-blocking[1]`, `extra-blocking`, … up to the table.
    let candidate = `tool.coroutine-lens.${key}`;
    for (;;) {
      const line = lines.get(candidate);
      if (line !== undefined) return line;
      const cut = Math.max(candidate.lastIndexOf('.'), candidate.lastIndexOf('['));
      if (cut <= 0) return undefined;
      candidate = candidate.slice(0, cut);
    }
  };
}

/**
 * Configuration: the `[tool.coroutine-lens]` table of pyproject.toml and the VS Code settings share
 * one shape. Every key is validated; an unknown key or a bad value is an error with file and line,
 * never silently dropped (the rest of the table still applies).
 */
import * as path from 'node:path';
import type { RuleCode, Severity } from './api';
import { ruleCatalogue } from './rules/catalogue';
import { pyprojectLineOf } from './pyprojectLines';
import { nodeReader, type SourceReader } from './reader';

export interface ExtraBlocking {
  /** Qualified name as imported, e.g. `mylib.io.fetch_sync` or `mylib.Client.get`. */
  name: string;
  /** The code to report it under (default CORO101-style generic: `CORO101`). */
  code?: RuleCode;
  suggestion?: string;
}

export interface Configuration {
  /** Codes or code prefixes to report (`ASYNC`, `CORO1`, `ASYNC251`); empty = every default-on rule. */
  select: string[];
  /** Codes or code prefixes never reported; wins over `select`. */
  ignore: string[];
  extraBlocking: ExtraBlocking[];
  /** Qualified decorator names that make a generator a coroutine, e.g. `mylib.coroutine`. */
  extraCoroutineDecorators: string[];
  severity: Partial<Record<RuleCode, Severity | 'off'>>;
  /** Glob patterns (relative to the configuration root) of files and folders never analysed. */
  exclude: string[];
  /** Follow calls into synchronous helpers (CORO120). */
  transitive: boolean;
  /** Files larger than this are skipped with a note. */
  maxFileBytes: number;
}

export interface ConfigError {
  path: string;
  line?: number;
  message: string;
}

export function defaultConfiguration(): Configuration {
  return {
    select: [],
    ignore: [],
    extraBlocking: [],
    extraCoroutineDecorators: [],
    severity: {},
    exclude: [],
    transitive: true,
    maxFileBytes: 2 * 1024 * 1024,
  };
}

const SEVERITIES: ReadonlyArray<Severity | 'off'> = ['error', 'warning', 'information', 'hint', 'off'];
const CODES = new Set<string>(ruleCatalogue.map((r) => r.code));

/** pyproject uses kebab-case, VS Code settings camelCase: both are accepted. */
function camel(key: string): string {
  return key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `mylib.fetch_sync`: no empty part (`mylib.`, `a..b` name nothing a call resolves to). */
const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;
/** A blocking function or method, or every method of a type (`mylib.Client.*`, as the catalogue writes it). */
const BLOCKING_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\.\*)?$/;

function isCodeSelector(value: string): boolean {
  return /^[A-Z]+[0-9]*$/.test(value) && [...CODES].some((code) => code.startsWith(value));
}

export function parseConfiguration(
  raw: unknown,
  source: { path: string; lineOf?(key: string): number | undefined },
): { config: Configuration; errors: ConfigError[] } {
  const config = defaultConfiguration();
  const errors: ConfigError[] = [];
  /** `at`: the key whose line to give when it is written apart from `key` (`extra-blocking[1].code` under a `[[…]]` header). */
  const fail = (key: string, message: string, at = key): void => {
    errors.push({ path: source.path, line: source.lineOf?.(at), message: `${key}: ${message}` });
  };
  if (raw === undefined || raw === null) return { config, errors };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push({ path: source.path, line: source.lineOf?.(''), message: 'the coroutine-lens configuration must be a table' });
    return { config, errors };
  }
  const stringList = (key: string, value: unknown, check?: (s: string) => string | undefined): string[] | undefined => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      fail(key, 'expected a list of strings');
      return undefined;
    }
    const good: string[] = [];
    for (const item of value as string[]) {
      const problem = check?.(item);
      if (problem) fail(key, problem);
      else good.push(item);
    }
    return good;
  };
  const codeCheck = (s: string): string | undefined =>
    isCodeSelector(s) ? undefined : `'${s}' is not a rule code or code prefix (known: ${[...CODES].join(', ')})`;

  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    switch (camel(key)) {
      case 'select': {
        const list = stringList(key, value, codeCheck);
        if (list) config.select = list;
        break;
      }
      case 'ignore': {
        const list = stringList(key, value, codeCheck);
        if (list) config.ignore = list;
        break;
      }
      case 'exclude': {
        const list = stringList(key, value);
        if (list) config.exclude = list;
        break;
      }
      case 'extraCoroutineDecorators': {
        const list = stringList(key, value, (s) => (DOTTED_NAME.test(s) ? undefined : `'${s}' is not a dotted name`));
        if (list) config.extraCoroutineDecorators = list;
        break;
      }
      case 'transitive':
        if (typeof value === 'boolean') config.transitive = value;
        else fail(key, 'expected true or false');
        break;
      case 'maxFileBytes':
        if (typeof value === 'number' && Number.isInteger(value) && value > 0) config.maxFileBytes = value;
        else if (typeof value === 'bigint' && value > 0n) config.maxFileBytes = Number(value);
        else fail(key, 'expected a positive integer');
        break;
      case 'severity':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          fail(key, 'expected a table of CODE = "error" | "warning" | "information" | "hint" | "off"');
          break;
        }
        for (const [code, level] of Object.entries(value as Record<string, unknown>)) {
          if (!CODES.has(code)) fail(`${key}.${code}`, `unknown rule code '${code}'`);
          else if (typeof level !== 'string' || !SEVERITIES.includes(level as Severity)) {
            fail(`${key}.${code}`, `expected one of ${SEVERITIES.join(', ')}`);
          } else config.severity[code as RuleCode] = level as Severity | 'off';
        }
        break;
      case 'extraBlocking':
        if (!Array.isArray(value)) {
          fail(key, 'expected a list of { name, code?, suggestion? } tables');
          break;
        }
        for (const [index, entry] of value.entries()) {
          const where = `${key}[${index}]`;
          if (typeof entry === 'string') {
            if (BLOCKING_NAME.test(entry)) config.extraBlocking.push({ name: entry });
            else fail(where, `'${entry}' is not a dotted name such as 'mylib.fetch_sync' or 'mylib.Client.*'`);
            continue;
          }
          if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
            fail(where, 'expected a table { name, code?, suggestion? } or a dotted name');
            continue;
          }
          const item = entry as Record<string, unknown>;
          const unknown = Object.keys(item).filter((k) => !['name', 'code', 'suggestion'].includes(k));
          if (unknown.length) fail(where, `unknown key(s) ${unknown.join(', ')}`, `${where}.${unknown[0]}`);
          if (typeof item.name !== 'string' || !BLOCKING_NAME.test(item.name)) {
            fail(where, "'name' must be a dotted name such as 'mylib.fetch_sync' or 'mylib.Client.*'", `${where}.name`);
            continue;
          }
          if (item.code !== undefined && (typeof item.code !== 'string' || !CODES.has(item.code))) {
            fail(where, `'code' must be one of ${[...CODES].join(', ')}`, `${where}.code`);
            continue;
          }
          if (item.suggestion !== undefined && typeof item.suggestion !== 'string') {
            fail(where, "'suggestion' must be a string", `${where}.suggestion`);
            continue;
          }
          config.extraBlocking.push({
            name: item.name,
            code: item.code as RuleCode | undefined,
            suggestion: item.suggestion as string | undefined,
          });
        }
        break;
      default:
        fail(key, 'unknown setting (known: select, ignore, extra-blocking, extra-coroutine-decorators, severity, exclude, transitive, max-file-bytes)');
    }
  }
  return { config, errors };
}

/** What `folder/pyproject.toml` says to coroutine-lens. */
export interface PyprojectConfiguration {
  config: Configuration;
  errors: ConfigError[];
  /**
   * Whether the file configures coroutine-lens: it holds a `[tool.coroutine-lens]` table (or names
   * it and cannot be read as TOML, or cannot be read at all: then an error says why). Only such a
   * file makes its folder a project of its own inside another (see configurationRootOf).
   */
  configures: boolean;
}

/**
 * Reads `root/pyproject.toml`; a missing file, or one that never names coroutine-lens outside a
 * comment, is the default configuration (no TOML parse, nor even UTF-8: a template's pyproject.toml
 * with `{{ … }}` placeholders is none of our business); a broken one an error.
 */
export async function loadPyprojectConfiguration(root: string, reader: SourceReader = nodeReader): Promise<PyprojectConfiguration> {
  const file = path.join(root, 'pyproject.toml');
  let bytes: Uint8Array;
  try {
    bytes = await reader.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { config: defaultConfiguration(), errors: [], configures: false };
    return { config: defaultConfiguration(), errors: [{ path: file, message: `cannot read: ${(error as Error).message}` }], configures: true };
  }
  // The table's name is ASCII: looked for in any bytes, so a pyproject.toml in another encoding that is not ours stays unread.
  if (!namesTable(new TextDecoder('latin1').decode(bytes))) return { config: defaultConfiguration(), errors: [], configures: false };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return { config: defaultConfiguration(), errors: [{ path: file, message: `cannot read: ${(error as Error).message}` }], configures: true };
  }
  let document: Record<string, unknown>;
  // smol-toml ships as an ES module; a dynamic import keeps this CommonJS build able to load it.
  const { parse: parseToml } = await import('smol-toml');
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const line = (error as { line?: number }).line;
    const message = (error as Error).message.split('\n')[0] ?? 'invalid TOML';
    return { config: defaultConfiguration(), errors: [{ path: file, line, message: `invalid TOML: ${message}` }], configures: true };
  }
  const table = (document.tool as Record<string, unknown> | undefined)?.[TABLE_NAME];
  return { ...parseConfiguration(table, { path: file, lineOf: pyprojectLineOf(text) }), configures: table !== undefined };
}

const TABLE_NAME = 'coroutine-lens';

/**
 * Whether some line names the table before any `#` on it: a comment ("CI runs coroutine-lens") in a
 * template's pyproject.toml that is no TOML yet must not make it an invalid configuration.
 */
function namesTable(text: string): boolean {
  for (let at = text.indexOf(TABLE_NAME); at >= 0; at = text.indexOf(TABLE_NAME, at + 1)) {
    const lineStart = text.lastIndexOf('\n', at) + 1;
    if (!text.slice(lineStart, at).includes('#')) return true;
  }
  return false;
}

/** `override` wins key by key; lists replace (not extend) so a setting can narrow a pyproject list. */
export function mergeConfiguration(base: Configuration, override: Partial<Configuration>): Configuration {
  const merged: Configuration = { ...base };
  for (const [key, value] of Object.entries(override) as [keyof Configuration, unknown][]) {
    if (value === undefined) continue;
    if (key === 'severity') merged.severity = { ...base.severity, ...(value as Configuration['severity']) };
    else (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * The classes a configured blocking method belongs to: `mylib.Client` for `mylib.Client.get` or
 * `mylib.Client.*` (a class lives in a module, so its name has a dot). A function's module
 * (`mylib.legacy` of `mylib.legacy.fetch`) lands here too, harmlessly: nothing calls a module.
 */
export function configuredTypes(config: Configuration): ReadonlySet<string> {
  return new Set(config.extraBlocking.map((e) => e.name.slice(0, e.name.lastIndexOf('.'))).filter((prefix) => prefix.includes('.')));
}

/** Whether `code` is reported, and at which severity, under `config`. */
export function effectiveSeverity(config: Configuration, code: RuleCode): Severity | undefined {
  const rule = ruleCatalogue.find((r) => r.code === code)!;
  const explicit = config.severity[code];
  if (explicit === 'off') return undefined;
  const matches = (selectors: string[]): boolean => selectors.some((s) => code.startsWith(s));
  if (matches(config.ignore)) return undefined;
  const selected = config.select.length ? matches(config.select) : rule.enabledByDefault;
  // An explicit severity turns an off-by-default rule on (CORO202), as an explicit select does.
  if (!selected && !(explicit && !config.select.length)) return undefined;
  return explicit ?? rule.defaultSeverity;
}

/** A stable string of everything in `config` that changes findings: part of the cache key. */
export function configurationKey(config: Configuration): string {
  const sorted = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]))
      : Array.isArray(value) ? value.map(sorted) : value;
  return JSON.stringify(sorted(config));
}

/**
 * What the language server and the client agree on beyond standard LSP: the settings section the
 * server reads, the initialization options and the custom notifications. The client imports these
 * as types only; nothing here may import the engine or an LSP runtime package.
 */

/** The settings section pulled with `workspace/configuration` (scoped per workspace folder). */
export const SETTINGS_SECTION = 'coroutineLens';

export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint' | 'off';

/** An extra blocking function: its dotted name, optionally with the code to report and the alternative to suggest. */
export type ExtraBlockingFunctionSetting = string | { name: string; code?: string; suggestion?: string };

/**
 * `coroutineLens.*` as the server reads it. Every key is optional: the client may send any subset.
 * A key that is set replaces the value of `[tool.coroutine-lens]` in pyproject.toml (lists are
 * replaced, not extended; severities merge per code); an absent or null key, an empty list and an
 * empty table leave pyproject's value (or the default) in place.
 */
export interface CoroutineLensSettings {
  /** false: no diagnostics, code actions or hovers for this folder. */
  enable?: boolean;
  /** Rule codes or code prefixes to check; empty: every rule that is on by default. */
  select?: string[];
  /** Rule codes or code prefixes never reported (wins over select). */
  ignore?: string[];
  /** Severity per rule code; 'off' turns a rule off. */
  severity?: Record<string, SeveritySetting>;
  /** Functions that block, besides the built-in catalogue: `"mylib.fetch_sync"` or `{ name, code?, suggestion? }`. */
  extraBlockingFunctions?: ExtraBlockingFunctionSetting[];
  /** Dotted names of decorators that make a generator a coroutine, like `gen.coroutine`. */
  extraCoroutineDecorators?: string[];
  /** Follow calls into synchronous helpers across the workspace (CORO120); null keeps pyproject's value. */
  transitive?: boolean | null;
  /** Glob patterns (relative to the workspace folder) of files and folders never analysed. */
  exclude?: string[];
}

/** `initializationOptions` the client may pass. */
export interface CoroutineLensInitializationOptions {
  /**
   * Folder for the on-disk index cache. Absent: with one workspace folder, the CLI's cache folder
   * (`.coroutine_lens_cache` in the folder), so the CLI and the editor share it; else a per-user cache folder.
   */
  cacheDir?: string;
}

/** Server → client: the state of the workspace index, for a status item. Method below. */
export const STATUS_NOTIFICATION = 'coroutineLens/status';

export interface StatusParams {
  state: 'starting' | 'indexing' | 'ready' | 'disabled' | 'error';
  /** Python files in the index (ready) or indexed so far (indexing). */
  files?: number;
  /** Files to index in total (indexing). */
  total?: number;
  /** How long the last index took (ready). */
  durationMs?: number;
  /** A sentence for the user (error, or why indexing stopped). */
  message?: string;
}

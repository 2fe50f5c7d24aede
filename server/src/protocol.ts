/**
 * What the language server and the client agree on beyond standard LSP: the settings section the
 * server reads, the initialization options and the custom notifications. The client imports these
 * as types only; nothing here may import the engine or an LSP runtime package.
 */

/** The settings section pulled with `workspace/configuration` (scoped per workspace folder). */
export const SETTINGS_SECTION = 'coroutineLens';

export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint' | 'off';

/** An extra blocking function: its dotted name, optionally with the alternative to suggest. */
export type ExtraBlockingFunctionSetting = string | { name: string; suggestion?: string };

/**
 * `coroutineLens.*` as the server reads it. Every key is optional: the client may send any subset,
 * and an absent (or null) key leaves the value from `pyproject.toml` or the default in place.
 */
export interface CoroutineLensSettings {
  /** false: no diagnostics, code actions or hovers for this folder. */
  enable?: boolean;
  /** Rule codes or code prefixes to check (replaces the pyproject `select` when non-empty). */
  select?: string[];
  /** Rule codes or code prefixes never reported (added to the pyproject `ignore`). */
  ignore?: string[];
  /** Severity per rule code; 'off' turns a rule off. */
  severity?: Record<string, SeveritySetting>;
  /** Dotted names of functions that block, added to the built-in catalogue (reported as CORO120's blocking end). */
  extraBlockingFunctions?: ExtraBlockingFunctionSetting[];
  /** Dotted names of decorators that make a generator a coroutine, like `gen.coroutine`. */
  extraCoroutineDecorators?: string[];
  /** Follow calls into synchronous helpers across the workspace (CORO120); null keeps pyproject's value. */
  transitive?: boolean | null;
  /** Glob patterns (relative to the workspace folder) of files never analysed (added to pyproject's). */
  exclude?: string[];
}

/** `initializationOptions` the client may pass. */
export interface CoroutineLensInitializationOptions {
  /** Folder for the on-disk index cache (the extension passes its global storage folder). */
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

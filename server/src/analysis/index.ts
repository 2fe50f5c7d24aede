/**
 * The analysis engine's public API (used by the language server and the CLI).
 * Editor-agnostic: imports neither `vscode` nor `vscode-languageserver`.
 */
export * from './api';
export type { SourceReader } from './reader';
export { blockingNodeReader, nodeReader } from './reader';
export type { EngineOptions } from './engine';
export { AnalysisEngine } from './engine';
export type { Configuration, ConfigError, ExtraBlocking, PyprojectConfiguration } from './config';
export {
  defaultConfiguration,
  parseConfiguration,
  loadPyprojectConfiguration,
  mergeConfiguration,
  effectiveSeverity,
  configurationKey,
} from './config';
export { ruleCatalogue } from './rules/catalogue';
export { decodeSource } from './source';
export { applyEdits, mergeFixes } from './applyFixes';
export { rebaseGlobs } from './walk';
export { ENGINE_VERSION } from './version';

/**
 * `coroutineLens.*` settings → the engine's configuration override. Validation is the engine's own
 * (parseConfiguration), so a setting and the same key in pyproject.toml accept exactly the same values.
 */
import { defaultConfiguration, parseConfiguration, type Configuration } from '../analysis';
import type { CoroutineLensSettings } from '../protocol';

export interface ResolvedSettings {
  enabled: boolean;
  /** Only the keys the user set: they replace pyproject's values (mergeConfiguration). */
  override: Partial<Configuration>;
  /** One sentence each, naming the setting. */
  errors: string[];
}

/** Setting name → configuration key. Other `coroutineLens.*` keys belong to the client (debugging, trace …). */
const ANALYSIS_SETTINGS: ReadonlyArray<[keyof CoroutineLensSettings, keyof Configuration]> = [
  ['select', 'select'],
  ['ignore', 'ignore'],
  ['severity', 'severity'],
  ['extraBlockingFunctions', 'extraBlocking'],
  ['extraCoroutineDecorators', 'extraCoroutineDecorators'],
  ['transitive', 'transitive'],
  ['exclude', 'exclude'],
];

/** Unset in VS Code terms: absent, null, an empty list or an empty table — pyproject's value stays. */
function isUnset(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

export function resolveSettings(raw: unknown): ResolvedSettings {
  const errors: string[] = [];
  if (raw === undefined || raw === null) return { enabled: true, override: {}, errors };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { enabled: true, override: {}, errors: ['coroutineLens: expected an object of settings'] };
  }
  const settings = raw as Record<string, unknown>;
  let enabled = true;
  if (settings.enable !== undefined && settings.enable !== null) {
    if (typeof settings.enable === 'boolean') enabled = settings.enable;
    else errors.push('coroutineLens.enable: expected true or false');
  }
  const table: Record<string, unknown> = {};
  const settingOf = new Map<string, string>();
  for (const [setting, key] of ANALYSIS_SETTINGS) {
    if (isUnset(settings[setting])) continue;
    table[key] = settings[setting];
    settingOf.set(key, setting);
  }
  const { config, errors: configErrors } = parseConfiguration(table, { path: 'settings' });
  const failedKeys = new Set<string>();
  for (const error of configErrors) {
    // The engine names the configuration key ("extraBlocking[0]: …"); the user knows the setting.
    const key = /^[A-Za-z]+/.exec(error.message)?.[0] ?? '';
    failedKeys.add(key);
    errors.push(`coroutineLens.${settingOf.get(key) ?? ''}${error.message.slice(key.length)}`);
  }
  const defaults = defaultConfiguration();
  const override: Partial<Configuration> = {};
  for (const key of settingOf.keys() as Iterable<keyof Configuration>) {
    // A value rejected outright leaves the default behind: then pyproject's value stays instead.
    if (failedKeys.has(key) && JSON.stringify(config[key]) === JSON.stringify(defaults[key])) continue;
    Object.assign(override, { [key]: config[key] });
  }
  return { enabled, override, errors };
}

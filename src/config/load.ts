import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { checker } from '../validation.js';
import { notifierNames } from '../alerts/notifiers/index.js';
import { toMs } from '../schemas/common.js';
import { ConfigSchema, type Config } from './schema.js';

/** A config problem: the message names the file (or environment variable), the field and the rule. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file read, or undefined when running on defaults (the built-in demo). */
  file: string | undefined;
  /**
   * Whether the file itself set `server.host`. The schema's default (0.0.0.0) suits a deployment; the
   * demo, whose API takes writes without a token, binds locally unless someone chose an address.
   */
  hostFromFile: boolean;
}

const configChecker = checker(ConfigSchema);

/**
 * Environment variables that override the file. Each is checked on its own so an error names the
 * variable rather than the config field it lands in.
 */
const ENV_OVERRIDES: { name: string; apply(raw: Record<string, any>, value: string): void }[] = [
  { name: 'REDIS_URL', apply: (c, v) => (section(c, 'storage').redisUrl = v) },
  { name: 'PORT', apply: (c, v) => (section(c, 'server').port = /^\d+$/.test(v) ? Number(v) : v) },
  { name: 'HOST', apply: (c, v) => (section(c, 'server').host = v) },
  { name: 'LOG_LEVEL', apply: (c, v) => (section(c, 'log').level = v) },
  { name: 'SPACEWATCH_TOKEN', apply: (c, v) => (section(c, 'server').token = v) },
  { name: 'SPACEWATCH_ROLE', apply: (c, v) => (c.role = v) },
];

/** Which field each variable fills, to translate a validation error back to the variable's name. */
const ENV_FIELDS: Record<string, string> = {
  REDIS_URL: 'storage.redisUrl',
  PORT: 'server.port',
  HOST: 'server.host',
  LOG_LEVEL: 'log.level',
  SPACEWATCH_TOKEN: 'server.token',
  SPACEWATCH_ROLE: 'role',
};

function section(raw: Record<string, any>, key: string): Record<string, any> {
  if (raw[key] === undefined || raw[key] === null) raw[key] = {};
  return raw[key];
}

/** Picks the config file: an explicit path, then SPACEWATCH_CONFIG, then ./spacewatch.yaml if present. */
export function resolveConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) return explicit;
  if (env.SPACEWATCH_CONFIG) return env.SPACEWATCH_CONFIG;
  return existsSync('spacewatch.yaml') ? 'spacewatch.yaml' : undefined;
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const raw = file ? readYaml(file) : {};
  const config = parseConfig(raw, env, file ?? 'defaults');
  return { config, file, hostFromFile: (raw as { server?: { host?: unknown } } | null)?.server?.host !== undefined };
}

/** Validates a parsed document plus environment overrides; throws ConfigError naming the field. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, label: string): Readonly<Config> {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${label}: (root): must be a mapping of sections (server, storage, poller, alerts, log, targets, notifiers)`);
  const doc = structuredClone(raw) as Record<string, any>;
  const applied: string[] = [];
  for (const o of ENV_OVERRIDES) {
    const v = env[o.name];
    if (v === undefined || v === '') continue;
    o.apply(doc, v);
    applied.push(o.name);
  }
  let config: Config;
  try {
    config = configChecker.parse(doc);
  } catch (err) {
    const message = (err as Error).message;
    const fromEnv = applied.find((name) => message.startsWith(`${ENV_FIELDS[name]}:`));
    throw new ConfigError(fromEnv ? `${fromEnv}${message.slice(ENV_FIELDS[fromEnv]!.length)}` : `${label}: ${message}`);
  }
  checkSemantics(config, label);
  return deepFreeze(config);
}

/** Rules a schema cannot say: unique ids and names, a schedule that ends after it starts. */
function checkSemantics(config: Config, label: string): void {
  try {
    notifierNames(config.notifiers);
  } catch (err) {
    throw new ConfigError(`${label}: ${(err as Error).message}`);
  }
  const seen = new Map<string, number>();
  config.targets.forEach((t, i) => {
    const first = seen.get(t.id);
    if (first !== undefined) throw new ConfigError(`${label}: targets[${i}].id: duplicate id "${t.id}" (also targets[${first}])`);
    seen.set(t.id, i);
    if (t.schedule?.end !== undefined && toMs(t.schedule.end) <= toMs(t.schedule.start)) {
      throw new ConfigError(`${label}: targets[${i}].schedule.end: must be after schedule.start`);
    }
  });
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read the config file (${code === 'ENOENT' ? 'no such file' : code ?? String(err)})`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    throw new ConfigError(`${file}:${pos ? `${pos.line}:${pos.col}:` : ''} invalid YAML: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc.toJS();
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

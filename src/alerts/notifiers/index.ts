import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import { alertmanager, AlertmanagerConfig } from './alertmanager.js';
import type { Notifier, NotifierDefinition, NotifierDeps } from './notifier.js';
import { slack, SlackConfig } from './slack.js';
import { webhook, WebhookConfig } from './webhook.js';

// The registry: one entry per receiver kind (as gatus's alerting providers). Adding a notifier
// means a file beside this one and a line here; see docs/adding-a-notifier.md.

export type Notifiers = Readonly<Record<string, NotifierDefinition>>;

export function defaultNotifiers(): Notifiers {
  // Order is the order `must be one of …` lists the kinds in.
  return Object.freeze({
    [webhook.kind]: webhook as unknown as NotifierDefinition,
    [slack.kind]: slack as unknown as NotifierDefinition,
    [alertmanager.kind]: alertmanager as unknown as NotifierDefinition,
  });
}

/** Union of every registered notifier's config, discriminated by `kind`. */
export type AnyNotifierConfig = Static<typeof WebhookConfig> | Static<typeof SlackConfig> | Static<typeof AlertmanagerConfig>;

/** The `notifiers[]` entry schema: a union over the registry, so an unknown kind names the known ones. */
export function notifierConfigSchema(notifiers: Notifiers = defaultNotifiers()): TUnsafe<AnyNotifierConfig> {
  return Type.Unsafe<AnyNotifierConfig>({
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: Object.values(notifiers).map((n) => n.configSchema),
  });
}

/**
 * The name of each configured notifier (the `notifier` metric label): its `name`, else its kind,
 * else `<kind>-<index>` when the kind repeats. Throws, naming the field, on a duplicate explicit name.
 */
export function notifierNames(configs: readonly { kind: string; name?: string }[]): string[] {
  const taken = new Map<string, number>();
  configs.forEach((c, i) => {
    if (c.name === undefined) return;
    const first = taken.get(c.name);
    if (first !== undefined) throw new Error(`notifiers[${i}].name: duplicate name "${c.name}" (also notifiers[${first}])`);
    taken.set(c.name, i);
  });
  return configs.map((c, i) => {
    if (c.name !== undefined) return c.name;
    let name = taken.has(c.kind) ? `${c.kind}-${i}` : c.kind;
    while (taken.has(name)) name = `${name}_`;
    taken.set(name, i);
    return name;
  });
}

/** Builds one Notifier per config entry. The config has been validated (src/config/load.ts). */
export function createNotifiers(configs: readonly AnyNotifierConfig[], deps: NotifierDeps, notifiers: Notifiers = defaultNotifiers()): Notifier[] {
  const names = notifierNames(configs);
  return configs.map((config, i) => {
    const def = notifiers[config.kind];
    if (!def) throw new Error(`notifiers[${i}].kind: unknown notifier kind "${config.kind}"`);
    const name = names[i]!;
    return def.create({ ...config, name }, { ...deps, log: deps.log.child({ notifier: name }) });
  });
}

export type { Notifier, NotifierDefinition, NotifierDeps, SendContext } from './notifier.js';
export { NotifyError } from './http.js';

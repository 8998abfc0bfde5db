import { Type, type Static } from '@sinclair/typebox';
import type { RuleName } from '../../detect/types.js';
import type { Transition } from '../types.js';
import { describeValues, iso, targetLink } from './format.js';
import { postJson, redactUrl } from './http.js';
import { HeadersSchema, notifierBaseFields, type Notifier, type NotifierDefinition } from './notifier.js';

// Prometheus Alertmanager, API v2 (`POST /api/v2/alerts`, https://prometheus.io/docs/alerting/clients/).
// Alertmanager expects a client to keep re-sending an alert while it is active: an alert not heard
// from for `resolve_timeout` (5 m by default) is resolved by Alertmanager itself. So a firing alert is
// sent without endsAt and re-sent every `repeatIntervalMs`; on resolve it is sent once more with endsAt.
// Labels identify an alert (deduplication); annotations are replaced by the latest ones received.

export const DEFAULT_REPEAT_INTERVAL_MS = 60_000;

const LABEL_NAME = '^[a-zA-Z_][a-zA-Z0-9_]*$';

export const AlertmanagerConfig = Type.Object(
  {
    kind: Type.Literal('alertmanager'),
    ...notifierBaseFields(),
    /** Re-send while firing; keep it well under Alertmanager's resolve_timeout. */
    repeatIntervalMs: Type.Optional(
      Type.Integer({ minimum: 1_000, maximum: 3_600_000, errorMessage: 'must be an integer number of milliseconds between 1000 and 3600000' }),
    ),
    /** Static labels added to every alert (e.g. `env: prod`) for routing; the built-in labels win. */
    labels: Type.Optional(
      Type.Unsafe<Record<string, string>>({
        type: 'object',
        propertyNames: { pattern: LABEL_NAME, errorMessage: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*' },
        additionalProperties: { type: 'string', minLength: 1, maxLength: 1024, errorMessage: 'must be a non-empty string' },
      }),
    ),
    headers: Type.Optional(HeadersSchema()),
  },
  { additionalProperties: false },
);
export type AlertmanagerConfig = Static<typeof AlertmanagerConfig>;

/** `postableAlert` of Alertmanager's OpenAPI (api/v2/openapi.yaml). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/**
 * The `severity` label, for routing. Losing the audience — unreachable, dead air, stalled, or people
 * failing to get in — pages; a late start or a drop warns; a claim that does not match is for the
 * newsroom, not the on-call engineer.
 */
export const SEVERITY: Readonly<Record<RuleName, 'critical' | 'warning' | 'info'>> = {
  outage: 'critical',
  join_failures: 'critical',
  stall: 'critical',
  silence: 'critical',
  capacity: 'critical',
  delay: 'warning',
  drop: 'warning',
  claim_gap: 'info',
};

export function alertmanagerPayload(t: Transition, publicUrl: string | undefined, extraLabels: Readonly<Record<string, string>> = {}): PostableAlert[] {
  const a = t.alert;
  // Prometheus sends the moment the alert fired (not the pending start) as startsAt.
  const startsAt = a.firedAt ?? a.activeAt;
  const alert: PostableAlert = {
    labels: { ...extraLabels, alertname: `spacewatch_${a.rule}`, target: a.targetId, rule: a.rule, severity: SEVERITY[a.rule] },
    annotations: { summary: a.condition.summary, description: `${a.rule} on ${a.targetId}: ${a.condition.summary} (${describeValues(a)})` },
    startsAt: iso(startsAt),
  };
  // Alertmanager rejects the whole request when endsAt is before startsAt.
  if (t.to === 'resolved') alert.endsAt = iso(Math.max(a.resolvedAt ?? Date.now(), startsAt));
  const link = targetLink(publicUrl, a.targetId);
  if (link) alert.generatorURL = link;
  return [alert];
}

/** The configured URL is Alertmanager's base (`http://am:9093`); a URL already ending in the API path is kept. */
export function alertsEndpoint(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith('/api/v2/alerts') ? base : `${base}/api/v2/alerts`;
}

export const alertmanager: NotifierDefinition<AlertmanagerConfig> = {
  kind: 'alertmanager',
  configSchema: AlertmanagerConfig,
  description: 'Alertmanager API v2: labels, annotations, startsAt, generatorURL; re-sent while firing, endsAt on resolve',
  create(config, deps): Notifier {
    const url = alertsEndpoint(config.url);
    return {
      name: config.name,
      kind: 'alertmanager',
      endpoint: redactUrl(url),
      timeoutMs: config.timeoutMs,
      repeatIntervalMs: config.repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS,
      async send(t, ctx) {
        const body = Buffer.from(JSON.stringify(alertmanagerPayload(t, ctx.publicUrl, config.labels)), 'utf8');
        await postJson(url, body, { dispatcher: deps.dispatcher, signal: ctx.signal, headers: config.headers });
      },
    };
  },
};

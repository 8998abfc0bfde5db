import { createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { AlertState, Transition } from '../types.js';
import type { RuleName } from '../../detect/types.js';
import { iso, targetLink } from './format.js';
import { postJson, redactUrl } from './http.js';
import { HeadersSchema, notifierBaseFields, type Notifier, type NotifierDefinition } from './notifier.js';

// The reference notifier (docs/adding-a-notifier.md): a versioned JSON body, POSTed as-is, signed
// when a secret is configured. Copy this file to add a kind.

export const WebhookConfig = Type.Object(
  {
    kind: Type.Literal('webhook'),
    ...notifierBaseFields(),
    /** HMAC-SHA256 key for X-Spacewatch-Signature; unset = unsigned. */
    secret: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters' })),
    headers: Type.Optional(HeadersSchema()),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

/** The body, version 1. Fields are only ever added within a version; receivers should ignore unknown ones. */
export interface WebhookPayload {
  version: 1;
  /** `<target>/<rule>/<activeAt ms>`: one alert episode; with `state`, a key to drop duplicate deliveries. */
  id: string;
  target: string;
  rule: RuleName;
  state: 'firing' | 'resolved';
  from: AlertState | 'inactive';
  activeAt: string;
  firedAt?: string;
  resolvedAt?: string;
  summary: string;
  value: number | null;
  threshold: number;
  details: Record<string, string | number | boolean | null>;
  /** The target's dashboard page; null without `publicUrl`. */
  url: string | null;
}

export const SIGNATURE_HEADER = 'x-spacewatch-signature';
export const TIMESTAMP_HEADER = 'x-spacewatch-timestamp';

export function webhookPayload(t: Transition, publicUrl: string | undefined): WebhookPayload {
  const a = t.alert;
  return {
    version: 1,
    id: `${a.targetId}/${a.rule}/${a.activeAt}`,
    target: a.targetId,
    rule: a.rule,
    state: t.to as 'firing' | 'resolved',
    from: t.from,
    activeAt: iso(a.activeAt),
    ...(a.firedAt !== undefined ? { firedAt: iso(a.firedAt) } : {}),
    ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
    summary: a.condition.summary,
    value: a.condition.value,
    threshold: a.condition.threshold,
    details: a.condition.details ?? {},
    url: targetLink(publicUrl, a.targetId) ?? null,
  };
}

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`), the body being the exact bytes sent.
 * The timestamp (unix seconds, also sent as X-Spacewatch-Timestamp) is inside the signed material so
 * a captured request cannot be replayed later with a fresh timestamp (Stripe's and Slack's scheme).
 */
export function sign(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export const webhook: NotifierDefinition<WebhookConfig> = {
  kind: 'webhook',
  configSchema: WebhookConfig,
  description: 'JSON POST of each firing/resolved transition, HMAC-SHA256-signed when `secret` is set',
  create(config, deps): Notifier {
    const now = deps.now ?? Date.now;
    return {
      name: config.name,
      kind: 'webhook',
      endpoint: redactUrl(config.url),
      timeoutMs: config.timeoutMs,
      async send(t, ctx) {
        const body = Buffer.from(JSON.stringify(webhookPayload(t, ctx.publicUrl)), 'utf8');
        const fixedHeaders: Record<string, string> = {};
        if (config.secret) {
          // Signed per attempt: a retry minutes later still passes the receiver's freshness check.
          const timestamp = String(Math.floor(now() / 1000));
          fixedHeaders[TIMESTAMP_HEADER] = timestamp;
          fixedHeaders[SIGNATURE_HEADER] = sign(config.secret, timestamp, body);
        }
        await postJson(config.url, body, { dispatcher: deps.dispatcher, signal: ctx.signal, headers: config.headers, fixedHeaders });
      },
    };
  },
};

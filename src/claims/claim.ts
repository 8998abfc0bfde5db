import type { TargetEvent } from '../types.js';

// A claim is what someone said about the broadcast's audience or state at an instant (DESIGN.md
// "Claims"). It is stored as a `claim` event and never carries its verdict: verdicts derive from the
// observations and are recomputed whenever a claim is read, so an import or a backfill re-judges it.

/** What was claimed. `views` are cumulative impressions and never compared with concurrent listeners. */
export const CLAIM_METRICS = ['listeners', 'views', 'capacity', 'state'] as const;
export type ClaimMetric = (typeof CLAIM_METRICS)[number];

/** States a `state` claim may assert ("it has ended"); `unknown` is not something anyone claims. */
export const CLAIM_STATES = ['live', 'scheduled', 'ended', 'offline'] as const;
export type ClaimState = (typeof CLAIM_STATES)[number];

export const CLAIM_EVENT = 'claim';

export interface Claim {
  /** The event's stream ID, once stored. */
  id?: string;
  /** The instant the claim is about, epoch ms (may be in the future: "a replay will reach …"). */
  at: number;
  metric: ClaimMetric;
  /** The claimed figure; absent for `state` claims. */
  value?: number;
  /** The claimed state; only for `state` claims. */
  stateValue?: ClaimState;
  claimant: string;
  quote?: string;
  sourceUrl?: string;
}

/**
 * What a schema cannot say about a claim: which of value / stateValue goes with its metric. The
 * problem reads `<field>: <rule>`, for the caller to prefix with where the claim came from
 * (`body.` in the API, `claims[3].` in a scenario file), or undefined when the shape is right.
 */
export function claimShapeProblem(c: Pick<Claim, 'metric' | 'value' | 'stateValue'>): string | undefined {
  if (c.metric === 'state') {
    if (c.stateValue === undefined) return 'stateValue: is required when metric is state';
    if (c.value !== undefined) return 'value: must be absent when metric is state (use stateValue)';
  } else {
    if (c.value === undefined) return `value: is required when metric is ${c.metric}`;
    if (c.stateValue !== undefined) return 'stateValue: only applies when metric is state';
  }
  return undefined;
}

export function claimEvent(claim: Claim): TargetEvent {
  const data: Record<string, unknown> = { metric: claim.metric, claimant: claim.claimant };
  if (claim.value !== undefined) data.value = claim.value;
  if (claim.stateValue !== undefined) data.stateValue = claim.stateValue;
  if (claim.quote !== undefined) data.quote = claim.quote;
  if (claim.sourceUrl !== undefined) data.sourceUrl = claim.sourceUrl;
  return { at: claim.at, type: CLAIM_EVENT, data };
}

const isMetric = (v: unknown): v is ClaimMetric => (CLAIM_METRICS as readonly unknown[]).includes(v);
const isState = (v: unknown): v is ClaimState => (CLAIM_STATES as readonly unknown[]).includes(v);

/**
 * The claim an event holds, or undefined when it is not a well-formed claim. Events are read back
 * from a store any process may have written to, so the shape is checked rather than trusted.
 */
export function claimFromEvent(e: TargetEvent): Claim | undefined {
  if (e.type !== CLAIM_EVENT || !e.data) return undefined;
  const { metric, value, stateValue, claimant, quote, sourceUrl } = e.data;
  if (!isMetric(metric) || typeof claimant !== 'string') return undefined;
  const claim: Claim = { at: e.at, metric, claimant };
  if (e.id !== undefined) claim.id = e.id;
  if (metric === 'state') {
    if (!isState(stateValue)) return undefined;
    claim.stateValue = stateValue;
  } else {
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
    claim.value = value;
  }
  if (typeof quote === 'string') claim.quote = quote;
  if (typeof sourceUrl === 'string') claim.sourceUrl = sourceUrl;
  return claim;
}

/** Every well-formed claim among the events, in the events' order. */
export function claimsOf(events: readonly TargetEvent[]): Claim[] {
  const out: Claim[] = [];
  for (const e of events) {
    const c = claimFromEvent(e);
    if (c) out.push(c);
  }
  return out;
}

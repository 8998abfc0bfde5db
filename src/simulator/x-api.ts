import type { Scenario, ScenarioSnapshot } from './scenario.js';

// Response bodies in the shapes the X API v2 documents for Spaces lookup (GET /2/spaces/:id and
// GET /2/spaces?ids=) and its errors: RFC 7807-style problems, either alone or inside `errors[]`.
// Samples: test/fixtures/x-spaces/.

const PROBLEMS = 'https://api.twitter.com/2/problems';

/** Every `space.fields` value X accepts; asking for another is an invalid request. */
export const SPACE_FIELDS = [
  'created_at',
  'creator_id',
  'ended_at',
  'host_ids',
  'id',
  'invited_user_ids',
  'is_ticketed',
  'lang',
  'participant_count',
  'scheduled_start',
  'speaker_ids',
  'started_at',
  'state',
  'subscriber_count',
  'title',
  'topic_ids',
  'updated_at',
] as const;

// X answers `id` and `state` whatever was asked for; everything else only on request.
const DEFAULT_FIELDS = ['id', 'state'];
const HOST_ID = '2244994945';

export interface Clock {
  /** Scenario ms → epoch ms. */
  realAt(scenarioMs: number): number;
  now(): number;
  startedAt: number;
}

/** The Space object with the requested fields, leaving out fields without a value as X does. */
export function spaceObject(scenario: Scenario, snap: ScenarioSnapshot, fields: readonly string[], clock: Clock): Record<string, unknown> {
  const iso = (scenarioMs: number | undefined) => (scenarioMs === undefined ? undefined : new Date(clock.realAt(scenarioMs)).toISOString());
  const all: Record<string, unknown> = {
    id: scenario.spaceId,
    state: snap.state,
    title: scenario.name,
    creator_id: HOST_ID,
    host_ids: [HOST_ID],
    speaker_ids: snap.state === 'live' ? [HOST_ID] : undefined,
    is_ticketed: false,
    lang: 'en',
    // A scheduled Space has no participants yet; X leaves the count out.
    participant_count: snap.state === 'scheduled' ? undefined : snap.listeners,
    scheduled_start: iso(snap.scheduledStart),
    started_at: iso(snap.startedAt),
    ended_at: iso(snap.endedAt),
    created_at: new Date(clock.startedAt).toISOString(),
    updated_at: new Date(clock.now()).toISOString(),
  };
  const out: Record<string, unknown> = {};
  for (const f of new Set([...DEFAULT_FIELDS, ...fields])) if (all[f] !== undefined) out[f] = all[f];
  return out;
}

/** The problem X puts in `errors[]` for an ID it does not know. */
export function notFoundProblem(id: string, parameter: 'id' | 'ids'): Record<string, unknown> {
  return {
    value: id,
    detail: `Could not find space with ${parameter === 'id' ? 'id' : 'ids'}: [${id}].`,
    title: 'Not Found Error',
    resource_type: 'space',
    parameter,
    resource_id: id,
    type: `${PROBLEMS}/resource-not-found`,
  };
}

const STATUS_TITLES: Record<number, string> = {
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A bare problem, as X sends with 429 and 5xx answers (fixtures/x-spaces/rate-limited.json). */
export function statusProblem(status: number): Record<string, unknown> {
  const title = STATUS_TITLES[status] ?? 'Error';
  return { title, detail: title, type: 'about:blank', status };
}

export function invalidRequest(parameter: string, values: string[], message: string): Record<string, unknown> {
  return {
    errors: [{ parameters: { [parameter]: values }, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: `${PROBLEMS}/invalid-request`,
  };
}

import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { claimShapeProblem } from '../claims/claim.js';
import { ClaimInput } from '../http/schemas/claims.js';
import { MarkInput } from '../http/schemas/marks.js';
import { checker } from '../validation.js';
import { unitRandom } from './prng.js';

// A scenario is a broadcast told in scenario seconds: where listeners stand at a few instants
// (keyframes), when the state changes, when the API misbehaves, and what people say and mark along
// the way (claims, marks: the simulator ignores those; `spacewatch demo` writes them into the store
// when their time comes). The evaluator is pure — a function of the scenario and the elapsed
// scenario time — so the server only maps clock to time and tests need no sleeping.

const Seconds = (what: string) => Type.Number({ minimum: 0, errorMessage: `must be a number of ${what} seconds ≥ 0` });

export const SCENARIO_STATES = ['live', 'scheduled', 'ended'] as const;
export type ScenarioStateName = (typeof SCENARIO_STATES)[number];

export const ERROR_KINDS = ['http_503', 'http_500', 'rate_limited', 'not_found', 'timeout', 'reset', 'invalid_json'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const Keyframe = Type.Object(
  {
    atSec: Seconds('scenario'),
    listeners: Type.Integer({ minimum: 0, errorMessage: 'must be a whole number ≥ 0' }),
    state: Type.Optional(Type.Union(SCENARIO_STATES.map((s) => Type.Literal(s)), { errorMessage: `must be one of ${SCENARIO_STATES.join(', ')}` })),
  },
  { additionalProperties: false },
);

const ErrorWindow = Type.Object(
  {
    fromSec: Seconds('scenario'),
    toSec: Seconds('scenario'),
    rate: Type.Number({ minimum: 0, maximum: 1, errorMessage: 'must be a share between 0 and 1' }),
    kind: Type.Union(ERROR_KINDS.map((k) => Type.Literal(k)), { errorMessage: `must be one of ${ERROR_KINDS.join(', ')}` }),
  },
  { additionalProperties: false },
);

/** Body of POST /targets/:id/claims or …/marks with the instant in scenario seconds instead of `at`. */
const atScenarioSecond = <T extends typeof ClaimInput | typeof MarkInput>(input: T) =>
  Type.Composite([Type.Object({ atSec: Seconds('scenario') }), Type.Omit(input, ['at'])], { additionalProperties: false });

// The API's own claim schema (src/http/schemas/claims.ts), so a scenario's claims take exactly the
// fields and limits a reporter's do; the claim is made at `atSec`, about that instant.
const ScenarioClaim = atScenarioSecond(ClaimInput);
export type ScenarioClaim = Static<typeof ScenarioClaim>;

// The API's mark schema (src/http/schemas/marks.ts), at a scenario second.
const ScenarioMark = atScenarioSecond(MarkInput);
export type ScenarioMark = Static<typeof ScenarioMark>;

/** The fastest a scenario plays, scenario seconds per real second (an hour in a second). */
export const MAX_SPEED = 3600;

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, errorMessage: 'must be a name of 1–200 characters' }),
    spaceId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$', errorMessage: 'must be an X Space ID (letters and digits)' }),
    /** Length of one play-through; defaults to the last keyframe. Only matters with `loop`. */
    durationSec: Type.Optional(Type.Number({ exclusiveMinimum: 0, errorMessage: 'must be a number of seconds > 0' })),
    /** Scenario seconds per real second (60 plays a minute each second). */
    speed: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_SPEED, errorMessage: `must be a number > 0 and ≤ ${MAX_SPEED}` })),
    /** Start over after durationSec (a new broadcast of the same Space each lap); otherwise the last keyframe holds. */
    loop: Type.Optional(Type.Boolean({ errorMessage: 'must be true or false' })),
    seed: Type.Optional(Type.Integer({ errorMessage: 'must be a whole number' })),
    schedule: Type.Optional(Type.Object({ startAtSec: Seconds('scenario') }, { additionalProperties: false })),
    keyframes: Type.Array(Keyframe, { minItems: 1, errorMessage: 'must list at least one keyframe' }),
    errorWindows: Type.Optional(Type.Array(ErrorWindow)),
    /** Most listeners the Space admits; demand above it is turned away with 503s, the share that did not fit. */
    capacity: Type.Optional(Type.Integer({ minimum: 1, errorMessage: 'must be a whole number ≥ 1' })),
    /** Audience and state claims, each made at its `atSec` about that instant (written by `spacewatch demo`). */
    claims: Type.Optional(Type.Array(ScenarioClaim)),
    /** Operator marks (program-start, program-end, note, incident) at scenario seconds (written by `spacewatch demo`). */
    marks: Type.Optional(Type.Array(ScenarioMark)),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;

export const DEFAULT_SEED = 1;

/** The scenario at one instant. Times are scenario ms since the simulator started (laps included). */
export interface ScenarioSnapshot {
  state: ScenarioStateName;
  /** When the current state began: the keyframe that set it, else 0 (the lap's start). */
  since: number;
  /** Participants admitted: demand capped at capacity. */
  listeners: number;
  /** Interpolated keyframe value, before capacity. */
  demand: number;
  scheduledStart?: number;
  startedAt?: number;
  endedAt?: number;
}

export function durationMs(scenario: Scenario): number {
  return (scenario.durationSec ?? scenario.keyframes[scenario.keyframes.length - 1]!.atSec) * 1000;
}

/** Where `elapsedMs` falls within the current lap, and where that lap began. */
function lapOf(scenario: Scenario, elapsedMs: number): { offset: number; local: number } {
  const lap = durationMs(scenario);
  if (!scenario.loop || lap <= 0) return { offset: 0, local: elapsedMs };
  const offset = Math.floor(elapsedMs / lap) * lap;
  return { offset, local: elapsedMs - offset };
}

export function evaluate(scenario: Scenario, elapsedScenarioMs: number): ScenarioSnapshot {
  const { offset, local } = lapOf(scenario, Math.max(0, elapsedScenarioMs));
  const frames = scenario.keyframes;
  // A scenario that never names a state is a plain live broadcast; one that does starts out scheduled.
  let state: ScenarioStateName = frames.some((f) => f.state) ? 'scheduled' : 'live';
  let startedAt: number | undefined = state === 'live' ? 0 : undefined;
  let endedAt: number | undefined;
  let since = 0;
  let i = 0;
  for (; i < frames.length && frames[i]!.atSec * 1000 <= local; i++) {
    const f = frames[i]!;
    if (!f.state || f.state === state) continue;
    if (f.state === 'live' && startedAt === undefined) startedAt = f.atSec * 1000;
    endedAt = f.state === 'ended' ? f.atSec * 1000 : undefined;
    state = f.state;
    since = f.atSec * 1000;
  }
  const demand = interpolate(frames, i, local);
  const snap: ScenarioSnapshot = { state, since: offset + since, demand, listeners: scenario.capacity === undefined ? demand : Math.min(demand, scenario.capacity) };
  if (scenario.schedule) snap.scheduledStart = offset + scenario.schedule.startAtSec * 1000;
  if (startedAt !== undefined) snap.startedAt = offset + startedAt;
  if (endedAt !== undefined) snap.endedAt = offset + endedAt;
  return snap;
}

/** Linear between the keyframes around `local`; `next` is the first keyframe after it. Held before the first and after the last. */
function interpolate(frames: Scenario['keyframes'], next: number, local: number): number {
  const b = frames[next];
  const a = frames[next - 1];
  if (!a) return b!.listeners;
  if (!b) return a.listeners;
  const t = (local - a.atSec * 1000) / ((b.atSec - a.atSec) * 1000);
  return Math.round(a.listeners + (b.listeners - a.listeners) * t);
}

export interface Failure {
  kind: ErrorKind;
  /** When the window that caused it closes, scenario ms since start (absent for over-capacity). */
  untilMs?: number;
  /** 'capacity' when demand above capacity was turned away. */
  cause: 'window' | 'capacity';
}

/** The capacity rule's draw stream (error window i draws from stream i + 1). */
export const CAPACITY_STREAM = 0;

/**
 * Whether API request number `requestNo` at `elapsedScenarioMs` fails, and how. Each error window
 * and the capacity rule draw from their own stream, so adding a window does not reshuffle others.
 */
export function failureAt(scenario: Scenario, elapsedScenarioMs: number, requestNo: number): Failure | undefined {
  const { offset, local } = lapOf(scenario, Math.max(0, elapsedScenarioMs));
  const seed = scenario.seed ?? DEFAULT_SEED;
  const windows = scenario.errorWindows ?? [];
  for (const [i, w] of windows.entries()) {
    if (local >= w.fromSec * 1000 && local < w.toSec * 1000 && unitRandom(seed, requestNo, i + 1) < w.rate) {
      return { kind: w.kind, untilMs: offset + w.toSec * 1000, cause: 'window' };
    }
  }
  if (scenario.capacity !== undefined) {
    const { demand, state } = evaluate(scenario, elapsedScenarioMs);
    if (state === 'live' && demand > scenario.capacity && unitRandom(seed, requestNo, CAPACITY_STREAM) < 1 - scenario.capacity / demand) {
      return { kind: 'http_503', cause: 'capacity' };
    }
  }
  return undefined;
}

/** Validates a parsed scenario; errors read `<origin>: <field>: <rule>`. */
export function parseScenario(value: unknown, origin = 'scenario'): Scenario {
  let scenario: Scenario;
  try {
    scenario = checker(ScenarioSchema).parse(value);
  } catch (err) {
    throw new Error(`${origin}: ${(err as Error).message}`);
  }
  const problem = orderProblem(scenario);
  if (problem) throw new Error(`${origin}: ${problem}`);
  return scenario;
}

// What a schema cannot say: keyframes in time order, windows that open before they close, which of
// value / stateValue goes with a claim's metric (the claims API's own check), and claims and
// marks that fall within one play-through (a later one would never play in a loop).
function orderProblem(s: Scenario): string | undefined {
  for (let i = 1; i < s.keyframes.length; i++) {
    if (s.keyframes[i]!.atSec <= s.keyframes[i - 1]!.atSec) return `keyframes[${i}].atSec: must be greater than keyframes[${i - 1}].atSec (${s.keyframes[i - 1]!.atSec})`;
  }
  for (const [i, w] of (s.errorWindows ?? []).entries()) {
    if (w.toSec <= w.fromSec) return `errorWindows[${i}].toSec: must be greater than fromSec (${w.fromSec})`;
  }
  if (s.loop && durationMs(s) <= 0) return 'durationSec: is required when loop is true and the last keyframe is at 0';
  const lengthSec = durationMs(s) / 1000;
  for (const [i, c] of (s.claims ?? []).entries()) {
    const problem = claimShapeProblem(c);
    if (problem) return `claims[${i}].${problem}`;
    if (c.atSec > lengthSec) return `claims[${i}].atSec: must be within the scenario (at most ${lengthSec})`;
  }
  for (const [i, m] of (s.marks ?? []).entries()) {
    if (m.atSec > lengthSec) return `marks[${i}].atSec: must be within the scenario (at most ${lengthSec})`;
  }
  return undefined;
}

/** Reads and validates a scenario YAML file; errors read `<file>: <field>: <rule>`. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseScenario(value, file);
}

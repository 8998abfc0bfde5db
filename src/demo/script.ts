import type { Logger } from 'pino';
import { claimEvent } from '../claims/claim.js';
import type { Scenario } from '../simulator/scenario.js';
import { markEvent } from '../status/marks.js';
import type { Store } from '../storage/store.js';
import type { TargetEvent } from '../types.js';
import type { ScenarioClock } from './play.js';

// A scenario's claims and marks are what people say and do during the broadcast. The demo writes
// each into the store as the event the API would have written (POST /claims, POST /marks), when its
// scenario time comes and stamped with that instant, so the claims ledger, the timeline, the status
// and the claim_gap rule see them exactly as they would see a reporter's or an operator's.

export interface ScriptEntry {
  atSec: number;
  kind: 'claim' | 'mark';
  /** One line for a terminal: `claim: @host: 60,000,000 listeners "…"`. */
  label: string;
  /** The event to store, stamped at epoch ms `at`. */
  event(at: number): TargetEvent;
}

/** Claims and marks in playing order (by atSec; a mark before a claim at the same second, then file order). */
export function scriptOf(scenario: Scenario): ScriptEntry[] {
  const entries: ScriptEntry[] = [];
  for (const m of scenario.marks ?? []) {
    entries.push({
      atSec: m.atSec,
      kind: 'mark',
      label: `mark ${m.kind}${m.text === undefined ? '' : `: ${m.text}`}`,
      event: (at) => markEvent({ at, kind: m.kind, ...(m.text === undefined ? {} : { text: m.text }) }),
    });
  }
  for (const c of scenario.claims ?? []) {
    const what = c.metric === 'state' ? `"${c.stateValue}"` : `${c.value!.toLocaleString('en-US')} ${c.metric}`;
    entries.push({
      atSec: c.atSec,
      kind: 'claim',
      label: `claim by ${c.claimant}: ${what}${c.quote === undefined ? '' : ` ("${c.quote}")`}`,
      event: (at) => {
        const { atSec: _atSec, ...rest } = c;
        return claimEvent({ ...rest, at });
      },
    });
  }
  // Array.prototype.sort is stable: equal seconds keep marks first, then file order.
  return entries.sort((a, b) => a.atSec - b.atSec);
}

export interface Occurrence {
  entry: ScriptEntry;
  lap: number;
  /** Scenario ms since the simulator started, laps included. */
  scenarioMs: number;
}

/** The n-th time (0-based) an entry plays: entry n mod length, in lap n div length (only lap 0 without loop). */
export function occurrence(entries: readonly ScriptEntry[], n: number, clock: Pick<ScenarioClock, 'lapMs' | 'loop'>): Occurrence | undefined {
  if (entries.length === 0) return undefined;
  const lap = Math.floor(n / entries.length);
  if (lap > 0 && (!clock.loop || clock.lapMs <= 0)) return undefined;
  const entry = entries[n % entries.length]!;
  return { entry, lap, scenarioMs: lap * clock.lapMs + entry.atSec * 1000 };
}

export interface ScriptOptions {
  store: Store;
  targetId: string;
  scenario: Scenario;
  clock: ScenarioClock;
  log: Logger;
  /** Hears each entry once it is stored (the demo command prints it). */
  onWritten?: (entry: ScriptEntry, at: number) => void;
  now?: () => number;
}

export interface Script {
  /** Stops writing; resolves once a write in progress has finished. */
  stop(): Promise<void>;
}

export function startScript(opts: ScriptOptions): Script {
  const { store, targetId, clock, log } = opts;
  const now = opts.now ?? Date.now;
  const entries = scriptOf(opts.scenario);
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let stopped = false;

  function arm(): void {
    const next = occurrence(entries, n, clock);
    if (stopped || !next) return;
    timer = setTimeout(() => {
      writing = writeDue().finally(arm);
    }, Math.max(0, clock.realAt(next.scenarioMs) - now()));
  }

  async function writeDue(): Promise<void> {
    for (let next = occurrence(entries, n, clock); next && !stopped && clock.realAt(next.scenarioMs) <= now(); next = occurrence(entries, n, clock)) {
      n++;
      const at = Math.round(clock.realAt(next.scenarioMs));
      try {
        await store.appendEvent(targetId, next.entry.event(at));
        opts.onWritten?.(next.entry, at);
      } catch (err) {
        log.error({ err, target: targetId, entry: next.entry.label }, 'demo: cannot write a scenario claim or mark');
      }
    }
  }

  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await writing;
    },
  };
}

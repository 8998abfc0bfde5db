import cliProgress from 'cli-progress';
import type { Transition } from '../alerts/types.js';
import { evaluate, type Scenario, type ScenarioStateName } from '../simulator/scenario.js';
import type { ScenarioClock } from './play.js';
import type { ScriptEntry } from './script.js';

// What `spacewatch demo` tells the person watching: a line per alert transition, per claim and mark,
// per state change of the scenario, and where the scenario has got to — a cli-progress bar of
// scenario time on a terminal, a plain line every tenth of the scenario otherwise (logs and CI must
// not fill with carriage-return redraws). While the bar runs, lines go through it so they do not tear
// it; cli-progress only writes those on a redraw, so every stop redraws first, and once the bar has
// stopped lines go straight to `out`. Times in brackets are scenario time: that is the story being told.

export interface NarratorOptions {
  scenario: Scenario;
  clock: ScenarioClock;
  /** Where lines go. */
  out: NodeJS.WritableStream;
  /**
   * A terminal for the progress bar, showing on the same screen as `out` (lines go through the bar
   * while it runs). Not a TTY, or none: plain progress lines on `out`.
   */
  bar?: (NodeJS.WritableStream & { isTTY?: boolean }) | undefined;
  /** The target this scenario plays to; other targets' alerts (a --config file's) are told with their id. */
  targetId?: string;
  /** Said when a scenario that does not loop is over. */
  endLines?: string[];
  onEnd?: () => void;
  now?: () => number;
  tickMs?: number;
}

export interface Narrator {
  alert(t: Transition): void;
  script(entry: ScriptEntry, at: number): void;
  say(line: string): void;
  stop(): void;
}

const counts = new Intl.NumberFormat('en-US');
const TENTHS = 10;

/** Scenario ms as a clock: "7:05", "1:02:03". */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function createNarrator(opts: NarratorOptions): Narrator {
  const { scenario, clock } = opts;
  const now = opts.now ?? Date.now;
  const lapMs = Math.max(1, clock.lapMs);
  /** "[lap 2 4:10]" in a loop, "[4:10]" otherwise. */
  const stamp = (scenarioMs: number) => {
    const lap = clock.loop ? Math.floor(scenarioMs / lapMs) : 0;
    const local = clock.loop ? scenarioMs - lap * lapMs : scenarioMs;
    return `[${lap > 0 ? `lap ${lap + 1} ` : ''}${formatClock(local)}]`;
  };

  const multi = opts.bar?.isTTY
    ? new cliProgress.MultiBar(
        {
          stream: opts.bar,
          format: 'scenario {clock} / {length} [{bar}] {percentage}% | {state} | {listeners} listeners',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: false,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const payload = (ms: number, state: ScenarioStateName, listeners: number) => ({
    clock: formatClock(ms),
    length: formatClock(clock.lapMs),
    state,
    listeners: state === 'scheduled' ? '–' : counts.format(listeners),
  });
  const bar = multi?.create(lapMs / 1000, 0, payload(0, 'scheduled', 0));

  let barRunning = multi !== undefined;
  const say = (line: string) => {
    if (barRunning) multi!.log(`${line}\n`);
    else opts.out.write(`${line}\n`);
  };
  const stopBar = () => {
    if (!barRunning) return;
    barRunning = false;
    // A redraw writes what log() buffered; stop() alone drops it.
    multi!.update();
    multi!.stop();
  };

  let lastState: ScenarioStateName | undefined;
  let lastTenth = -1;
  let over = false;

  function tick(): void {
    const t = now();
    const scenarioMs = Math.max(0, clock.scenarioMsAt(t));
    const ended = clock.endsAt !== undefined && t >= clock.endsAt;
    const lapStart = clock.loop ? Math.floor(scenarioMs / lapMs) * lapMs : 0;
    const local = ended ? clock.lapMs : Math.min(scenarioMs - lapStart, clock.lapMs);
    const snap = evaluate(scenario, lapStart + local);
    if (snap.state !== lastState) {
      if (lastState !== undefined || snap.state !== 'scheduled') {
        // A tick notices a change up to a tick late; the line says when the keyframe set it.
        const people = snap.state === 'live' ? ` (${counts.format(evaluate(scenario, snap.since).listeners)} listeners)` : '';
        say(`${stamp(snap.since)} scenario: ${lastState ?? 'start'} → ${snap.state}${people}`);
      }
      lastState = snap.state;
    }
    if (bar) {
      bar.update(local / 1000, payload(local, snap.state, snap.listeners));
    } else {
      const tenth = Math.floor((local / lapMs) * TENTHS);
      if (tenth !== lastTenth && tenth > 0) {
        const people = snap.state === 'scheduled' ? '' : `, ${counts.format(snap.listeners)} listeners`;
        say(`${stamp(scenarioMs)} ${tenth * TENTHS} % of the scenario played (${snap.state}${people})`);
      }
      lastTenth = tenth;
    }
    if (ended && !over) {
      over = true;
      clearInterval(timer);
      stopBar();
      for (const line of opts.endLines ?? []) opts.out.write(`${line}\n`);
      opts.onEnd?.();
    }
  }

  const timer = setInterval(tick, opts.tickMs ?? 250);
  tick();

  return {
    say,
    alert({ alert, from, to }) {
      // A restart re-announces firing alerts (firing → firing) for Alertmanager; not news here.
      if (from === to) return;
      const at = to === 'firing' ? alert.firedAt : to === 'resolved' ? alert.resolvedAt : alert.activeAt;
      // A pending alert whose condition went away before its `for` never fired: it clears, quietly.
      const label = to === 'firing' ? 'FIRING  ' : to === 'pending' ? 'pending ' : from === 'pending' ? 'cleared ' : 'resolved';
      // With --config, the file's own targets are watched too: their alerts must not read as the story's.
      const whose = opts.targetId === undefined || alert.targetId === opts.targetId ? '' : ` on ${alert.targetId}`;
      say(`${stamp(clock.scenarioMsAt(at ?? now()))} ${label} ${alert.rule}${whose}: ${alert.condition.summary}`);
    },
    script(entry, at) {
      say(`${stamp(clock.scenarioMsAt(at))} ${entry.label}`);
    },
    stop() {
      clearInterval(timer);
      stopBar();
    },
  };
}

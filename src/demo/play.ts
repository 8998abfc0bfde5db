import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { durationMs, type Scenario } from '../simulator/scenario.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { demoTiming, type DemoTiming } from './timing.js';

// A demo is a scenario played on a local simulator and one target watching it, with the target's
// rules and the engine's timings scaled to the scenario's speed. `npm start` without a config file
// and `spacewatch demo` both come through here (src/main.ts run()), so they cannot drift apart.

/** The demo's one target. Fixed, so the dashboard URL of a demo is always the same. */
export const DEMO_TARGET_ID = 'demo';

export interface DemoOptions {
  scenario: Scenario;
  /** Where the scenario came from, for messages. */
  file?: string;
  /** Scenario seconds per real second; default the scenario's own speed, else 1. */
  speed?: number;
  /** Play again after the end; default the scenario's own `loop`. */
  loop?: boolean;
}

type ConfigTarget = Config['targets'][number];

export interface ScenarioClock {
  speed: number;
  /** Epoch ms at which scenario time 0 played. */
  t0: number;
  /** One play-through, scenario ms (durationSec, else the last keyframe). */
  lapMs: number;
  loop: boolean;
  /** Epoch ms at which `scenarioMs` plays (laps count on: lap 2 starts at lapMs). */
  realAt(scenarioMs: number): number;
  /** Scenario ms playing at epoch ms `realMs`. */
  scenarioMsAt(realMs: number): number;
  /** When a scenario that does not loop is over, epoch ms; undefined when it loops. */
  endsAt: number | undefined;
}

/** What a demo will play, decided before anything starts: the engine's timings depend on it. */
export interface DemoPlan {
  /** The scenario with the speed and loop it plays at. */
  scenario: Scenario & { speed: number; loop: boolean };
  file: string | undefined;
  timing: DemoTiming;
}

export interface DemoPlay extends DemoPlan {
  clock: ScenarioClock;
  simulator: Simulator;
  /** The config entry of the target that watches the simulator. */
  target: ConfigTarget;
  close(): Promise<void>;
}

export function scenarioClock(t0: number, speed: number, lapMs: number, loop: boolean): ScenarioClock {
  return {
    speed,
    t0,
    lapMs,
    loop,
    realAt: (scenarioMs) => t0 + scenarioMs / speed,
    scenarioMsAt: (realMs) => (realMs - t0) * speed,
    endsAt: loop ? undefined : t0 + lapMs / speed,
  };
}

/** Speed, loop and the scaled timings; `config` gives the real-life settings that get scaled. */
export function planDemo(opts: DemoOptions, config: Readonly<Config>): DemoPlan {
  const speed = opts.speed ?? opts.scenario.speed ?? 1;
  const loop = opts.loop ?? opts.scenario.loop ?? false;
  const timing = demoTiming(speed, {
    intervalMs: config.poller.defaultIntervalMs,
    timeoutMs: config.poller.defaultTimeoutMs,
    minClearForMs: config.alerts.minClearForMs,
    evaluateEveryMs: config.alerts.evaluateEveryMs,
  });
  return { scenario: { ...opts.scenario, speed, loop }, file: opts.file, timing };
}

/**
 * Starts the simulator: scenario time 0 is now. Call it once the service is ready to watch (the
 * store open, the poller and the API up), or the start of the story plays to nobody.
 */
export async function startPlay(plan: DemoPlan, log: Logger): Promise<DemoPlay> {
  const { scenario, timing } = plan;
  const { speed, loop } = scenario;
  const simulator = await startSimulator({ scenario, port: 0, host: '127.0.0.1', speed, log: log.child({ component: 'simulator' }) });
  // The simulator's clock started inside startSimulator; read it back rather than guess.
  const clock = scenarioClock(Date.now() - simulator.elapsedMs() / speed, speed, durationMs(scenario), loop);
  const target: ConfigTarget = {
    id: DEMO_TARGET_ID,
    name: `Demo: ${scenario.name} (simulated X Space)`,
    source: { kind: 'x-space', spaceId: scenario.spaceId, url: simulator.url },
    intervalMs: timing.intervalMs,
    timeoutMs: timing.timeoutMs,
    // The simulator reports each lap's scheduled_start too (a source-schedule event wins over this);
    // the target's own schedule makes the delay rule judge the first lap before the first probe.
    ...(scenario.schedule ? { schedule: { start: new Date(clock.realAt(scenario.schedule.startAtSec * 1000)).toISOString() } } : {}),
    // Scaled windows go below what the API accepts from people (10 s): the demo target comes from
    // the process, not a request, and config targets are read-only over the API.
    rules: timing.rules,
  };
  log.info(
    { simulator: simulator.url, scenario: scenario.name, file: plan.file, speed, loop, intervalMs: timing.intervalMs },
    'demo: playing a scenario on a local simulator, watched by target "demo"',
  );
  return { ...plan, clock, simulator, target, close: () => simulator.close() };
}

/** The config with the engine's timings scaled for the demo (the rules travel with the target). */
export function withDemoTiming(config: Readonly<Config>, timing: DemoTiming): Readonly<Config> {
  return { ...config, alerts: { ...config.alerts, ...timing.alerts } };
}

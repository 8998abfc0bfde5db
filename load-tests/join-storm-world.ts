// The world the join storm happens in, one side per child process of join-storm.ts: the simulated X
// Space (simulator in 'connections' mode, with a capacity) or the crowd of listeners trying to get
// into it. Neither shares spacewatch's event loop, so the poll lag measured there is spacewatch's own,
// as on its own machine; and the two do not share one loop either, so while the crowd's process waits
// for a CPU its listeners neither leave nor join, and while the simulator's does the attempts queue in
// its accept backlog — as they would at a real server — instead of the room emptying in the pause.
//
// Protocol (IPC): the parent sends `start` (which side, and its settings) and gets `ready` (with the
// simulator's URL); then `add` (crowd: listeners arriving over a span), `stats` (answered with this
// side's counts) and `close` (crowd hung up or simulator closed, answered with the final counts; the
// process then exits).
import { pino } from 'pino';
import { parseScenario } from '../src/simulator/scenario.js';
import { startSimulator, type Simulator, type SimulatorStats } from '../src/simulator/server.js';
import { createCrowd, type Crowd, type CrowdOptions, type CrowdStats } from '../test/helpers/crowd.js';

export type WorldStart =
  | { type: 'start'; role: 'simulator'; capacity: number; refusalWindowMs: number }
  | { type: 'start'; role: 'crowd'; crowd: CrowdOptions };
export type ToWorld = WorldStart | { type: 'add'; count: number; overMs: number } | { type: 'stats'; id: number } | { type: 'close' };

/** One side's counts (the other side's field is absent). */
export interface SideStats {
  at: number;
  sim?: SimulatorStats;
  crowd?: CrowdStats;
  /** CPU seconds this process has used. */
  cpuSeconds: number;
}
export type FromWorld = { type: 'ready'; url?: string; spaceId: string } | ({ type: 'stats'; id: number } & SideStats) | ({ type: 'closed' } & SideStats);

/**
 * A live Space from the first second; its listeners come from the connections, not the keyframes.
 * The default seed: API request n fails when draw n is below the refused share, and spacewatch's
 * ~150 probes are requests 1–150 in every run, so one seed gives every run the same draws.
 */
export const SCENARIO = parseScenario({ name: 'Join storm', spaceId: 'JoinStorm1', keyframes: [{ atSec: 0, listeners: 0 }] });

let sim: Simulator | undefined;
let crowd: Crowd | undefined;

const send = (msg: FromWorld): void => void process.send?.(msg);
const snapshot = (): SideStats => {
  const cpu = process.cpuUsage();
  return { at: Date.now(), ...(sim ? { sim: sim.stats() } : {}), ...(crowd ? { crowd: crowd.stats() } : {}), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
};

process.on('message', (msg: ToWorld) => {
  void handle(msg).catch((err: unknown) => {
    console.error('join-storm world:', err);
    process.exit(1);
  });
});
// If the parent dies without closing us, the IPC channel closes: leave with it.
process.on('disconnect', () => process.exit(0));

async function handle(msg: ToWorld): Promise<void> {
  switch (msg.type) {
    case 'start':
      if (msg.role === 'crowd') {
        crowd = createCrowd(msg.crowd);
        return send({ type: 'ready', spaceId: SCENARIO.spaceId });
      }
      sim = await startSimulator({
        scenario: SCENARIO,
        audience: 'connections',
        capacity: msg.capacity,
        refusalWindowMs: msg.refusalWindowMs,
        log: pino({ level: 'silent' }),
      });
      return send({ type: 'ready', url: sim.url, spaceId: SCENARIO.spaceId });
    case 'add':
      return crowd!.add(msg.count, msg.overMs);
    case 'stats':
      return send({ type: 'stats', id: msg.id, ...snapshot() });
    case 'close': {
      await crowd?.close();
      await sim?.close();
      send({ type: 'closed', ...snapshot() });
      process.disconnect();
      return;
    }
  }
}

// How busy the rest of the machine was. On a small shared machine other work (a test suite, a browser)
// takes cores from both the baseline and spacewatch, and not always equally; a figure is only
// readable beside that. Linux only (/proc); elsewhere the figure is reported as unknown.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSnapshot {
  at: number;
  /** CPU seconds spent by every process on the machine (user, nice, system, irq, softirq). */
  machine: number;
  /** CPU seconds spent by this process and its descendants (redis-server, redis-benchmark, the endpoint server). */
  ours: number;
}

const TICKS = clockTicks();

export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = cpu;
    return { at: performance.now(), machine: (user + nice + system + irq + softirq) / TICKS, ours: ourSeconds() };
  } catch {
    return undefined;
  }
}

/** Cores the rest of the machine kept busy on average between two snapshots. */
export function otherCores(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number {
  if (!a || !b || b.at <= a.at) return Number.NaN;
  return Math.max(0, (b.machine - a.machine - (b.ours - a.ours)) / ((b.at - a.at) / 1000));
}

function ourSeconds(): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      stats.set(Number(name), parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // the process ended while the list was read
    }
  }
  // Our own ticks include the children we have already waited for (cutime, cstime): finished runs of
  // redis-benchmark count too.
  let ticks = 0;
  const ours = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (!ours.has(pid) && ours.has(s.ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of ours) ticks += stats.get(pid)?.ticks ?? 0;
  return ticks / TICKS;
}

function parseStat(text: string): { ppid: number; ticks: number } {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

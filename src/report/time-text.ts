// How the report writes times and durations for people: always UTC (a report is read in other time
// zones than the one it was made in, and pasted into documents that say "UTC" once), minute precision
// in prose, second precision in tables. Pure.

const pad = (n: number) => String(n).padStart(2, '0');

/** "2025-11-21" (UTC). */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "20:43" (UTC). */
export function utcClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "2025-11-21 20:43:05" (UTC): table cells, where seconds matter and the column header says UTC. */
export function utcSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** "20:43" when `ms` falls on `day`'s UTC date, else "2025-11-22 00:10": prose that names the date once. */
export function utcClockOn(ms: number, day: number): string {
  return utcDate(ms) === utcDate(day) ? utcClock(ms) : `${utcDate(ms)} ${utcClock(ms)}`;
}

/** "45 s", "41 min", "1 h 5 min", "2 d 3 h": a length of time as a reporter writes it. */
export function spanText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${Math.round(abs / 1000)} s`;
  const min = Math.round(abs / 60_000);
  if (min < 60) return `${min} min`;
  if (min < 24 * 60) return min % 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min / 60} h`;
  const h = Math.round(min / 60);
  return h % 24 ? `${Math.floor(h / 24)} d ${h % 24} h` : `${h / 24} d`;
}

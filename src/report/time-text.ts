// How the report writes times and durations for people: always UTC (a report is read in other time
// zones than the one it was made in, and pasted into documents that say "UTC" once), minute precision
// for instants in prose, second precision in tables; durations exact to the second below an hour. Pure.

const DAY_MIN = 24 * 60;
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

/**
 * "45 s", "10 min 10 s", "1 h 5 min", "2 d 3 h": a length of time as a reporter writes it, in the
 * dashboard's one wording (src/dashboard/public/format.js formatDuration), so the page and every
 * export give one figure. Seconds kept below an hour (a delay of 610 s is cited as "10 min 10 s",
 * never rounded to "10 min"), minutes below a day.
 */
export function spanText(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  const s = Math.round(abs / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return parts(Math.floor(s / 60), 'min', s % 60, 's');
  const min = Math.round(s / 60);
  if (min < DAY_MIN) return parts(Math.floor(min / 60), 'h', min % 60, 'min');
  const h = Math.round(min / 60);
  return parts(Math.floor(h / 24), 'd', h % 24, 'h');
}

const parts = (big: number, bigUnit: string, small: number, smallUnit: string) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);

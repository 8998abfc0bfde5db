import { formatShare } from '../detect/window.js';
import { toIso } from '../schemas/common.js';
import { commentText } from './csv.js';
import { spanText } from './time-text.js';
import type { Report } from './types.js';

// The `#` lines at the top of the CSV export: enough for a reader who has only the file to know what
// was measured, how, and how to check that the rows are the ones the report was computed from.

/**
 * The API path of this report's CSV, with the range spelled out: a default `to` is "now", which
 * moves, so the path that reproduces the hashed rows names the instant the report was cut at.
 */
export function csvUrl(r: Report): string {
  const q = new URLSearchParams({ format: 'csv' });
  if (r.range.from !== undefined) q.set('from', toIso(r.range.from));
  q.set('to', toIso(r.range.to));
  return `/api/v1/targets/${encodeURIComponent(r.target.id)}/report?${q}`;
}

/** Comment lines, each starting with `# ` and ending in `\n`. */
export function csvComments(r: Report): string {
  const m = r.methodology;
  const file = `${r.target.id}-report.csv`;
  const lines = [
    `spacewatch observations of ${r.target.id} (${r.target.name})`,
    `range: ${r.range.from === undefined ? 'oldest kept' : toIso(r.range.from)} to ${toIso(r.range.to)}; generated ${toIso(r.generatedAt)}`,
    `observations: ${m.observations}; sources: ${m.sources.map((s) => `${s.source} ${s.observations}`).join(', ') || 'none'}; probed every ${m.intervalMs} ms`,
    'columns: at (epoch ms), time (UTC), state, listeners (empty: no count), join_ok (empty: no join attempt), join_ms, join_error, source (provenance; poll = spacewatch probe)',
    `report methodology: on air = live with >= 50 % of the last minute's joins succeeding, or a program-start mark; join-failure episodes = ${spanText(m.joinFailures.bucketMs)} buckets with >= ${m.joinFailures.minAttempts} attempts and >= ${formatShare(m.joinFailures.rate)} failed; listener-minutes = trapezoids between counts <= ${spanText(m.maxGapMs)} apart`,
    `sha256: ${r.sha256}`,
    `verify: grep -v '^#' ${file} | sha256sum   (the data lines: header and rows, comment lines excluded)`,
  ];
  return lines.map((l) => `# ${commentText(l)}\n`).join('');
}

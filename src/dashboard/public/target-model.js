// From API answers to what the overlays draw (target-overlay-data.js does the shaping), plus the
// colours the canvas needs, read from target.css so the theme stays in one place.

import { instantMs as ms } from './format.js';
import { alertBands, claimMarkers, markLines, ruleColors } from './target-overlay-data.js';
import { cssVar as css } from './theme.js';

export function cssColors() {
  const kinds = ['program-start', 'program-end', 'note', 'incident'];
  const labels = ['consistent', 'overstated', 'understated', 'unverifiable'];
  return {
    text: css('--text'),
    muted: css('--muted'),
    bg: css('--bg'),
    peak: css('--peak'),
    scheduled: css('--line-scheduled'),
    onAir: css('--line-onair'),
    verdict: Object.fromEntries(labels.map((l) => [l, css(`--verdict-${l}`)])),
    mark: Object.fromEntries(kinds.map((k) => [k, css(`--mark-${k}`)])),
    bands: [1, 2, 3, 4, 5, 6].map((i) => css(`--band-${i}`)),
  };
}

/**
 * `{ bands, marks, claims, ruleColor, scheduledStart, onAirAt, truncated }` from /status, /timeline
 * and /claims; `truncated`: the timeline held more entries than the API returns (the oldest are).
 */
export function buildOverlays({ status, timeline, claims, palette }) {
  const bands = alertBands(timeline.events);
  return {
    truncated: Boolean(timeline.truncated),
    bands,
    marks: markLines(timeline.events),
    claims: claimMarkers(claims.claims).filter((c) => Number.isFinite(c.at)),
    ruleColor: ruleColors(bands.map((b) => b.rule), palette),
    scheduledStart: ms(status.scheduledStart),
    onAirAt: ms(status.onAirAt),
  };
}

/** The alert-rule legend: a swatch and the rule's name (as text) per rule on the chart. */
export function renderRuleLegend(ul, ruleColor) {
  ul.replaceChildren();
  for (const [rule, color] of ruleColor) {
    const li = document.createElement('li');
    li.dataset.rule = rule;
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = color;
    li.append(sw, document.createTextNode(`alert: ${rule}`));
    ul.append(li);
  }
}

import { formatRatio } from '../claims/verdict.js';
import { formatCodes, formatCount, formatShare } from '../detect/window.js';
import { toIso } from '../schemas/common.js';
import { csvUrl } from './csv-comments.js';
import { claimedText, lateness } from './moments.js';
import { methodologyNotes } from './methodology.js';
import { headline } from './summary.js';
import { spanText, utcSeconds } from './time-text.js';
import type { Report } from './types.js';

// The report as Markdown: an incident summary a reviewer pastes into a postmortem (GitHub, GitLab,
// Confluence, a gist). Pasted text is rendered by someone else's renderer, so every string that is
// not ours (target name, claimant, quote, mark text; and, for simplicity, everything else in prose
// and table cells) goes through `mdText`: no HTML, no link or image syntax, no table break, no code
// span. Bare URLs (in a quote, in the claims' source column) stay text here, but GFM's autolink
// extension makes them clickable wherever it is on (GitHub, GitLab): docs/report.md says so.

/**
 * Plain text that renders as itself in CommonMark and GFM: control characters and line breaks
 * become spaces (a newline would end a table row or start a heading), `&<>` become entities (no raw
 * HTML, no autolink `<…>`), and the punctuation that opens markup — emphasis, link and image
 * brackets, code spans, strikethrough, table pipes — is backslash-escaped. Parentheses, `!` and `#`
 * are left alone: without a `[` they open nothing, and no line starts with the text escaped here.
 */
export function mdText(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replace(/[\\`*[\]|~]/g, '\\$&')
      // An underscore inside a word never opens emphasis (CommonMark §6.2): `http_5xx` stays readable.
      .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
  );
}

function table(head: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map(mdText).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)];
}

const time = (ms: number | undefined) => (ms === undefined ? '—' : utcSeconds(ms));

function onAir(r: Report): string {
  if (r.onAirAt !== undefined) return `${time(r.onAirAt)}${r.onAirBy === 'mark' ? ' (program-start mark)' : ''}`;
  return r.onAirBeforeRange ? 'before the range (not recorded when)' : '—';
}

export function toMarkdown(r: Report): string {
  const m = r.methodology;
  const jf = m.joinFailures;
  const l = r.listeners;
  const out: string[] = [];

  out.push(`# Post-incident report: ${mdText(r.target.name)}`, '');
  const range = `${r.range.from === undefined ? 'the oldest kept observation' : `${utcSeconds(r.range.from)} UTC`} to ${utcSeconds(r.range.to)} UTC`;
  out.push(mdText(`Target ${r.target.id} (${r.target.kind}, probed every ${spanText(r.target.intervalMs)}); range ${range}; generated ${utcSeconds(r.generatedAt)} UTC.`), '');
  out.push(mdText(headline(r)), '');

  out.push('## Timeline (UTC)', '');
  out.push(...(r.timeline.length ? table(['time', 'what'], r.timeline.map((e) => [utcSeconds(e.at), e.text])) : ['Nothing happened in this range that the report tracks.']), '');

  out.push('## Listeners', '');
  const meanWhen = l.meanFrom !== undefined && l.meanTo !== undefined ? ` (time-weighted, on air ${utcSeconds(l.meanFrom)} – ${utcSeconds(l.meanTo)})` : '';
  out.push(
    ...table(
      ['figure', 'value'],
      [
        ['scheduled start', time(r.scheduledStart)],
        ['source reported live', time(r.liveAt)],
        ['on air', onAir(r)],
        ['delay', r.delayMs === undefined ? '—' : lateness(r.delayMs)],
        ['ended', r.endedAt === undefined ? '—' : `${time(r.endedAt)}${r.endedBy === 'mark' ? ' (program-end mark)' : ' (reported by the source)'}`],
        ['duration on air', r.durationMs === undefined ? '—' : spanText(r.durationMs)],
        ['peak listeners', l.peak === undefined ? '—' : `${formatCount(l.peak)} at ${time(l.peakAt)}`],
        [`mean listeners${meanWhen}`, l.mean === undefined ? '—' : formatCount(l.mean)],
        ['listener-minutes', l.listenerMinutes === undefined ? '—' : formatCount(l.listenerMinutes)],
        ['join attempts (failed)', `${formatCount(r.joins.attempts)} (${formatCount(r.joins.failed)})`],
      ],
    ),
    '',
  );

  out.push('## Join failures', '');
  out.push(mdText(`Stretches of ${spanText(jf.bucketMs)} buckets holding at least ${jf.minAttempts} join attempts of which at least ${formatShare(jf.rate)} failed (the join_failures rule), adjacent buckets merged.`), '');
  out.push(
    ...(r.joinFailures.length
      ? table(
          ['from', 'to', 'duration', 'failed', 'attempts', 'share', 'codes'],
          r.joinFailures.map((e) => [utcSeconds(e.from), utcSeconds(e.to), spanText(e.to - e.from), formatCount(e.failed), formatCount(e.attempts), formatShare(e.failed / e.attempts), formatCodes(e.codes, Infinity)]),
        )
      : ['None.']),
    '',
  );

  out.push('## Alerts', '');
  out.push(
    ...(r.alerts.length
      ? table(
          ['rule', 'fired', 'resolved', 'duration', 'summary'],
          r.alerts.map((a) => [a.rule, utcSeconds(a.firedAt), a.resolvedAt === undefined ? 'still firing' : utcSeconds(a.resolvedAt), a.resolvedAt === undefined ? '—' : spanText(a.resolvedAt - a.firedAt), a.summary ?? '']),
        )
      : ['No alert fired in this range.']),
    '',
  );

  out.push('## Claims', '');
  out.push(
    ...(r.claims.length
      ? table(
          ['time', 'claimant', 'claimed', 'measured', 'ratio', 'verdict', 'why', 'quote', 'source'],
          r.claims.map((c) => {
            const v = c.verdict;
            const measured = v.measured !== undefined ? formatCount(v.measured) : (v.measuredState ?? '—');
            return [utcSeconds(c.claim.at), c.claim.claimant, claimedText(c), measured, v.ratio === undefined ? '—' : formatRatio(v.ratio), v.label, v.reason, c.claim.quote ?? '', c.claim.sourceUrl ?? ''];
          }),
        )
      : ['No claims about this range.']),
    '',
  );

  out.push('## Methodology', '');
  for (const line of methodologyNotes(r)) out.push(`- ${mdText(line)}`);
  out.push('');

  out.push('## Verifying the raw data', '');
  out.push(`SHA-256 of the CSV export's data lines (header and rows, comment lines excluded): \`${r.sha256}\``, '');
  out.push('```sh');
  out.push(`curl -s "$SPACEWATCH_URL${csvUrl(r)}" -o ${r.target.id}-report.csv`);
  out.push(`grep -v '^#' ${r.target.id}-report.csv | sha256sum`);
  out.push('```', '');
  out.push(mdText(`Generated by spacewatch at ${toIso(r.generatedAt)}. Verdicts are recomputed from the observations whenever a report is made; the hash covers the observations only.`), '');
  return out.join('\n');
}

import type { TargetEvent } from '../types.js';

// Alert episodes from the target's event stream: an `alert-firing` opens one for its rule and the
// next `alert-resolved` of that rule closes it (the same pairing as src/status/spans.ts). Alerts
// that went pending and cleared without firing paged nobody and are left out. Pure.

export interface AlertEpisode {
  rule: string;
  firedAt: number;
  /** Undefined while still firing. */
  resolvedAt?: number;
  /** The condition's one-line summary when it fired ("join failures 62 % over 2 m (31/50 attempts)"). */
  summary?: string;
}

/**
 * Episodes that overlap [from, to]: fired by `to`, and not resolved before `from`. Pass every event
 * (oldest first), not only the range's: an alert that fired before `from` may still be firing in it,
 * and one that fired in the range learns when it resolved even if that is after `to`.
 */
export function alertEpisodes(events: readonly TargetEvent[], from: number, to: number): AlertEpisode[] {
  const all: AlertEpisode[] = [];
  const open = new Map<string, AlertEpisode>();
  for (const e of events) {
    if (e.type !== 'alert-firing' && e.type !== 'alert-resolved') continue;
    const rule = String(e.data?.rule ?? '');
    const current = open.get(rule);
    if (e.type === 'alert-firing') {
      // A second firing without a resolution in between (an engine restarted mid-episode) is the same episode.
      if (current) continue;
      const summary = typeof e.data?.summary === 'string' ? e.data.summary : undefined;
      const episode: AlertEpisode = { rule, firedAt: e.at, ...(summary === undefined ? {} : { summary }) };
      open.set(rule, episode);
      all.push(episode);
    } else if (current) {
      current.resolvedAt = e.at;
      open.delete(rule);
    }
  }
  return all.filter((a) => a.firedAt <= to && (a.resolvedAt === undefined || a.resolvedAt >= from));
}

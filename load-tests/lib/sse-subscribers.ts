// K concurrent subscribers of /api/v1/targets/:id/live (Server-Sent Events, contracts.md §1). An
// endless stream is not something autocannon can measure, so each subscriber is an undici request
// whose body is read frame by frame: how long the stream took to open, and how long each
// observation took from its write to the store to its frame arriving here.
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';

export interface SseFrame {
  event: string;
  data: string;
}

/** Splits SSE text into complete frames; returns them and the unfinished rest (WHATWG HTML §9.2.6). */
export function parseFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  // A trailing CR may be the first half of a CRLF whose LF is in the next chunk: normalised now, it
  // would become one line end and the LF a second, ending the frame early. It waits for that chunk.
  const held = buffer.endsWith('\r') ? '\r' : '';
  const text = buffer.slice(0, buffer.length - held.length).replace(/\r\n?/g, '\n');
  let start = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
    const block = text.slice(start, end);
    start = end + 2;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue; // a comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) frames.push({ event, data: data.join('\n') });
  }
  return { frames, rest: text.slice(start) + held };
}

export interface Subscription {
  targetId: string;
  /** Request sent → response headers (the stream is open), ms; NaN if it never opened. */
  connectMs: number;
  status: number;
  observations: number;
  events: number;
  /** Frames whose write time was unknown (written before the subscriber's window began). */
  unmatched: number;
  /** Set when the stream failed or ended before it was stopped. */
  error?: string;
}

export interface Delivery {
  /** When the frame was read, epoch ms. */
  receivedAt: number;
  /** Write to the store → frame read, ms. */
  ms: number;
}

export interface Subscribers {
  /** Every observation frame whose write was seen, all subscribers together, in arrival order. */
  deliveries: Delivery[];
  subscriptions: Subscription[];
  /** Closes every stream and waits for the readers to finish. */
  stop(): Promise<void>;
}

/**
 * Opens one stream per target id (repeat an id for several subscribers of one target). `writtenAt`
 * answers when an observation of a target was handed to the store, in epoch ms with a fraction, or
 * undefined when it was not seen being written.
 */
export async function subscribe(base: string, targetIds: readonly string[], writtenAt: (targetId: string, at: number) => number | undefined): Promise<Subscribers> {
  // A pool of its own: long-lived streams must not take the connections the other clients use.
  const agent = new Agent({ connections: targetIds.length + 1, bodyTimeout: 0, headersTimeout: 10_000 });
  const abort = new AbortController();
  // One signal ends every stream; each request listens to it.
  setMaxListeners(targetIds.length + 10, abort.signal);
  const deliveries: Delivery[] = [];
  const now = () => performance.timeOrigin + performance.now();

  const one = async (sub: Subscription): Promise<void> => {
    const t0 = performance.now();
    try {
      const res = await request(`${base}/api/v1/targets/${encodeURIComponent(sub.targetId)}/live`, { dispatcher: agent, signal: abort.signal, headers: { accept: 'text/event-stream' } });
      sub.connectMs = performance.now() - t0;
      sub.status = res.statusCode;
      if (res.statusCode !== 200) {
        sub.error = `HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`;
        return;
      }
      res.body.setEncoding('utf8');
      let buffer = '';
      for await (const chunk of res.body as AsyncIterable<string>) {
        const received = now();
        const parsed = parseFrames(buffer + chunk);
        buffer = parsed.rest;
        for (const f of parsed.frames) {
          if (f.event === 'event') sub.events++;
          if (f.event !== 'observation') continue;
          sub.observations++;
          const at = (JSON.parse(f.data) as { at: number }).at;
          const written = writtenAt(sub.targetId, at);
          if (written === undefined) sub.unmatched++;
          else deliveries.push({ receivedAt: received, ms: Math.max(0, received - written) });
        }
      }
      if (!abort.signal.aborted) sub.error = 'the stream ended';
    } catch (err) {
      if (!abort.signal.aborted) sub.error = (err as Error).message;
    }
  };

  const subscriptions: Subscription[] = targetIds.map((targetId) => ({ targetId, connectMs: Number.NaN, status: 0, observations: 0, events: 0, unmatched: 0 }));
  const readers = subscriptions.map(one);
  return {
    deliveries,
    subscriptions,
    async stop() {
      abort.abort();
      await Promise.allSettled(readers);
      await agent.close();
    },
  };
}

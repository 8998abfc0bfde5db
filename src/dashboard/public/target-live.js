// Live updates of the target page: the SSE stream of the target (contracts.md §1) while it is up,
// polling while it is not. A stream that drops is retried by the browser (the server's `retry`); a
// stream that cannot be opened at all (an older server, a proxy that buffers) is retried slowly,
// and the page polls meanwhile, so it works the same without the stream, only less promptly.

const REOPEN_MS = 30_000;

/**
 * @param deps.url        (since) => the stream URL; `since` = epoch ms of the newest data held
 * @param deps.since      () => that instant
 * @param deps.onObservation (obs) => void, one per `observation` frame
 * @param deps.onEvent    (event) => void, one per `event` frame
 * @param deps.onMode     (mode: 'stream' | 'polling') => void; the page polls while 'polling'
 * @returns `{ close() }`
 */
export function connectLive(deps) {
  let source = null;
  let reopen = null;
  let closed = false;
  let mode = null;

  const setMode = (m) => {
    if (m === mode) return;
    mode = m;
    deps.onMode(m);
  };

  const parse = (e) => {
    try {
      return JSON.parse(e.data);
    } catch {
      return undefined; // a frame that is not JSON is not ours to act on
    }
  };

  function open() {
    reopen = null;
    if (closed) return;
    const es = new EventSource(deps.url(deps.since()));
    source = es;
    es.addEventListener('open', () => setMode('stream'));
    es.addEventListener('observation', (e) => {
      const obs = parse(e);
      if (obs) deps.onObservation(obs);
    });
    es.addEventListener('event', (e) => {
      const ev = parse(e);
      if (ev) deps.onEvent(ev);
    });
    es.addEventListener('error', () => {
      setMode('polling');
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error, a wrong content type).
      if (es.readyState === EventSource.CLOSED && !closed && !reopen) reopen = setTimeout(open, REOPEN_MS);
    });
  }

  setMode('polling');
  open();
  return {
    close() {
      closed = true;
      clearTimeout(reopen);
      source?.close();
    },
  };
}

// One Server-Sent Events stream, reopened by us rather than by the browser. EventSource's own
// reconnect reuses the URL it was opened with, so a `?since=` from the first open would replay the
// same backlog on every reconnect; and after a non-200 answer (a 503 when the server is full, a 404)
// it gives up for good. So on any error the stream is closed and opened again after a delay that
// grows while it keeps failing, with a URL built afresh. Works the same whether or not the server
// sends `id:` lines (a fresh EventSource sends no Last-Event-ID; the URL carries the cursor).

/** The wait before reopening after `failures` failed attempts in a row: base, doubling, capped. */
export function retryDelay(failures, baseMs, maxMs) {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 16)));
}

const parse = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // a frame that is not JSON is not ours to act on
  }
};

/**
 * @param o.url     () => the URL to open (called at every open, so it can carry a fresh `since`)
 * @param o.frames  `{ [event name]: (data) => void }`, data parsed from JSON
 * @param o.onOpen  () => void, each time the stream is up
 * @param o.onDown  () => void, each time it dropped or could not be opened (it is retried by itself)
 * @param o.retryMs first retry delay (the server's own `retry:` is 2 s); doubles up to o.maxRetryMs
 * @returns `{ isOpen(), close() }`: closed for good by close(); paused while the page is hidden in
 *   the back/forward cache (pagehide), and reopened when it is shown again.
 */
export function liveStream({ url, frames, onOpen = () => {}, onDown = () => {}, retryMs = 2000, maxRetryMs = 30_000 }) {
  let source = null;
  let timer = null;
  let failures = 0;
  let closed = false;

  function stop() {
    clearTimeout(timer);
    timer = null;
    source?.close();
    source = null;
  }

  function open() {
    stop();
    if (closed || typeof EventSource !== 'function') return;
    const es = new EventSource(url());
    source = es;
    es.addEventListener('open', () => {
      failures = 0;
      onOpen();
    });
    for (const [name, handle] of Object.entries(frames)) {
      es.addEventListener(name, (e) => {
        const data = parse(e.data);
        if (data !== undefined) handle(data);
      });
    }
    es.addEventListener('error', () => {
      if (source !== es) return;
      stop();
      failures++;
      onDown();
      if (!closed) timer = setTimeout(open, retryDelay(failures, retryMs, maxRetryMs));
    });
  }

  const onPageHide = () => stop();
  const onPageShow = (e) => {
    if (e.persisted && !closed) open();
  };
  window.addEventListener('pagehide', onPageHide);
  window.addEventListener('pageshow', onPageShow);
  open();

  return {
    /** Whether the stream is up now. */
    isOpen: () => source?.readyState === EventSource.OPEN,
    close() {
      closed = true;
      stop();
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
    },
  };
}

// Live updates of the target page: the SSE stream of the target (README "Live updates") while it is
// up, polling while it is not. Each (re)open asks for what is newer than the newest point the page
// holds (`since`), so a reconnect replays only what was missed; the page works the same without the
// stream (an older server, a proxy that buffers), only less promptly.

import { liveStream } from './live-stream.js';

/**
 * @param deps.url        (since) => the stream URL; `since` = epoch ms of the newest data held
 * @param deps.since      () => that instant, read at every (re)open
 * @param deps.onObservation (obs) => void, one per `observation` frame
 * @param deps.onEvent    (event) => void, one per `event` frame
 * @param deps.onMode     (mode: 'stream' | 'polling') => void; the page polls while 'polling'
 * @returns `{ close() }`
 */
export function connectLive(deps) {
  let mode = null;
  const setMode = (m) => {
    if (m === mode) return;
    mode = m;
    deps.onMode(m);
  };
  setMode('polling');
  return liveStream({
    url: () => deps.url(deps.since()),
    frames: { observation: deps.onObservation, event: deps.onEvent },
    onOpen: () => setMode('stream'),
    onDown: () => setMode('polling'),
  });
}

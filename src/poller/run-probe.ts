import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { classifyError } from '../sources/http.js';
import type { ProbeResult, SourceDefinition } from '../sources/source.js';
import type { JoinErrorCode, Target } from '../types.js';

export interface RunProbeOptions {
  timeoutMs: number;
  maxBytes: number;
  dispatcher: Dispatcher;
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  now: () => number;
  memory: Record<string, unknown>;
  stopSignal: AbortSignal;
  onHung?: () => void;
}

/** How long past its timeout a probe that ignores its abort signal is given before it is abandoned. */
const HUNG_GRACE_MS = 1_000;

/**
 * Runs one probe with its timeout and always returns a result. A probe is supposed to turn every
 * failure into a result itself; this is the backstop for the ones that throw or never settle, so one
 * bad probe can neither crash the poller nor hold a concurrency slot forever.
 */
export async function runProbe(source: SourceDefinition, target: Target, o: RunProbeOptions): Promise<ProbeResult> {
  // One controller per probe, aborted by its own timer or by the poller's stop. Not
  // AbortSignal.any([timeout, stop]): on Node 20 every composite stays registered on the long-lived
  // stop signal after it is done (nodejs/node#55351), so a poller would grow by one entry per probe
  // for its whole life.
  const controller = new AbortController();
  const onStop = () => controller.abort(o.stopSignal.reason);
  o.stopSignal.addEventListener('abort', onStop, { once: true });
  const timeout = setTimeout(() => controller.abort(new DOMException('probe timed out', 'TimeoutError')), o.timeoutMs);
  const signal = controller.signal;
  const start = o.now();
  let hung: NodeJS.Timeout | undefined;
  const backstop = new Promise<ProbeResult>((resolve) => {
    hung = setTimeout(() => {
      o.onHung?.();
      o.log.warn({ timeoutMs: o.timeoutMs }, 'probe ignored its abort signal; abandoned');
      resolve(failed('timeout', o.now() - start));
    }, o.timeoutMs + HUNG_GRACE_MS);
  });
  try {
    if (o.stopSignal.aborted) controller.abort(o.stopSignal.reason);
    return await Promise.race([
      source.probe(target, {
        signal,
        timeoutMs: o.timeoutMs,
        maxBytes: o.maxBytes,
        dispatcher: o.dispatcher,
        env: o.env,
        log: o.log,
        now: o.now,
        memory: o.memory,
      }),
      backstop,
    ]);
  } catch (err) {
    if (signal.aborted) return failed('timeout', o.now() - start);
    // A throw is a probe bug, not a property of the stream; keep polling, classify what we can, make it loud.
    o.log.error({ err }, 'probe threw instead of returning a result');
    // A network error that escaped the probe still has a meaningful class; anything else is a parsing bug.
    const networkish = typeof (err as { code?: unknown })?.code === 'string' || (err as Error)?.cause !== undefined;
    return failed(networkish ? classifyError(err) : 'invalid_payload', o.now() - start);
  } finally {
    clearTimeout(timeout);
    clearTimeout(hung);
    o.stopSignal.removeEventListener('abort', onStop);
  }
}

function failed(error: JoinErrorCode, ms: number): ProbeResult {
  return { state: 'unknown', join: { ok: false, ms, error } };
}

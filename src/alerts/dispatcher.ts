import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { NotifyError } from './notifiers/http.js';
import type { Notifier } from './notifiers/notifier.js';
import type { Transition } from './types.js';

// Between the alert engine and the receivers. `notify()` only queues, so a slow or dead receiver can
// never hold up polling, detection, or another receiver: each notifier has its own bounded queue and
// its own worker that sends one request at a time (so a receiver sees an alert's firing before its
// resolved), retries with backoff, and re-sends firing alerts to receivers that need it (Alertmanager).

export interface BackoffOptions {
  /** Delay before the first retry; doubled for each further one. */
  initialMs: number;
  maxMs: number;
}

export interface DispatcherOptions {
  notifiers: readonly Notifier[];
  log: Logger;
  registry: Registry;
  /** Base URL receivers use to link back (dashboard pages, Alertmanager's generatorURL). */
  publicUrl?: string;
  /** Notifications waiting per notifier (the one in flight included); past this, new ones are dropped and counted. */
  queueLimit?: number;
  /** Attempts per notification, the first included. Re-sends of a firing alert get one: the next re-send is their retry. */
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** Per-request budget when the notifier sets none. */
  timeoutMs?: number;
  /** How long close() keeps delivering what is queued before it gives up (and counts the rest as dropped). */
  closeTimeoutMs?: number;
  /** For tests of the jitter; defaults to Math.random. */
  random?: () => number;
}

export interface AlertDispatcher {
  /** Queues the transition for every notifier. Never blocks, never throws. Pending transitions are ignored. */
  notify(t: Transition): void;
  /** Stops re-sends, delivers what is queued within closeTimeoutMs, then aborts and drops the rest. */
  close(): Promise<void>;
}

export const DISPATCHER_DEFAULTS = {
  queueLimit: 1_000,
  maxAttempts: 5,
  backoff: { initialMs: 500, maxMs: 30_000 },
  timeoutMs: 10_000,
  closeTimeoutMs: 5_000,
} as const;

/**
 * Only news is sent: an alert that starts firing, and a firing alert that resolves. Pending is not
 * news (it may never fire), nor is a pending alert that clears before its `for`, nor an update of an
 * alert that is already firing: a `firing → firing` transition only refreshes what Alertmanager is
 * re-sent — which is also how an engine restored after a restart resumes the re-sends of the alerts
 * it finds firing, without paging Slack again.
 */
export function isNews(t: Transition): boolean {
  return (t.to === 'firing' && t.from !== 'firing') || (t.to === 'resolved' && t.from === 'firing');
}

export function createNotificationMetrics(registry: Registry) {
  const registers = [registry];
  return {
    notifications: new Counter({
      name: 'spacewatch_notifications_total',
      help: 'Notifications by notifier and outcome: sent, failed (refused, or retries exhausted) or dropped (queue full, or shutdown)',
      labelNames: ['notifier', 'result'],
      registers,
    }),
    retries: new Counter({ name: 'spacewatch_notification_retries_total', help: 'Failed notification attempts that were retried', labelNames: ['notifier'], registers }),
    duration: new Histogram({
      name: 'spacewatch_notification_duration_seconds',
      help: 'Time of one notification attempt, until the receiver answered or the attempt failed',
      labelNames: ['notifier'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queue: new Gauge({ name: 'spacewatch_notification_queue', help: 'Notifications waiting for the notifier, the one in flight included', labelNames: ['notifier'], registers }),
  };
}
type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;

function laneMetrics(metrics: NotificationMetrics, notifier: string) {
  const m = {
    sent: metrics.notifications.labels(notifier, 'sent'),
    failed: metrics.notifications.labels(notifier, 'failed'),
    dropped: metrics.notifications.labels(notifier, 'dropped'),
    retries: metrics.retries.labels(notifier),
    duration: metrics.duration.labels(notifier),
    queue: metrics.queue.labels(notifier),
  };
  // Zeros from the start, so rate() and alerts on these series work before the first failure.
  m.sent.inc(0);
  m.failed.inc(0);
  m.dropped.inc(0);
  m.retries.inc(0);
  m.queue.set(0);
  return m;
}
type LaneMetrics = ReturnType<typeof laneMetrics>;

interface Settings {
  publicUrl: string | undefined;
  queueLimit: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  timeoutMs: number;
  random: () => number;
}

interface Job {
  t: Transition;
  /** `<target>\0<rule>`: one alert. */
  key: string;
  attempts: number;
  repeat: boolean;
}

type Outcome = { done: true } | { done: false; retryInMs: number };

export function createDispatcher(o: DispatcherOptions): AlertDispatcher {
  const settings: Settings = {
    publicUrl: o.publicUrl,
    queueLimit: o.queueLimit ?? DISPATCHER_DEFAULTS.queueLimit,
    maxAttempts: Math.max(1, o.maxAttempts ?? DISPATCHER_DEFAULTS.maxAttempts),
    backoff: { ...DISPATCHER_DEFAULTS.backoff, ...o.backoff },
    timeoutMs: o.timeoutMs ?? DISPATCHER_DEFAULTS.timeoutMs,
    random: o.random ?? Math.random,
  };
  const metrics = createNotificationMetrics(o.registry);
  const lanes = o.notifiers.map((n) => new Lane(n, settings, metrics, o.log.child({ notifier: n.name, kind: n.kind, endpoint: n.endpoint })));
  let closing: Promise<void> | undefined;

  return {
    notify(t) {
      try {
        const news = isNews(t);
        if (closing) {
          if (news) for (const lane of lanes) lane.drop('dispatcher closed');
          return;
        }
        // A snapshot: the lifecycle may go on changing its Alert object while this one waits in a queue.
        const snapshot = structuredClone(t);
        const key = `${t.alert.targetId}\u0000${t.alert.rule}`;
        for (const lane of lanes) {
          lane.track(snapshot, key);
          if (news) lane.enqueue({ t: snapshot, key, attempts: 0, repeat: false });
        }
      } catch (err) {
        o.log.error({ err }, 'notification not queued');
      }
    },

    close() {
      closing ??= (async () => {
        for (const lane of lanes) lane.stopRepeats();
        const deadlineMs = o.closeTimeoutMs ?? DISPATCHER_DEFAULTS.closeTimeoutMs;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(resolve, deadlineMs, 'deadline')));
        const drained = Promise.all(lanes.map((l) => l.idle())).then(() => 'drained' as const);
        const first = await Promise.race([drained, deadline]);
        clearTimeout(timer);
        if (first === 'deadline') {
          for (const lane of lanes) lane.abort();
          await Promise.all(lanes.map((l) => l.idle()));
          for (const lane of lanes) lane.discard();
        }
      })();
      return closing;
    },
  };
}

/** One notifier's queue, worker, and re-send timer. */
class Lane {
  private readonly queue: Job[] = [];
  private pumping: Promise<void> | undefined;
  /** Aborted at close()'s deadline: cuts the request in flight and any backoff wait. */
  private readonly stop = new AbortController();
  /** Firing alerts to re-send, by key (only for notifiers with repeatIntervalMs). */
  private readonly firing = new Map<string, Transition>();
  private repeatTimer: NodeJS.Timeout | undefined;
  private repeatsStopped = false;
  /** Consecutive failed attempts, and drops, to keep a dead receiver or a storm from flooding the log. */
  private failures = 0;
  private drops = 0;
  private readonly m: LaneMetrics;

  constructor(
    private readonly notifier: Notifier,
    private readonly s: Settings,
    metrics: NotificationMetrics,
    private readonly log: Logger,
  ) {
    this.m = laneMetrics(metrics, notifier.name);
  }

  enqueue(job: Job): void {
    if (this.queue.length >= this.s.queueLimit) {
      this.drop('queue full');
      return;
    }
    this.drops = 0;
    this.queue.push(job);
    this.m.queue.set(this.queue.length);
    this.kick();
  }

  drop(why: string): void {
    this.m.dropped.inc();
    this.drops++;
    if (this.drops === 1 || this.drops % 100 === 0) this.log.warn({ why, queued: this.queue.length, dropped: this.drops }, 'notification dropped');
  }

  /** Keeps the set of firing alerts a repeating notifier re-sends; an alert leaves it when it resolves. */
  track(t: Transition, key: string): void {
    if (!this.notifier.repeatIntervalMs || this.repeatsStopped) return;
    if (t.to === 'firing') this.firing.set(key, t);
    else this.firing.delete(key);
    if (this.firing.size > 0 && !this.repeatTimer) {
      this.repeatTimer = setInterval(() => this.repeat(), this.notifier.repeatIntervalMs);
      // Re-sends are not a reason to keep the process alive; close() clears the timer.
      this.repeatTimer.unref();
    } else if (this.firing.size === 0) {
      clearInterval(this.repeatTimer);
      this.repeatTimer = undefined;
    }
  }

  stopRepeats(): void {
    this.repeatsStopped = true;
    clearInterval(this.repeatTimer);
    this.repeatTimer = undefined;
    this.firing.clear();
  }

  /** Resolves when nothing is queued or the worker was stopped. */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  abort(): void {
    this.stop.abort();
  }

  /** After abort(): what never went out is counted as dropped. */
  discard(): void {
    const lost = this.queue.length;
    if (lost === 0) return;
    this.m.dropped.inc(lost);
    this.queue.length = 0;
    this.m.queue.set(0);
    this.log.error({ lost }, 'notifications not delivered by the shutdown deadline');
  }

  private repeat(): void {
    for (const [key, t] of this.firing) {
      // The alert is still waiting to go out (the receiver is slow or down): one copy is enough.
      if (this.queue.some((j) => j.key === key && j.t.to === 'firing')) continue;
      this.enqueue({ t, key, attempts: 0, repeat: true });
    }
  }

  private kick(): void {
    if (this.pumping || this.stop.signal.aborted) return;
    this.pumping = this.pump()
      .catch((err: unknown) => this.log.error({ err }, 'notification worker failed'))
      .finally(() => {
        this.pumping = undefined;
        // A job queued while the worker was finishing would otherwise wait for the next one.
        if (this.queue.length > 0) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      const job = this.queue[0]!;
      const outcome = await this.attempt(job);
      if (outcome.done) {
        this.queue.shift();
        this.m.queue.set(this.queue.length);
      } else if (!this.stop.signal.aborted) {
        await sleep(outcome.retryInMs, undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    }
  }

  private async attempt(job: Job): Promise<Outcome> {
    job.attempts++;
    const ac = new AbortController();
    const onStop = () => ac.abort(new DOMException('dispatcher closed', 'AbortError'));
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    const timeoutMs = this.notifier.timeoutMs ?? this.s.timeoutMs;
    const timer = setTimeout(() => ac.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    const end = this.m.duration.startTimer();
    try {
      await untilAborted(this.notifier.send(job.t, { signal: ac.signal, publicUrl: this.s.publicUrl }), ac.signal);
      end();
      this.m.sent.inc();
      if (this.failures > 0) this.log.info({ afterFailures: this.failures }, 'notifier recovered');
      this.failures = 0;
      return { done: true };
    } catch (err) {
      end();
      // Cut short by close(): left queued, so discard() counts it as dropped.
      if (this.stop.signal.aborted) return { done: false, retryInMs: 0 };
      return this.failed(job, err, ac.signal.aborted);
    } finally {
      clearTimeout(timer);
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private failed(job: Job, err: unknown, timedOut: boolean): Outcome {
    this.failures++;
    // A notifier that does not go through postJson may throw its own AbortError on timeout.
    const e = err instanceof NotifyError ? err : timedOut ? new NotifyError('timeout', 'no answer in time') : undefined;
    const fields = {
      target: job.t.alert.targetId,
      rule: job.t.alert.rule,
      state: job.t.to,
      repeat: job.repeat,
      attempt: job.attempts,
      ...(e ? { reason: e.reason, status: e.status, error: e.message } : { err }),
    };
    // Anything but a NotifyError is a bug in the notifier: trying again would fail the same way.
    const maxAttempts = job.repeat ? 1 : this.s.maxAttempts;
    const noisy = this.failures === 1 || this.failures % 20 === 0;
    if (e?.retryable && job.attempts < maxAttempts) {
      const retryInMs = this.backoffMs(job.attempts, e.retryAfterMs);
      this.m.retries.inc();
      this.log[noisy ? 'warn' : 'debug']({ ...fields, retryInMs }, 'notification failed; will retry');
      return { done: false, retryInMs };
    }
    this.m.failed.inc();
    // A lost transition is always worth a line; a lost re-send only when the failures start (the next one follows).
    this.log[!job.repeat || noisy ? 'error' : 'debug'](fields, 'notification failed; giving up');
    return { done: true };
  }

  /** Exponential with "equal jitter": half the step fixed, half random, so receivers that failed together do not retry together. */
  private backoffMs(attempts: number, retryAfterMs: number | undefined): number {
    const { initialMs, maxMs } = this.s.backoff;
    const step = Math.min(maxMs, initialMs * 2 ** (attempts - 1));
    const jittered = step / 2 + this.s.random() * (step / 2);
    return Math.round(Math.min(maxMs, Math.max(jittered, retryAfterMs ?? 0)));
  }
}

/** Settles when `p` does or when `signal` aborts: a notifier that ignores its signal cannot hold its queue forever. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

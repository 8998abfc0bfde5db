import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { icecast, icecastMounts, probe, type IcecastConfig } from '../../src/sources/icecast.js';
import type { ProbeResult } from '../../src/sources/source.js';
import { joinStream } from '../../src/sources/stream-join.js';
import { startIcecast, type TestIcecast, type TestListener } from '../helpers/icecast.js';
import { closedPort, harness, sendJson, serve, target, type TestServer } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/icecast/${name}`, import.meta.url), 'utf8');

describe('icecast status parsing (/status-json.xsl)', () => {
  test('no source connected: icestats has no source key → no mounts', () => {
    assert.deepEqual(icecastMounts(JSON.parse(fixture('status-no-source.json'))), []);
  });

  test('one source: an object → one mount', () => {
    assert.deepEqual(icecastMounts(JSON.parse(fixture('status-one-source.json'))), [
      { mount: '/live', listeners: 3, listenerPeak: 3, streamStart: Date.parse('2026-11-21T13:31:48Z') },
    ]);
  });

  test('several sources: an array → every mount, told apart by the listenurl path', () => {
    assert.deepEqual(icecastMounts(JSON.parse(fixture('status-two-sources.json'))), [
      { mount: '/live', listeners: 187, listenerPeak: 212, streamStart: Date.parse('2026-11-21T13:31:48Z') },
      { mount: '/backup', listeners: 4, listenerPeak: 9, streamStart: Date.parse('2026-11-21T13:40:02Z') },
    ]);
  });

  test('counts as strings are read; entries without a listenurl and counts that are not counts are left out', () => {
    const payload = { icestats: { source: [{ listeners: 5 }, { listenurl: 'http://h:8000/a', listeners: '7', listener_peak: -1 }, 'junk'] } };
    assert.deepEqual(icecastMounts(payload), [{ mount: '/a', listeners: 7 }]);
  });

  test('no icestats object → invalid_payload', () => {
    for (const payload of [{}, [], null, 'x', { icestats: 'x' }]) assert.throws(() => icecastMounts(payload), { code: 'invalid_payload' });
  });
});

describe('icecast config', () => {
  test('the schema names the source kind and requires a mount', () => {
    const schema = icecast.configSchema as unknown as { properties: Record<string, { const?: string }>; required: string[] };
    assert.equal(schema.properties.kind!.const, 'icecast');
    assert.deepEqual(schema.required.sort(), ['kind', 'mount', 'url']);
  });
});

/**
 * A local server in Icecast's documented shapes, for the cases a real Icecast will not produce on
 * demand (a broken status page, a hidden mount, a peak reset between two probes). `answer.status`
 * is what /status-json.xsl answers (an HTTP status or a body); `/live` streams bytes until the
 * client leaves, `/broken` answers 500, anything else 404.
 */
async function fakeIcecast(): Promise<{ server: TestServer; answer: { status: number | string | object } }> {
  const answer: { status: number | string | object } = { status: fixture('status-one-source.json') };
  const server = await serve((req, res) => {
    if (req.url === '/status-json.xsl') {
      if (typeof answer.status === 'number') return sendJson(res, answer.status, {});
      return sendJson(res, 200, answer.status);
    }
    if (req.url === '/live') return stream(res);
    res.writeHead(req.url === '/broken' ? 500 : 404).end();
  });
  return { server, answer };
}

function stream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'audio/mpeg' });
  const timer = setInterval(() => res.write(Buffer.alloc(1024, 0xff)), 5);
  res.on('close', () => clearInterval(timer));
}

describe('icecast probe against Icecast-shaped answers', () => {
  const h = harness();
  let fake: Awaited<ReturnType<typeof fakeIcecast>>;
  before(async () => {
    fake = await fakeIcecast();
  });
  after(async () => {
    await fake?.server.close();
    await h.close();
  });
  const cfg = (over: Partial<IcecastConfig> = {}) => target<IcecastConfig>({ kind: 'icecast', url: fake.server.url, mount: '/live', ...over });
  const answer = (status: number | string | object) => {
    fake.answer.status = status;
  };

  test('picks the configured mount out of several, by exact path', async () => {
    answer(fixture('status-two-sources.json'));
    const backup = await probe(cfg({ mount: '/backup', join: false }), h.context({ memory: {} }));
    assert.deepEqual([backup.state, backup.listeners, backup.extra], ['live', 4, { listenerPeak: 9 }]);
    assert.equal(backup.startedAt, Date.parse('2026-11-21T13:40:02Z'));
    const prefix = await probe(cfg({ mount: '/back', join: false }), h.context({ memory: {} }));
    assert.deepEqual([prefix.state, prefix.join.ok, prefix.join.error, prefix.listeners], ['offline', false, 'no_source', undefined]);
  });

  test('join off: the status read is the join; no source → offline, no_source', async () => {
    answer(fixture('status-one-source.json'));
    const live = await probe(cfg({ join: false }), h.context({ memory: {} }));
    assert.deepEqual([live.state, live.listeners, live.join.ok, live.join.bytes], ['live', 3, true, Buffer.byteLength(fixture('status-one-source.json'))]);
    assert.equal(fake.server.requests.some((r) => r.url === '/live'), false);
    answer(fixture('status-no-source.json'));
    const none = await probe(cfg({ join: false }), h.context({ memory: {} }));
    assert.deepEqual([none.state, none.join.ok, none.join.error], ['offline', false, 'no_source']);
  });

  test('status page fails but the join gets audio → live, no count, the status error kept', async () => {
    answer(503);
    const r = await probe(cfg({ joinBytes: 2048 }), h.context({ memory: {} }));
    assert.deepEqual([r.state, r.listeners, r.join.ok, r.join.bytes, r.extra], ['live', undefined, true, 2048, { statusError: 'http_5xx' }]);
    answer('not json');
    const bad = await probe(cfg({ joinBytes: 2048 }), h.context({ memory: {} }));
    assert.deepEqual([bad.state, bad.join.ok, bad.extra], ['live', true, { statusError: 'invalid_payload' }]);
  });

  test('status page unreadable: the join decides what can be known', async () => {
    answer('not json');
    const broken = await probe(cfg({ mount: '/broken' }), h.context({ memory: {} }));
    assert.deepEqual([broken.state, broken.join.error, broken.extra], ['unknown', 'http_5xx', { statusError: 'invalid_payload' }]);
    // The mount answered 404: Icecast's "no source", even though the status page was unreadable.
    const gone = await probe(cfg({ mount: '/gone' }), h.context({ memory: {} }));
    assert.deepEqual([gone.state, gone.join.error, gone.extra], ['offline', 'no_source', { statusError: 'invalid_payload' }]);
    // Without a join there is nothing else to go on: the status failure is the result.
    const off = await probe(cfg({ join: false }), h.context({ memory: {} }));
    assert.deepEqual([off.state, off.join.ok, off.join.error], ['unknown', false, 'invalid_payload']);
  });

  test('a mount the status page does not list but that plays (a <hidden> mount) → live', async () => {
    answer(fixture('status-no-source.json'));
    const r = await probe(cfg({ joinBytes: 1000 }), h.context({ memory: {} }));
    assert.deepEqual([r.state, r.listeners, r.join.ok, r.join.bytes], ['live', undefined, true, 1000]);
  });

  test('listener_peak lower than last seen → a source-reconnect event, once', async () => {
    const memory = {};
    const withPeak = (peak: number, start = '2026-11-21T13:31:48+0000') => {
      const doc = JSON.parse(fixture('status-one-source.json'));
      Object.assign(doc.icestats.source, { listener_peak: peak, stream_start_iso8601: start });
      return doc;
    };
    const run = async (doc: object) => {
      answer(doc);
      return probe(cfg({ join: false }), h.context({ memory }));
    };
    assert.equal((await run(withPeak(9))).events, undefined, 'nothing to compare with on the first probe');
    assert.equal((await run(withPeak(12))).events, undefined, 'a rising peak is not a reconnect');
    const reset = await run(withPeak(2));
    assert.deepEqual(reset.events, [{ type: 'source-reconnect', data: { peakBefore: 12, peakNow: 2, streamStartBefore: '2026-11-21T13:31:48.000Z', streamStartNow: '2026-11-21T13:31:48.000Z' } }]);
    assert.equal((await run(withPeak(2))).events, undefined);
    // A reconnect with nobody listening leaves the peak at 0; the new stream_start still shows it.
    const restart = await run(withPeak(2, '2026-11-21T14:00:00+0000'));
    assert.deepEqual(restart.events?.map((e) => e.data?.streamStartNow), ['2026-11-21T14:00:00.000Z']);
  });

  test('a server that is not there → connect_refused, and no join is attempted', async () => {
    const port = await closedPort();
    const started = performance.now();
    const r = await probe(target<IcecastConfig>({ kind: 'icecast', url: `http://127.0.0.1:${port}`, mount: '/live' }), h.context({ memory: {} }));
    assert.deepEqual([r.state, r.join.ok, r.join.error], ['unknown', false, 'connect_refused']);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('icecast against a real Icecast 2.4 fed by ffmpeg', () => {
  // Icecast reads an MP3 source in 4 KiB blocks and serves listeners (and notices departed ones)
  // only as a block arrives: every half second at 64 kbit/s. Joins take that long, and a listener
  // that hung up is counted until the next block; hence the generous timeout and the polling below.
  const h = harness({ timeoutMs: 5_000 });
  let ice: TestIcecast;
  const open: TestListener[] = [];
  before(async () => {
    ice = await startIcecast();
    await ice.startSource('/live');
  });
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    await ice?.destroy();
    await h.close();
  });
  const cfg = (over: Partial<IcecastConfig> = {}) => target<IcecastConfig>({ kind: 'icecast', url: ice.url, mount: '/live', ...over });
  const listen = async (n: number, mount = '/live') => {
    const ls = await ice.listen(n, mount);
    open.push(...ls);
    return ls;
  };

  /** Probes until `want` holds on two probes in a row (the count has settled), or fails with what was seen. */
  async function probeUntil(c: ReturnType<typeof cfg>, want: (r: ProbeResult) => boolean, memory: Record<string, unknown> = {}, seen: ProbeResult[] = []): Promise<ProbeResult> {
    const deadline = Date.now() + 10_000;
    let streak = 0;
    while (Date.now() < deadline) {
      const r = await probe(c, h.context({ memory }));
      seen.push(r);
      streak = want(r) ? streak + 1 : 0;
      if (streak === 2) return r;
      await sleep(50);
    }
    assert.fail(`condition not met within 10 s; last results:\n${seen.slice(-3).map((r) => JSON.stringify(r)).join('\n')}\n${ice.logs().slice(-2000)}`);
  }

  test('a live mount: live, the join reads joinBytes of audio, time to first byte, start time', async () => {
    const r = await probe(cfg({ joinBytes: 4096 }), h.context({ memory: {} }));
    assert.equal(r.state, 'live');
    assert.equal(r.join.ok, true, JSON.stringify(r));
    assert.ok(r.join.ms > 0, `join ms ${r.join.ms}`);
    assert.ok(r.join.bytes! > 0 && r.join.bytes! <= 4096, `bytes ${r.join.bytes}`);
    assert.equal(typeof r.listeners, 'number');
    assert.equal(typeof r.extra?.listenerPeak, 'number');
    assert.ok(r.startedAt! <= Date.now() && r.startedAt! > Date.now() - 120_000, `startedAt ${r.startedAt}`);
  });

  test('measures exactly N listeners, not counting its own join, and follows them as they leave', async () => {
    const listeners = await listen(5);
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 5);
    // The status is read before the join, so a probe never counts its own listener…
    const joined = await probe(cfg({ joinBytes: 4096 }), h.context({ memory: {} }));
    assert.deepEqual([joined.listeners, joined.join.ok], [5, true]);
    // …and the join hangs up, so it does not stay counted.
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 5);
    await Promise.all(listeners.slice(0, 3).map((l) => l.close()));
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 2);
    await Promise.all(listeners.slice(3).map((l) => l.close()));
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 0);
  });

  test('joinStream reads at most `bytes`, hands them to onAudio, and hangs up', async () => {
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 0);
    const chunks: Buffer[] = [];
    const j = await joinStream(`${ice.url}/live`, h.context(), { bytes: 3000, onAudio: (c) => chunks.push(c) });
    assert.deepEqual([j.ok, j.bytes, j.status, j.contentType], [true, 3000, 200, 'audio/mpeg']);
    assert.equal(Buffer.concat(chunks).length, 3000);
    await probeUntil(cfg({ join: false }), (r) => r.listeners === 0);
  });

  test('the join is capped by the poller-wide byte limit', async () => {
    const r = await probe(cfg({ joinBytes: 65_536 }), h.context({ memory: {}, maxBytes: 2_000 }));
    assert.deepEqual([r.state, r.join.ok, r.join.bytes], ['live', true, 2_000]);
  });

  test('a mount with no source: 404 to a listener → offline, no_source', async () => {
    const r = await probe(cfg({ mount: '/nothing' }), h.context({ memory: {} }));
    assert.deepEqual([r.state, r.join.ok, r.join.error, r.listeners], ['offline', false, 'no_source', undefined]);
    const statusOnly = await probe(cfg({ mount: '/nothing', join: false }), h.context({ memory: {} }));
    assert.deepEqual([statusOnly.state, statusOnly.join.error], ['offline', 'no_source']);
  });

  test('the source dies → offline, no_source; it comes back → live, join ok, source-reconnect', async () => {
    await ice.startSource('/crash');
    const memory: Record<string, unknown> = {};
    const crash = cfg({ mount: '/crash', joinBytes: 4096 });
    await listen(2, '/crash');
    await probeUntil(cfg({ mount: '/crash', join: false }), (r) => r.listeners === 2, memory);
    const before = await probe(crash, h.context({ memory }));
    assert.deepEqual([before.state, before.listeners, before.join.ok], ['live', 2, true]);

    await ice.killSource('/crash');
    const down = await probe(crash, h.context({ memory }));
    assert.deepEqual([down.state, down.join.ok, down.join.error, down.listeners], ['offline', false, 'no_source', undefined]);

    await ice.startSource('/crash');
    const seen: ProbeResult[] = [];
    const back = await probeUntil(crash, (r) => r.state === 'live' && r.join.ok, memory, seen);
    assert.ok(back.join.ms > 0);
    // Icecast dropped the old source's statistics with it: the peak starts again from the listeners
    // of the new source (none yet, bar a join), which is how the probe tells a reconnect happened.
    const events = seen.flatMap((r) => r.events ?? []);
    assert.equal(events.length, 1, JSON.stringify(events));
    const data = events[0]!.data as { peakBefore: number; peakNow: number };
    assert.equal(events[0]!.type, 'source-reconnect');
    assert.ok(data.peakBefore >= 2 && data.peakNow < data.peakBefore, JSON.stringify(data));
  });
});

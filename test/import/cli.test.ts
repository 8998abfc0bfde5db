// `spacewatch import` end to end: the real CLI as a child process against the real app listening on
// a real port, and runImport in-process where the server must be made to refuse something.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildApp } from '../../src/http/app.js';
import { runImport } from '../../src/import/run.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

const TOKEN = 'import-test-token-0123456789';
const T0 = Date.parse('2025-11-21T16:00:00.000Z');
const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;

interface Server {
  app: FastifyInstance;
  store: MemoryStore;
  base: string;
}

async function serve(opts: { token?: string; importMaxRows?: number } = {}): Promise<Server> {
  const store = new MemoryStore();
  const app = await buildApp({ store, sources: defaultSources(), registry: new Registry(), ...opts });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  for (const id of ['show', 'other']) {
    const res = await fetch(`${base}/api/v1/targets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      body: JSON.stringify({ id, name: id, source: { kind: 'x-space', spaceId: '1Show', url: 'http://127.0.0.1:9' }, intervalMs: 5000 }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  return { app, store, base };
}

let open: Server;
let locked: Server;
let dir: string;

before(async () => {
  open = await serve();
  locked = await serve({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'spacewatch-import-'));
});

after(async () => {
  for (const s of [open, locked]) {
    await s?.app.close();
    await s?.store.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    delete clean.SPACEWATCH_TOKEN;
    delete clean.SPACEWATCH_URL;
    execFile(process.execPath, ['--import', 'tsx', CLI, 'import', ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

// A report-style CSV: comment lines, a header, one bad row on line 6.
const CSV = [
  '# spacewatch observations of show',
  '# sha256 of the data lines: abc',
  'at,time,state,listeners,join_ok,join_ms,join_error,source',
  `${T0},2025-11-21T16:00:00.000Z,live,1200,true,120,,`,
  `${T0 + 5000},2025-11-21T16:00:05.000Z,live,"1,250",true,110,,`,
  `${T0 + 10_000},2025-11-21T16:00:10.000Z,live,1300,true,100,,partner`,
  `${T0 + 15_000},2025-11-21T16:00:15.000Z,unknown,,false,5000,http_5xx,`,
  '',
].join('\n');

test('CSV import: rows land with their provenance, a bad row is reported by line (exit 1), a rerun counts duplicates', async () => {
  const path = file('night.csv', CSV);
  const first = await cli([path, '--target', 'show', '--url', open.base]);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /^line 5: listeners: must be an integer ≥ 0$/m);
  assert.match(first.stdout, /: 4 rows read, 3 written, 0 duplicates, 1 rejected, [\d.]+ s\n$/);

  const rows = await open.store.range('show', T0 - 1, T0 + 60_000);
  assert.deepEqual(
    rows.map((r) => [r.at - T0, r.listeners, r.join?.error, r.source]),
    [
      [0, 1200, undefined, 'import:night.csv'],
      [10_000, 1300, undefined, 'partner'],
      [15_000, undefined, 'http_5xx', 'import:night.csv'],
    ],
  );

  const again = await cli([path, '--target', 'show', '--url', open.base, '--source', 'night-export']);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /: 4 rows read, 0 written, 3 duplicates, 1 rejected/);
});

test('NDJSON import: API rows per line, in small batches, $SPACEWATCH_URL; a rerun is all duplicates and still exit 0', async () => {
  const lines = [];
  for (let i = 0; i < 25; i++) lines.push(JSON.stringify({ at: new Date(T0 + i * 1000).toISOString(), state: 'live', listeners: 500 + i, ...(i % 2 ? { source: 'odd' } : {}) }));
  const path = file('rows.ndjson', `${lines.join('\n')}\n`);
  const run = await cli([path, '--target', 'other', '--batch', '10'], { SPACEWATCH_URL: `${open.base}/api/v1/` });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /: 25 rows read, 25 written, 0 duplicates, 0 rejected/);
  const rows = await open.store.range('other', T0, T0 + 60_000);
  assert.equal(rows.length, 25);
  assert.deepEqual([rows[0]!.listeners, rows[0]!.source, rows[1]!.source, rows[24]!.listeners], [500, 'import:rows.ndjson', 'odd', 524]);

  const again = await cli([path, '--target', 'other', '--url', open.base]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /: 25 rows read, 0 written, 25 duplicates, 0 rejected/);
});

test('auth: no token or a wrong one is exit 2 with one clear line and the token never printed; the right one imports', async () => {
  const path = file('auth.ndjson', `{"at":${T0},"listeners":1}\n`);
  const none = await cli([path, '--target', 'show', '--url', locked.base]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^spacewatch import: http:\/\/127\.0\.0\.1:\d+ needs a token for writes: .* — pass --token or set SPACEWATCH_TOKEN\n$/);

  const wrong = await cli([path, '--target', 'show', '--url', locked.base, '--token', 'not-the-token-at-all-x']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /^spacewatch import: http:\/\/127\.0\.0\.1:\d+ refused the token: .* — check --token or SPACEWATCH_TOKEN\n$/);
  assert.ok(!wrong.stderr.includes('not-the-token') && !wrong.stdout.includes('not-the-token'), 'token not echoed');

  const right = await cli([path, '--target', 'show', '--url', locked.base], { SPACEWATCH_TOKEN: TOKEN });
  assert.equal(right.code, 0, right.stderr);
  assert.ok(!right.stderr.includes(TOKEN) && !right.stdout.includes(TOKEN));
  assert.equal((await locked.store.range('show', T0, T0)).length, 1);
});

test('unknown target, unreachable server, usage errors: exit 2 with one line', async () => {
  const path = file('one.csv', `at,listeners\n${T0},1\n`);
  const unknown = await cli([path, '--target', 'nope', '--url', open.base]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^spacewatch import: no target "nope" at http:\/\/127\.0\.0\.1:\d+\n$/);

  // A port nothing listens on: the closed server's, found by listening and closing.
  const gone = await serve();
  await gone.app.close();
  await gone.store.close();
  const down = await cli([path, '--target', 'show', '--url', gone.base]);
  assert.equal(down.code, 2);
  assert.match(down.stderr, /^spacewatch import: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); gave up after 4 attempts\n$/);

  const noTarget = await cli([path, '--url', open.base]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /required option '-t, --target <id>' not specified/);

  const noFormat = await cli([file('rows.txt', 'x'), '--target', 'show', '--url', open.base]);
  assert.equal(noFormat.code, 2);
  assert.match(noFormat.stderr, /cannot tell the format of ".*rows\.txt" from its name: pass --format csv or --format ndjson/);

  const missing = await cli([join(dir, 'absent.csv'), '--target', 'show', '--url', open.base]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*absent\.csv: ENOENT/);

  const notObservations = await cli([file('other.csv', 'name,value\n1,2\n'), '--target', 'show', '--url', open.base]);
  assert.equal(notObservations.code, 2);
  assert.match(notObservations.stderr, /^spacewatch import: line 1: the header names no "at" or "time" column/m);
});

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

test('batches over the server\'s row limit are split; a row the server refuses is reported by its file line; a network blip is retried', async (t) => {
  const small = await serve({ importMaxRows: 3 });
  t.after(async () => {
    await small.app.close();
    await small.store.close();
  });
  const lines = ['at,listeners'];
  for (let i = 0; i < 10; i++) lines.push(`${T0 + i * 1000},${100 + i}`);
  const path = file('split.csv', `${lines.join('\n')}\n`);

  // The server itself refuses the row at T0+4000 (sent with a time the schema allows but the store cannot
  // hold), and the first request dies on the wire: both are the real client paths.
  let calls = 0;
  const tamper: typeof fetch = async (input, init) => {
    calls++;
    if (calls === 2) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    const body = typeof init?.body === 'string' ? init.body.replace(`"at":${T0 + 4000},`, '"at":0,') : init?.body;
    return fetch(input, { ...init, body });
  };
  const out = sink();
  const err = sink();
  const code = await runImport(
    { file: path, target: 'show', url: small.base, batch: 8 },
    { stdout: out.stream, stderr: err.stream, fetch: tamper, backoffMs: 10 },
  );
  assert.equal(code, 1, err.text());
  assert.match(err.text(), /^line 6: refused by the server: at: must be after 1970-01-01T00:00:00\.000Z$/m);
  assert.match(out.text(), /: 10 rows read, 9 written, 0 duplicates, 1 rejected/);
  const rows = await small.store.range('show', T0, T0 + 60_000);
  assert.deepEqual(rows.map((r) => r.listeners), [100, 101, 102, 103, 105, 106, 107, 108, 109]);
});

test('a 2xx that is not an import result (a proxy\'s page, another service) stops the import: exit 2, one line', async (t) => {
  // Answers the empty check as spacewatch would, then like a captive portal: 200 and HTML.
  let posts = 0;
  const portal = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      if (posts === 1) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"written":0,"duplicates":0}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Please log in</body></html>');
    });
  });
  portal.listen(0, '127.0.0.1');
  await new Promise((r) => portal.once('listening', r));
  t.after(() => portal.close());
  const base = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
  const path = file('portal.csv', `at,listeners\n${T0},1\n${T0 + 1000},2\n`);
  const out = sink();
  const err = sink();
  const code = await runImport({ file: path, target: 'show', url: base, batch: 10 }, { stdout: out.stream, stderr: err.stream });
  assert.equal(code, 2, err.text());
  assert.match(err.text(), /^spacewatch import: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/targets\/show\/observations answered 200 \(text\/html\) without an import result: is it a spacewatch server\?\n$/m);
  assert.match(out.text(), /: 2 rows read, 0 written, 0 duplicates, 0 rejected/);

  // JSON without the counts is no better, and is caught by the check before the file is read.
  const other = sink();
  const code2 = await runImport(
    { file: path, target: 'show', url: open.base, batch: 10 },
    { stdout: sink().stream, stderr: other.stream, fetch: async () => Response.json({ ok: true }) },
  );
  assert.equal(code2, 2, other.text());
  assert.match(other.text(), /answered 200 \(application\/json\) without an import result/);
});

test('a .json file holding a JSON array: exit 2 with how to convert it, not every line rejected', async () => {
  const path = file('rows.json', `[\n  {"at": ${T0}, "listeners": 1},\n  {"at": ${T0 + 1000}, "listeners": 2}\n]\n`);
  const run = await cli([path, '--target', 'show', '--url', open.base]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^spacewatch import: line 1: this is a JSON array, not NDJSON: .*jq -c '\.\[\]'/m);
  assert.match(run.stdout, /: 0 rows read, 0 written, 0 duplicates, 0 rejected/);
});

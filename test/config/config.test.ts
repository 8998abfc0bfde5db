import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { defaultSources } from '../../src/sources/index.js';

// As blackbox_exporter's config/testdata: every invalid file has a test asserting its exact message,
// so a message that stops naming the field or the rule is caught.

const DIR = 'test/config/testdata';
const EXPECTED: Record<string, string> = {
  'invalid-concurrency.yml': 'poller.concurrency: must be >= 1',
  'invalid-dot-path.yml': 'targets[0].source.listenersPath: must be a dot path such as data.participant_count or items.0.viewers',
  'invalid-duplicate-id.yml': 'targets[1].id: duplicate id "a" (also targets[0])',
  'invalid-hls-join.yml': 'targets[0].source.join: must be true or false',
  'invalid-icecast-mount.yml': 'targets[0].source.mount: must be a mount path starting with "/", such as /live',
  'invalid-interval.yml': 'targets[0].intervalMs: must be an integer number of milliseconds between 250 and 86400000',
  'invalid-log-level.yml': 'log.level: must be one of fatal, error, warn, info, debug, trace, silent',
  'invalid-missing-space-id.yml': 'targets[0].source.spaceId: is required',
  'invalid-notifier-duplicate-name.yml': 'notifiers[1].name: duplicate name "newsroom" (also notifiers[0])',
  'invalid-notifier-header.yml': 'notifiers[0].headers: header names must be HTTP tokens (letters, digits and !#$%&\'*+.^_`|~-)',
  'invalid-notifier-kind.yml': 'notifiers[0].kind: must be one of webhook, slack, alertmanager',
  'invalid-notifier-label.yml': 'notifiers[0].labels: label names must match [a-zA-Z_][a-zA-Z0-9_]*',
  'invalid-notifier-name.yml': 'notifiers[0].name: must be 1–64 characters of A-Z, a-z, 0-9, ".", "-" and "_", starting with a letter or digit',
  'invalid-notifier-repeat-interval.yml': 'notifiers[0].repeatIntervalMs: must be an integer number of milliseconds between 1000 and 3600000',
  'invalid-notifier-secret.yml': 'notifiers[0].secret: must be at least 16 characters',
  'invalid-notifier-slack-secret.yml': 'notifiers[0].secret: is not a known field',
  'invalid-port.yml': 'server.port: must be an integer port number 0–65535',
  'invalid-redis-url.yml': 'storage.redisUrl: must be a redis:// or rediss:// URL',
  'invalid-root.yml': '(root): must be a mapping of sections (server, storage, poller, alerts, log, targets, notifiers)',
  'invalid-schedule-order.yml': 'targets[0].schedule.end: must be after schedule.start',
  'invalid-schedule.yml': 'targets[0].schedule.start: must be an ISO-8601 date-time or epoch milliseconds',
  // The list is the registry's: every registered source kind, in registration order.
  'invalid-source-kind.yml': `targets[0].source.kind: must be one of ${Object.keys(defaultSources()).join(', ')}`,
  'invalid-source-url.yml': 'targets[0].source.url: must be an http(s) URL',
  'invalid-target-id.yml': 'targets[0].id: must be 1–64 characters of a-z, 0-9, "-" and "_", starting with a letter or digit',
  'invalid-token.yml': 'server.token: must be at least 16 characters',
  'invalid-unknown-section.yml': 'serverr: is not a known field',
  'invalid-youtube-video-id.yml': 'targets[0].source.videoId: must be a YouTube video ID (the 11 characters after watch?v=)',
};

describe('invalid config files', () => {
  test('every testdata file has an expected message', () => {
    const files = readdirSync(DIR).filter((f) => f.startsWith('invalid-') && f !== 'invalid-yaml.yml');
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  });

  for (const [file, message] of Object.entries(EXPECTED)) {
    test(file, () => {
      assert.throws(() => loadConfig(`${DIR}/${file}`, {}), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.message, `${DIR}/${file}: ${message}`);
        return true;
      });
    });
  }

  test('invalid YAML names the line and column', () => {
    assert.throws(() => loadConfig(`${DIR}/invalid-yaml.yml`, {}), {
      message: `${DIR}/invalid-yaml.yml:2:9: invalid YAML: Nested mappings are not allowed in compact mappings`,
    });
  });

  test('a missing file says so', () => {
    assert.throws(() => loadConfig(`${DIR}/nope.yml`, {}), { message: `${DIR}/nope.yml: cannot read the config file (no such file)` });
  });
});

describe('environment overrides', () => {
  test('override the file and are validated under their own names', () => {
    const cfg = parseConfig({ server: { port: 1 } }, { PORT: '9000', HOST: '127.0.0.1', REDIS_URL: 'redis://r:6379', LOG_LEVEL: 'debug', SPACEWATCH_TOKEN: 'x'.repeat(20), SPACEWATCH_ROLE: 'api' }, 'f');
    assert.equal(cfg.server.port, 9000);
    assert.equal(cfg.server.host, '127.0.0.1');
    assert.equal(cfg.storage.redisUrl, 'redis://r:6379');
    assert.equal(cfg.log.level, 'debug');
    assert.equal(cfg.server.token, 'x'.repeat(20));
    assert.equal(cfg.role, 'api');
  });

  const BAD_ENV: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT: must be an integer port number 0–65535'],
    [{ PORT: '70000' }, 'PORT: must be an integer port number 0–65535'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL: must be a redis:// or rediss:// URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ SPACEWATCH_TOKEN: 'short' }, 'SPACEWATCH_TOKEN: must be at least 16 characters'],
    [{ SPACEWATCH_ROLE: 'both' }, 'SPACEWATCH_ROLE: must be one of all, api, poller'],
  ];
  for (const [env, message] of BAD_ENV) {
    test(`rejects ${Object.keys(env)[0]}=${Object.values(env)[0]}`, () => {
      assert.throws(() => parseConfig({}, env, 'f'), { message });
    });
  }
});

describe('defaults and freezing', () => {
  test('an empty file gets defaults an operator would accept', () => {
    const cfg = parseConfig(null, {}, 'f');
    assert.equal(cfg.server.port, 8080);
    assert.equal(cfg.storage.redisUrl, undefined);
    assert.equal(cfg.poller.defaultIntervalMs, 5000);
    assert.equal(cfg.role, 'all');
    assert.deepEqual(cfg.targets, []);
  });

  test('the validated config is frozen', () => {
    const cfg = parseConfig({}, {}, 'f');
    assert.throws(() => {
      (cfg.server as { port: number }).port = 1;
    }, TypeError);
  });

  test('loadConfig says whether the file itself set server.host (not the default, not HOST)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spacewatch-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const set = loadConfig(file('host.yaml', 'server:\n  host: 0.0.0.0\n'), {});
    assert.deepEqual([set.config.server.host, set.hostFromFile], ['0.0.0.0', true]);
    const unset = loadConfig(file('port.yaml', 'server:\n  port: 9000\n'), { HOST: '10.0.0.1' });
    assert.deepEqual([unset.config.server.host, unset.hostFromFile], ['10.0.0.1', false]);
    assert.equal(loadConfig(file('empty.yaml', ''), {}).hostFromFile, false);
    assert.equal(loadConfig(undefined, {}).hostFromFile, false);
  });

  test('the shipped example config is valid', () => {
    const { config } = loadConfig('spacewatch.example.yaml', {});
    assert.deepEqual([...new Set(config.targets.map((t) => t.source.kind))].sort(), ['hls', 'icecast', 'json', 'twitch', 'x-space', 'youtube']);
  });
});

describe('notifiers', () => {
  test('every kind with every field parses', () => {
    const notifiers = [
      { kind: 'webhook', name: 'hook', url: 'https://hooks.example.com/spacewatch', secret: 'x'.repeat(32), headers: { Authorization: 'Bearer t' }, timeoutMs: 5000 },
      { kind: 'slack', name: 'ops', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
      { kind: 'alertmanager', url: 'http://alertmanager:9093', repeatIntervalMs: 30000, labels: { env: 'prod' }, headers: { 'X-Scope-OrgID': 'radio' } },
    ];
    assert.deepEqual(parseConfig({ notifiers }, {}, 'f').notifiers, notifiers);
  });
});

describe('spacewatch check-config', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config', ...args], { encoding: 'utf8', env: { ...process.env, PORT: '', REDIS_URL: '' } });

  test('exits 0 and summarises a valid file', () => {
    const r = run('spacewatch.example.yaml');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /spacewatch\.example\.yaml: ok — \d+ target\(s\)/);
  });

  test('exits non-zero with the field and the rule for an invalid file', () => {
    const r = run(`${DIR}/invalid-source-url.yml`);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), `spacewatch: invalid configuration: ${DIR}/invalid-source-url.yml: targets[0].source.url: must be an http(s) URL`);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { demoConfig } from '../../src/demo/run-demo.js';

// Where `spacewatch demo` listens. Its API takes writes without a token unless one is configured, and
// its reads are open, so it stays on 127.0.0.1 unless someone chose an address: the schema's default
// host (0.0.0.0, for a deployment) in a file that only sets notifiers, or a token, must not expose it.

describe('the address a demo binds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-demo-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const notifiersOnly = file('notifiers.yaml', 'notifiers:\n  - { kind: slack, name: ops, url: "https://hooks.slack.com/services/T000/B000/XXXX" }\n');
  const withHost = file('host.yaml', 'server:\n  host: 0.0.0.0\n  port: 9999\n');
  const withToken = file('token.yaml', `server:\n  token: ${'t'.repeat(24)}\n`);

  const cases: [string, string | undefined, NodeJS.ProcessEnv, { host?: string; port?: number }, string][] = [
    ['no config file', undefined, {}, {}, '127.0.0.1'],
    ['a file that sets only notifiers', notifiersOnly, {}, {}, '127.0.0.1'],
    ["a file's own server.host", withHost, {}, {}, '0.0.0.0'],
    ['HOST', notifiersOnly, { HOST: '::' }, {}, '::'],
    ['a token in the file is not a choice of address: still local', withToken, {}, {}, '127.0.0.1'],
    ['nor is SPACEWATCH_TOKEN exported for other commands', undefined, { SPACEWATCH_TOKEN: 'e'.repeat(20) }, {}, '127.0.0.1'],
    ['--host wins over everything', withHost, { HOST: '0.0.0.0' }, { host: '127.0.0.1' }, '127.0.0.1'],
  ];
  for (const [name, path, env, opts, host] of cases) {
    test(`${name}: ${host}`, () => {
      const config = demoConfig(loadConfig(path, env), opts, env);
      assert.equal(config.server.host, host);
      assert.equal(config.role, 'all');
    });
  }

  test('the port: --port, else the file\'s, else 8080', () => {
    assert.equal(demoConfig(loadConfig(withHost, {}), {}, {}).server.port, 9999);
    assert.equal(demoConfig(loadConfig(withHost, {}), { port: 0 }, {}).server.port, 0);
    assert.equal(demoConfig(loadConfig(notifiersOnly, {}), {}, {}).server.port, 8080);
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { loadScenario } from '../../src/simulator/scenario.js';
import { compose, mounts, publishedPort } from './compose-file.js';

// No Docker engine runs here, so the compose file is kept honest by reading it: every file it mounts
// exists, the config it mounts is valid, and the services it wires together agree on names and ports.

describe('docker-compose.yml', () => {
  test('has redis, spacewatch, simulator, prometheus and grafana services', () => {
    for (const s of ['redis', 'spacewatch', 'simulator', 'prometheus', 'grafana']) assert.ok(compose.services[s], `service ${s}`);
  });

  test('every image is pinned to a tag, never latest (a rebuild must not change what runs)', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.image) continue;
      const tag = /:([^/:@]+)$/.exec(svc.image)?.[1];
      assert.ok(tag && tag !== 'latest', `${name}: ${svc.image} is not pinned to a tag`);
    }
  });

  test('every build context has a Dockerfile and every bind-mounted file exists; named volumes are declared', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) {
        const ctx = typeof svc.build === 'string' ? svc.build : svc.build.context;
        const dockerfile = typeof svc.build === 'string' ? 'Dockerfile' : (svc.build.dockerfile ?? 'Dockerfile');
        assert.ok(existsSync(ctx), `${name}: build context ${ctx}`);
        assert.ok(existsSync(`${ctx}/${dockerfile}`), `${name}: ${ctx}/${dockerfile}`);
      }
      for (const m of mounts(name)) {
        if (m.host.startsWith('.')) assert.ok(existsSync(m.host), `${name} mounts ${m.host}, which does not exist`);
        else assert.ok(compose.volumes && m.host in compose.volumes, `${name} uses volume ${m.host}, not declared`);
      }
    }
  });

  test('spacewatch points at the redis service and at the config file it mounts, and that config is valid', () => {
    const env = compose.services.spacewatch!.environment!;
    assert.equal(env.REDIS_URL, 'redis://redis:6379');
    const mounted = mounts('spacewatch').find((m) => m.container === env.SPACEWATCH_CONFIG);
    assert.ok(mounted, 'SPACEWATCH_CONFIG is a mounted file');
    const { config } = loadConfig(mounted.host, { REDIS_URL: env.REDIS_URL });
    assert.equal(config.storage.redisUrl, 'redis://redis:6379');
    const published = compose.services.spacewatch!.ports!.map((p) => Number(publishedPort(p).container));
    assert.ok(published.includes(config.server.port), `port ${config.server.port} is published`);
  });

  test('the demo target watches the simulator service at its port, for the Space its scenario plays', () => {
    const sim = compose.services.simulator!.command!;
    const scenarioFile = sim[sim.indexOf('--scenario') + 1]!;
    const port = sim[sim.indexOf('--port') + 1]!;
    const scenario = loadScenario(scenarioFile);
    const env = compose.services.spacewatch!.environment!;
    const mounted = mounts('spacewatch').find((m) => m.container === env.SPACEWATCH_CONFIG)!;
    const { config } = loadConfig(mounted.host, {});
    const demo = config.targets.find((t) => t.source.kind === 'x-space');
    assert.ok(demo);
    assert.equal(demo.source.url, `http://simulator:${port}`);
    assert.equal(demo.source.spaceId, scenario.spaceId);
  });

  test('prometheus, which has no authentication, is published on loopback only', () => {
    const ports = (compose.services.prometheus!.ports ?? []).map(publishedPort);
    assert.ok(ports.some((p) => p.container === '9090'), 'port 9090 published');
    for (const p of ports) assert.equal(p.ip, '127.0.0.1', `port ${p.container} is published on ${p.ip || 'every interface'}`);
  });

  test('prometheus scrapes spacewatch /metrics on the port spacewatch listens on', () => {
    const mounted = mounts('prometheus').find((m) => m.container === '/etc/prometheus/prometheus.yml')!;
    const prom = parse(readFileSync(mounted.host, 'utf8')) as { scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[] };
    const job = prom.scrape_configs[0]!;
    assert.equal(job.metrics_path ?? '/metrics', '/metrics');
    const env = compose.services.spacewatch!.environment!;
    const { config } = loadConfig(mounts('spacewatch').find((m) => m.container === env.SPACEWATCH_CONFIG)!.host, {});
    assert.deepEqual(job.static_configs[0]!.targets, [`spacewatch:${config.server.port}`]);
  });

  test('the Dockerfile copies what the runtime reads (dist, scenarios, dashboard files) and runs dist/cli.js', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    for (const needed of ['COPY scenarios', 'COPY src/dashboard/public', '/app/dist', 'dist/cli.js']) assert.ok(dockerfile.includes(needed), needed);
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    assert.equal(build.compilerOptions.rootDir, 'src', 'src/cli.ts compiles to dist/cli.js');
    assert.ok(existsSync('src/cli.ts'));
    assert.ok(existsSync('src/dashboard/public'), 'dashboard files live where the Dockerfile copies them from');
  });
});

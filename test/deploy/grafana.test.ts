import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { run, type Running } from '../../src/main.js';
import { compose, hostPath, mounts, publishedPort } from './compose-file.js';
import { checkQuery, exposedNames, type KnownMetric } from './promql.js';

// No Docker engine runs here, so Grafana's half of the compose stack is checked by reading it: the
// files it mounts exist, its provisioning points at the Prometheus service and at the folder holding
// the dashboard, and every query of every panel reads metrics that spacewatch really registers —
// taken from the registry of a running spacewatch built by main.ts's run(), so a metric renamed in
// src/ fails here instead of leaving an empty panel on the night of a broadcast.

const grafana = compose.services.grafana ?? {};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

const provisioning = hostPath('grafana', '/etc/grafana/provisioning');
interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: { timeInterval?: string };
}
interface Provider {
  name: string;
  type: string;
  options: { path: string };
}
const datasources = provisioning ? yamlFiles(join(provisioning, 'datasources')).flatMap((f) => (parse(readFileSync(f, 'utf8')) as { datasources?: Datasource[] }).datasources ?? []) : [];
const providers = provisioning ? yamlFiles(join(provisioning, 'dashboards')).flatMap((f) => (parse(readFileSync(f, 'utf8')) as { providers?: Provider[] }).providers ?? []) : [];

const promMount = mounts('prometheus').find((m) => m.container === '/etc/prometheus/prometheus.yml');
const prometheusYml = parse(readFileSync(promMount?.host ?? 'deploy/prometheus.yml', 'utf8')) as {
  global?: { scrape_interval?: string };
  scrape_configs: { job_name: string }[];
};

interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
  gridPos?: { x: number; y: number; w: number; h: number };
}
interface Variable {
  name: string;
  type: string;
  datasource?: { uid?: string };
  definition?: string;
  query?: string | { query?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations?: { list: { expr?: string; datasource?: { uid?: string } }[] };
}

/** Every panel, those inside rows (collapsed or not) included; rows themselves are not panels. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => (p.type === 'row' ? allPanels(p.panels ?? []) : [p]));
}

/** Series name → label names, as Prometheus will store them after scraping this registry. */
function seriesOf(metrics: readonly (KnownMetric & { name: string })[]): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const m of metrics) for (const [name, labels] of exposedNames(m.name, m)) out.set(name, labels);
  return out;
}

const LABEL_VALUES = /^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/;

/** Everything wrong with a dashboard against the provisioned datasource uid and the real series; empty when sound. */
function dashboardProblems(d: Dashboard, series: ReadonlyMap<string, readonly string[]>, uid: string, jobs: readonly string[]): string[] {
  const problems: string[] = [];
  const variables = new Set(d.templating.list.map((v) => v.name));
  const check = (where: string, expr: string) => {
    for (const p of checkQuery(expr, series, variables)) problems.push(`${where}: ${p}`);
    for (const m of expr.matchAll(/\bjob\s*=\s*"([^"]*)"/g)) if (!jobs.includes(m[1] as string)) problems.push(`${where}: job "${m[1]}" is not a scrape job of prometheus.yml`);
  };
  for (const p of allPanels(d.panels)) {
    const where = `panel "${p.title ?? p.id}"`;
    if (p.datasource?.uid !== uid) problems.push(`${where}: datasource uid ${p.datasource?.uid} is not the provisioned ${uid}`);
    if (!p.targets?.length) problems.push(`${where}: has no queries`);
    for (const t of p.targets ?? []) {
      if (t.datasource && t.datasource.uid !== uid) problems.push(`${where}: a query's datasource uid ${t.datasource.uid} is not ${uid}`);
      if (!t.expr) problems.push(`${where}: a query without expr`);
      else check(where, t.expr);
    }
  }
  for (const a of d.annotations?.list ?? []) {
    if (!a.expr) continue;
    if (a.datasource?.uid !== uid) problems.push(`annotation: datasource uid ${a.datasource?.uid} is not ${uid}`);
    check('annotation', a.expr);
  }
  for (const v of d.templating.list.filter((x) => x.type === 'query')) {
    const where = `variable $${v.name}`;
    if (v.datasource?.uid !== uid) problems.push(`${where}: datasource uid ${v.datasource?.uid} is not ${uid}`);
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = LABEL_VALUES.exec(query ?? '');
    if (!m) {
      problems.push(`${where}: ${query} is not label_values(metric, label)`);
      continue;
    }
    const labels = series.get(m[1] as string);
    if (!labels) problems.push(`${where}: no metric named ${m[1]}`);
    else if (!labels.includes(m[3] as string)) problems.push(`${where}: ${m[1]} has no label ${m[3]}`);
    if (v.definition !== undefined && v.definition !== query) problems.push(`${where}: definition and query differ`);
  }
  return problems;
}

describe('Grafana in docker-compose.yml', () => {
  test('runs a pinned Grafana image on port 3000 after prometheus, with anonymous viewers and an admin password from the environment', () => {
    assert.ok(compose.services.grafana, 'a grafana service');
    assert.match(grafana.image ?? '', /^grafana\/grafana(-oss)?:\d+\.\d+\.\d+$/, 'image pinned to a version tag');
    const ports = (grafana.ports ?? []).map(publishedPort);
    assert.ok(ports.some((p) => p.container === '3000'), 'port 3000 published');
    // The admin password defaults to a well-known one: published on every interface, anyone who can
    // reach the host could sign in as admin. On loopback only, the stack still starts with one command.
    for (const p of ports) assert.equal(p.ip, '127.0.0.1', `port ${p.container} is published on ${p.ip || 'every interface'}, not loopback only`);
    const deps = Array.isArray(grafana.depends_on) ? grafana.depends_on : Object.keys(grafana.depends_on ?? {});
    assert.ok(deps.includes('prometheus'), 'depends on prometheus');
    const env = grafana.environment ?? {};
    assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(env.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer', 'anonymous visitors can look, not edit');
    assert.match(env.GF_SECURITY_ADMIN_PASSWORD ?? '', /^\$\{GRAFANA_ADMIN_PASSWORD(:-[^}]*)?\}$/, 'admin password comes from GRAFANA_ADMIN_PASSWORD');
  });

  test('mounts provisioning and dashboards from folders that exist; the home dashboard is a mounted file', () => {
    for (const m of mounts('grafana')) assert.ok(existsSync(m.host), `grafana mounts ${m.host}, which does not exist`);
    assert.ok(provisioning, 'a mount at /etc/grafana/provisioning');
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home) {
      const file = hostPath('grafana', home);
      assert.ok(file && existsSync(file), `home dashboard ${home} is not a mounted file`);
    }
  });

  test('the datasource is the prometheus service, on the port Prometheus listens on, at its scrape interval', () => {
    const prom = datasources.filter((d) => d.type === 'prometheus');
    assert.equal(prom.length, 1, 'exactly one Prometheus datasource is provisioned');
    const ds = prom[0] as Datasource;
    assert.ok(ds.uid, 'a fixed uid, so the dashboard can name it');
    const url = new URL(ds.url);
    assert.equal(url.hostname, 'prometheus', 'names the compose service');
    assert.ok(compose.services.prometheus);
    // Prometheus listens on 9090 unless --web.listen-address says otherwise.
    const listen = compose.services.prometheus.command?.find((c) => c.startsWith('--web.listen-address='));
    assert.equal(url.port, listen ? (listen.split(':').at(-1) as string) : '9090');
    assert.equal(ds.jsonData?.timeInterval, prometheusYml.global?.scrape_interval ?? '1m', 'timeInterval is the scrape interval ($__rate_interval depends on it)');
  });

  test('the dashboard provider reads a mounted folder holding the dashboard JSON', () => {
    const files = providers.filter((p) => p.type === 'file');
    assert.ok(files.length >= 1, 'a file dashboard provider');
    for (const p of files) {
      const host = hostPath('grafana', p.options.path);
      assert.ok(host && existsSync(host), `provider ${p.name} reads ${p.options.path}, which no mount provides`);
      const json = readdirSync(host).filter((f) => f.endsWith('.json'));
      assert.ok(json.includes('spacewatch.json'), `${host} holds spacewatch.json`);
    }
  });
});

describe('dashboards/grafana/spacewatch.json', () => {
  const dashboard = JSON.parse(readFileSync('dashboards/grafana/spacewatch.json', 'utf8')) as Dashboard;
  const uid = datasources.find((d) => d.type === 'prometheus')?.uid ?? '(none provisioned)';
  const jobs = prometheusYml.scrape_configs.map((j) => j.job_name);
  let running: Running | undefined;
  let series = new Map<string, readonly string[]>();

  before(async () => {
    // The registry of a whole spacewatch process (API, poller, write buffer, alert engine,
    // notifications, default process metrics), wired by the same code as production. (prom-client
    // types `type` as a numeric enum; at run time it is the string: counter, gauge, histogram.)
    const config = parseConfig({ server: { host: '127.0.0.1', port: 0 } }, {}, 'grafana.test');
    running = await run({ config, configFile: 'grafana.test.yaml', env: {}, log: pino({ level: 'silent' }) });
    series = seriesOf(running.registry.getMetricsAsArray().map((m) => ({ name: m.name, type: String(m.type), labels: (m as { labelNames?: string[] }).labelNames ?? [] })));
  });
  after(async () => running?.close());

  test('is a Grafana dashboard with a fixed uid and unique panel ids that fit the 24-column grid', () => {
    assert.equal(dashboard.uid, 'spacewatch');
    assert.ok(dashboard.schemaVersion >= 36, 'a current schema');
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of panels) assert.ok(p.gridPos && p.gridPos.x + p.gridPos.w <= 24, `panel ${p.title} fits the grid`);
    assert.ok(allPanels(dashboard.panels).length >= 20, 'the panels an ops engineer needs are there');
  });

  test('the registry the check reads is the real one (a sanity check of the check)', () => {
    for (const name of ['spacewatch_listeners', 'spacewatch_poll_lag_seconds_bucket', 'spacewatch_http_requests_total', 'spacewatch_alerts_firing', 'spacewatch_notifications_total', 'process_cpu_seconds_total']) {
      assert.ok(series.has(name), `${name} is registered`);
    }
    assert.ok(!series.has('spacewatch_poll_lag_seconds'), 'a histogram is exposed as _bucket/_sum/_count only');
  });

  test('every query, annotation and variable reads metrics and labels spacewatch registers, through the provisioned datasource', () => {
    assert.deepEqual(dashboardProblems(dashboard, series, uid, jobs), []);
  });

  test('the panels cover what a broadcast needs: listeners, joins, failures by code, probe and poll latency, alerts, notifications, the write buffer, HTTP, process', () => {
    const exprs = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')).join('\n');
    for (const needed of [
      'spacewatch_listeners',
      'spacewatch_join_attempts_total',
      'histogram_quantile(0.99, sum by (le, source) (rate(spacewatch_probe_duration_seconds_bucket',
      'spacewatch_poll_lag_seconds_bucket',
      'spacewatch_alerts_firing',
      'spacewatch_alert_transitions_total',
      'spacewatch_notifications_total',
      'spacewatch_observations_dropped_total',
      'spacewatch_store_write_errors_total',
      'spacewatch_http_request_duration_seconds_bucket',
      'spacewatch_live_clients',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ]) {
      assert.ok(exprs.includes(needed), `a panel reads ${needed}`);
    }
    const target = dashboard.templating.list.find((v) => v.name === 'target');
    assert.ok(target, 'a $target variable');
    assert.ok(exprs.includes('target=~"$target"'), 'panels filter by $target');
  });

  test('the check fails a dashboard whose panel reads a metric that does not exist, or through another datasource', () => {
    const broken = structuredClone(dashboard);
    const panel = allPanels(broken.panels).find((p) => p.targets?.[0]?.expr?.includes('spacewatch_listeners')) as Panel;
    (panel.targets as { expr: string }[])[0]!.expr = 'sum by (target) (spacewatch_listener_count{target=~"$target"})';
    const other = allPanels(broken.panels).find((p) => p !== panel) as Panel;
    other.datasource = { type: 'prometheus', uid: 'elsewhere' };
    broken.templating.list[0]!.query = { query: 'label_values(spacewatch_listeners, rule)' };
    const problems = dashboardProblems(broken, series, uid, jobs);
    assert.ok(problems.some((p) => p.includes('no metric named spacewatch_listener_count')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('datasource uid elsewhere')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('spacewatch_listeners has no label rule')), problems.join('\n'));
  });
});

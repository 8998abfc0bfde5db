import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `spacewatch demo` as a user runs it: the real CLI in a child process, narrating on stdout, the
// dashboard's API answering, and a clean exit on Ctrl-C.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function spacewatch(args: string[]): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string } {
  const env = { ...process.env };
  // The environment the test runs in must not pick the store, the address or the log level.
  for (const name of ['REDIS_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'SPACEWATCH_CONFIG', 'SPACEWATCH_ROLE']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { child, stdout: () => out, stderr: () => err };
}

async function waitFor(read: () => string, re: RegExp, child: ChildProcessWithoutNullStreams, ms = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = read().match(re);
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${re}:\n${read()}`);
    if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('spacewatch demo (the CLI)', () => {
  test('prints the dashboard URL up front, serves the API, narrates, and exits 0 on SIGINT', async (t) => {
    const p = spacewatch(['demo', 'scenarios/on-time-healthy.yaml', '--speed', '600', '--port', '0', '--no-loop']);
    t.after(() => p.child.kill('SIGKILL'));
    const [, url] = await waitFor(p.stdout, /dashboard +(http:\/\/127\.0\.0\.1:\d+)\/targets\/demo\n/, p.child);
    assert.match(p.stdout(), /spacewatch demo: "Weekly community call" \(scenarios\/on-time-healthy\.yaml\) at 600×: 1:00:00 of scenario time in 0:06, once/);

    const res = await fetch(`${url}/api/v1/targets`);
    assert.equal(res.status, 200);
    const targets = (await res.json()) as { id: string; name: string; source: { kind: string } }[];
    assert.deepEqual(
      targets.map((x) => [x.id, x.name, x.source.kind]),
      [['demo', 'Demo: Weekly community call (simulated X Space)', 'x-space']],
    );
    // Plain progress lines: stdout is not a terminal.
    await waitFor(p.stdout, /\[4:00\] scenario: scheduled → live/, p.child);

    p.child.kill('SIGINT');
    const [code] = (await once(p.child, 'exit')) as [number | null];
    assert.equal(code, 0, `stderr:\n${p.stderr()}`);
  });

  test('a scenario that cannot be read: one line naming the file, exit 1', async () => {
    const p = spacewatch(['demo', 'scenarios/no-such-scenario.yaml', '--port', '0']);
    const [code] = (await once(p.child, 'exit')) as [number | null];
    assert.equal(code, 1);
    assert.equal(p.stderr(), 'spacewatch: scenarios/no-such-scenario.yaml: cannot read: ENOENT\n');
  });

  test('a speed the simulator cannot play is refused before anything starts', async () => {
    const p = spacewatch(['demo', '--speed', '5000']);
    const [code] = (await once(p.child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(p.stderr(), /option '--speed <n>' argument '5000' is invalid\. must be a number > 0 and ≤ 3600/);
  });
});

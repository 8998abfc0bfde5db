import { fstatSync } from 'node:fs';
import { relative } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, DEMO_SCENARIO, run, type Running } from '../main.js';
import { loadScenario } from '../simulator/scenario.js';
import { createNarrator, formatClock, type Narrator } from './narrator.js';
import type { DemoPlay } from './play.js';

// `spacewatch demo`, callable from code: the service (run() in main.ts, the same path `npm start`
// takes without a config file) playing one scenario, with a narrator telling the person at the
// terminal what happens. Tests drive this function; the command only parses arguments around it.

export interface RunDemoOptions {
  /** Scenario YAML; default the built-in one (scenarios/example.yaml). */
  scenarioFile?: string;
  /** Scenario seconds per real second; default the file's speed. */
  speed?: number;
  /** Play again after the end; default the file's `loop`. */
  loop?: boolean;
  /** Dashboard and API port; default the config's (8080). 0 picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1 (the config's host when HOST or the file's server.host sets it, or a token guards writes). */
  host?: string;
  /** Server, storage and notifier settings; REDIS_URL and the other variables apply as for `serve`. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: LOG_LEVEL, else warn (the narrator says what matters). */
  log?: Logger;
  /** Where the narration goes; default stdout. */
  out?: NodeJS.WritableStream;
  /** A terminal for the progress bar, on the same screen as `out`; default stderr when it and stdout are one terminal. `null`: plain progress lines. */
  bar?: NodeJS.WritableStream | null;
}

export interface DemoHandle {
  running: Running;
  /** Base URL of the dashboard and API. */
  url: string;
  play: DemoPlay;
  /** Resolves when a scenario that does not loop is over (the service keeps serving); never for a loop. */
  ended: Promise<void>;
  close(): Promise<void>;
}

export async function runDemo(opts: RunDemoOptions = {}): Promise<DemoHandle> {
  const env = opts.env ?? process.env;
  const file = opts.scenarioFile ?? DEMO_SCENARIO;
  const scenario = loadScenario(file);
  const config = demoConfig(loadConfig(opts.configFile, env), opts, env);
  const log = opts.log ?? createLogger(env.LOG_LEVEL ?? 'warn');
  const out = opts.out ?? process.stdout;

  // Alerts and claims can happen while run() is still starting; they are told once the narrator is.
  const told: { narrator?: Narrator; early: ((n: Narrator) => void)[] } = { early: [] };
  const tell = (fn: (n: Narrator) => void) => (told.narrator ? fn(told.narrator) : told.early.push(fn));

  const running = await run({
    config,
    configFile: opts.configFile,
    env,
    log,
    demo: {
      scenario,
      file,
      ...(opts.speed === undefined ? {} : { speed: opts.speed }),
      ...(opts.loop === undefined ? {} : { loop: opts.loop }),
      onScript: (entry, at) => tell((n) => n.script(entry, at)),
    },
    onAlert: (t) => tell((n) => n.alert(t)),
  });
  const play = running.demo!;
  const url = running.url!;
  const target = `${url}/targets/${play.target.id}`;
  const { clock } = play;
  const realLength = formatClock(clock.lapMs / clock.speed);

  out.write(
    [
      `spacewatch demo: "${scenario.name}" (${displayPath(file)}) at ${clock.speed}×: ${formatClock(clock.lapMs)} of scenario time in ${realLength}${clock.loop ? ', looping' : ', once'}`,
      `  dashboard  ${target}`,
      `  overview   ${url}/`,
      `  simulator  ${play.simulator.url}/2/spaces/${scenario.spaceId}`,
      `Times in [brackets] are scenario time; alert summaries speak real time (${clock.speed}× shorter). Ctrl-C stops.`,
      '',
    ].join('\n'),
  );

  let markEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const bar = opts.bar === null ? undefined : (opts.bar ?? barBeside(out));
  const narrator = createNarrator({
    scenario: play.scenario,
    clock,
    out,
    bar,
    targetId: play.target.id,
    endLines: [
      `Scenario over: ${formatClock(clock.lapMs)} of scenario time played. spacewatch keeps serving (Ctrl-C to stop):`,
      `  report    ${target}/report`,
      `  timeline  ${target}/timeline`,
    ],
    onEnd: markEnded,
  });
  told.narrator = narrator;
  for (const fn of told.early.splice(0)) fn(narrator);

  return {
    running,
    url,
    play,
    ended,
    async close() {
      narrator.stop();
      await running.close();
    },
  };
}

/** The config a demo runs with: the file's (or the defaults), on a local address unless told otherwise, all roles. */
export function demoConfig(loaded: LoadedConfig, opts: Pick<RunDemoOptions, 'host' | 'port'>, env: NodeJS.ProcessEnv): Readonly<Config> {
  const { server } = loaded.config;
  // A demo's API takes writes, without a token unless one is configured, and its reads are open
  // anyway: keep it on this machine unless someone chose an address (--host, HOST, the file's
  // server.host). The schema's default host (0.0.0.0) is for a deployment, not a reason to listen
  // everywhere; nor is a token exported for other commands.
  const host = opts.host ?? (env.HOST || loaded.hostFromFile ? server.host : '127.0.0.1');
  const port = opts.port ?? server.port;
  // The demo is the poller and the API at once, whatever role the file gives a real deployment.
  return { ...loaded.config, role: 'all', server: { ...server, host, port } };
}

/**
 * stderr for the progress bar when the narration goes to stdout and both are the same terminal, so
 * lines can go through the bar without tearing it; otherwise none (plain progress lines on `out`).
 * With stdout redirected, the narration must land in the file, not on the terminal's stderr.
 */
function barBeside(out: NodeJS.WritableStream): NodeJS.WriteStream | undefined {
  if (out !== process.stdout || !process.stdout.isTTY || !process.stderr.isTTY) return undefined;
  try {
    const [a, b] = [fstatSync(1), fstatSync(2)];
    return a.rdev === b.rdev && a.ino === b.ino ? process.stderr : undefined;
  } catch {
    return undefined;
  }
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

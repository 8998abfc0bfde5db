import { InvalidArgumentError, type Command } from 'commander';
import { onShutdown, parsePort, parsePositive } from '../process.js';
import { MAX_SPEED } from '../simulator/scenario.js';
import { runDemo } from './run-demo.js';

// `spacewatch demo [scenario]`: argument parsing around runDemo (src/demo/run-demo.ts).

function parseSpeed(v: string): number {
  const n = parsePositive(v);
  if (n > MAX_SPEED) throw new InvalidArgumentError(`must be a number > 0 and ≤ ${MAX_SPEED}`);
  return n;
}

interface DemoFlags {
  speed?: number;
  port?: number;
  host?: string;
  loop?: boolean;
  config?: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('play a scenario on a local simulator and watch it: dashboard, alerts firing live, claims judged (docs/scenarios.md)')
    .argument('[scenario]', 'scenario YAML file (default: scenarios/example.yaml, the built-in demo)')
    .option('--speed <n>', "scenario seconds per real second (default: the file's speed)", parseSpeed)
    .option('-p, --port <n>', 'dashboard and API port (0 = any free port; default 8080)', parsePort)
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--loop', "play again after the end (default: the file's loop)")
    .option('--no-loop', 'play once, then keep serving the results')
    .option('-c, --config <file>', 'server, storage and notifier settings (REDIS_URL applies; memory store when unset)')
    .action(async (scenarioFile: string | undefined, flags: DemoFlags) => {
      const demo = await runDemo({
        ...(scenarioFile === undefined ? {} : { scenarioFile }),
        ...(flags.speed === undefined ? {} : { speed: flags.speed }),
        ...(flags.port === undefined ? {} : { port: flags.port }),
        ...(flags.host === undefined ? {} : { host: flags.host }),
        ...(flags.loop === undefined ? {} : { loop: flags.loop }),
        ...(flags.config === undefined ? {} : { configFile: flags.config }),
      });
      onShutdown(demo);
    });
}

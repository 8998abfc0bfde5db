#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, resolveConfigFile } from './config/load.js';
import { registerDemo } from './demo/command.js';
import { registerImport } from './import/command.js';
import { createLogger, run } from './main.js';
import { onShutdown, parsePort, parsePositive } from './process.js';
import { loadScenario } from './simulator/scenario.js';
import { startSimulator } from './simulator/server.js';

// Process work only: parse arguments, turn startup errors into one clear line and an exit code,
// and shut down cleanly on SIGTERM/SIGINT. The wiring lives in main.ts.

const program = new Command()
  .name('spacewatch')
  .description('Watches live audio broadcasts: on air on time, healthy, and are the audience claims true')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the API, dashboard and poller (with no config file: the built-in demo)')
  .option('-c, --config <file>', 'config file (default: $SPACEWATCH_CONFIG, else ./spacewatch.yaml if present)')
  .action(async (opts: { config?: string }) => {
    const file = resolveConfigFile(opts.config, process.env);
    const { config } = loadConfig(file, process.env);
    const running = await run({ config, configFile: file, env: process.env });
    onShutdown(running);
  });

program
  .command('check-config')
  .description('validate a config file (and the environment overrides) and exit non-zero when it is invalid')
  .argument('<file>', 'config file')
  .action((file: string) => {
    const { config } = loadConfig(file, process.env);
    const store = config.storage.redisUrl ? 'redis' : 'memory (REDIS_URL unset)';
    console.log(`${file}: ok — ${config.targets.length} target(s), ${config.notifiers.length} notifier(s), store: ${store}, role: ${config.role}`);
  });

program
  .command('simulate')
  .description('serve an X-Spaces-compatible API whose answers follow a scenario file')
  .requiredOption('-s, --scenario <file>', 'scenario YAML file')
  .option('-p, --port <n>', 'port to listen on (0 = any free port)', parsePort, 8090)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--speed <factor>', 'scenario seconds per real second (overrides the file)', parsePositive)
  .addOption(new Option('--audience <mode>', "listeners from the keyframes, or one per held connection to GET /listen/:spaceId").choices(['scenario', 'connections']).default('scenario'))
  .option('--capacity <n>', 'most listeners admitted (overrides the file)', (v: string) => {
    if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('must be a whole number ≥ 1');
    return Number(v);
  })
  .action(async (opts: { scenario: string; port: number; host: string; speed?: number; audience: 'scenario' | 'connections'; capacity?: number }) => {
    const log = createLogger(process.env.LOG_LEVEL ?? 'info');
    const scenario = loadScenario(opts.scenario);
    const sim = await startSimulator({
      scenario,
      port: opts.port,
      host: opts.host,
      log,
      audience: opts.audience,
      ...(opts.speed ? { speed: opts.speed } : {}),
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
    });
    log.info({ url: sim.url, scenario: scenario.name, spaceId: scenario.spaceId }, `simulator listening: GET ${sim.url}/2/spaces/${scenario.spaceId}`);
    onShutdown({ close: () => sim.close() });
  });

registerDemo(program);
registerImport(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`spacewatch: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`spacewatch: ${(err as Error).message}\n`);
  process.exit(1);
});

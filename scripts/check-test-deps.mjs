// Runs before `npm test`: fail fast with a clear message when a program the tests need is missing,
// instead of a wall of spawn errors. `.ci/run` installs all of them.
import { spawnSync } from 'node:child_process';

const needed = [
  { cmd: 'redis-server', args: ['--version'], pkg: 'redis-server' },
  { cmd: process.env.CHROMIUM_PATH ?? 'chromium', args: ['--version'], pkg: 'chromium' },
  { cmd: 'ffmpeg', args: ['-version'], pkg: 'ffmpeg' },
  // icecast2 has no --version; -v prints it and exits.
  { cmd: 'icecast2', args: ['-v'], pkg: 'icecast2' },
];
const missing = needed.filter(({ cmd, args }) => spawnSync(cmd, args, { stdio: 'ignore' }).status !== 0);
if (missing.length) {
  console.error(`The tests need ${missing.map((m) => m.cmd).join(', ')}. Install with: sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')} (or run: bash .ci/run)`);
  process.exit(1);
}

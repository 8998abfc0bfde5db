import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every 50 ms until it holds; throws after `ms` naming what it waited for. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

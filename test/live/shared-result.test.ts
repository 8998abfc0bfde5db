import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedResult } from '../../src/live/shared-result.js';

test('sharedResult: callers during a computation and within maxAge share it; later ones recompute', async () => {
  let clock = 0;
  let runs = 0;
  let release!: () => void;
  const get = sharedResult(
    () =>
      new Promise<number>((resolve) => {
        runs++;
        release = () => resolve(runs);
      }),
    1000,
    () => clock,
  );
  const a = get();
  const b = get();
  release();
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  assert.equal(runs, 1, 'two concurrent callers, one computation');

  clock = 999;
  assert.equal(await get(), 1, 'still fresh');
  assert.equal(runs, 1);

  clock = 1000;
  const c = get();
  release();
  assert.equal(await c, 2, 'stale: computed again');
});

test('sharedResult: a failure reaches its callers and is not kept', async () => {
  let fail = true;
  const get = sharedResult(async () => {
    if (fail) throw new Error('store down');
    return 'ok';
  }, 60_000);
  await assert.rejects(Promise.all([get(), get()]), /store down/);
  fail = false;
  assert.equal(await get(), 'ok');
});

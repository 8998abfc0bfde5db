// Counter-based randomness: the n-th draw is a pure function of (seed, n, stream), so a simulator
// run can be replayed exactly and a test can assert the failure share of a seeded error window
// without depending on the order requests arrive in.

/** 32-bit integer hash with good avalanche ("lowbias32", C. Wellons, hash-prospector). */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** A number in [0, 1) for draw `n` of `stream` under `seed`. */
export function unitRandom(seed: number, n: number, stream = 0): number {
  return mix32((seed | 0) + mix32((n | 0) + mix32(stream | 0))) / 2 ** 32;
}

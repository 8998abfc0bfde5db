import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

/**
 * The real app, as main.ts builds it, on a MemoryStore (or the store given) and a fresh metrics
 * registry; closed when the test ends. A store passed in belongs to the caller and stays open.
 */
export async function build(t: TestContext, opts: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  const store = opts.store ?? new MemoryStore();
  const app = await buildApp({ sources: defaultSources(), registry: new Registry(), ...opts, store });
  t.after(async () => {
    await app.close();
    if (!opts.store) await store.close();
  });
  await app.ready();
  return app;
}

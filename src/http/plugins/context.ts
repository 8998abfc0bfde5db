import fp from 'fastify-plugin';
import type { Store } from '../../storage/store.js';
import type { Sources } from '../../sources/index.js';

/** Settings the routes read; validated and frozen once in buildApp. */
export interface AppSettings {
  defaultIntervalMs: number;
  importMaxRows: number;
}

export interface ContextOptions {
  store: Store;
  sources: Sources;
  settings: AppSettings;
  onTargetsChanged?: (id: string) => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    sources: Sources;
    settings: Readonly<AppSettings>;
    /** Tells an in-process poller that a target was created, changed or deleted. Never throws. */
    targetsChanged(id: string): void;
  }
}

export default fp<ContextOptions>(
  async (app, opts) => {
    app.decorate('store', opts.store);
    app.decorate('sources', opts.sources);
    app.decorate('settings', Object.freeze({ ...opts.settings }));
    app.decorate('targetsChanged', function targetsChanged(id: string) {
      if (!opts.onTargetsChanged) return;
      // The change is already stored; a poller that fails to hear about it picks it up on its next
      // refresh, so its failure must not turn a successful write into a 500.
      try {
        opts.onTargetsChanged(id);
      } catch (err) {
        app.log.error({ err, target: id }, 'onTargetsChanged failed');
      }
    });
  },
  { name: 'spacewatch-context', fastify: '5.x' },
);

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export interface DashboardOptions {
  /** Folder holding index.html, target.html and the page scripts; defaults to src/dashboard/public. */
  publicDir?: string;
}

// tsc does not copy the pages into dist/, so a built server looks beside itself first and then in
// the source tree it was built from.
function defaultPublicDir(): string {
  const candidates = [new URL('./public/', import.meta.url), new URL('../../src/dashboard/public/', import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

function uplotDist(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

// Target names are user input. The pages render them with textContent; this policy is the second
// line: no inline script, nothing loaded from elsewhere, so a string that slipped into markup still cannot run.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard: static HTML pages with plain ES modules (no bundler) that read the public API, and
 * uPlot's ESM build served from node_modules. Encapsulated, so its static handlers and headers stay here.
 */
const dashboard: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const root = opts.publicDir ?? defaultPublicDir();

  app.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });

  await app.register(fastifyStatic, { root, prefix: '/assets/app/', index: false });
  await app.register(fastifyStatic, {
    root: uplotDist(),
    prefix: '/assets/uplot/',
    decorateReply: false,
    index: false,
    // Only the two files the pages load; the rest of dist/ is not ours to publish.
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
  });

  const page = { schema: { hide: true } };
  app.get('/', page, (_request, reply) => reply.sendFile('index.html'));
  app.get('/targets/:id', page, (_request, reply) => reply.sendFile('target.html'));
  app.get('/targets/:id/timeline', page, (_request, reply) => reply.sendFile('timeline.html'));
  app.get('/targets/:id/report', page, (_request, reply) => reply.sendFile('report.html'));
  app.get('/compare', page, (_request, reply) => reply.sendFile('compare.html'));
  // The pages link favicon.svg; this is for what browsers fetch on their own (a JSON tab, /docs),
  // so no console shows a 404. SVG under the .ico name: browsers go by the content type.
  app.get('/favicon.ico', page, (_request, reply) => reply.sendFile('favicon.svg', { maxAge: 86_400_000 }));
};

export default dashboard;

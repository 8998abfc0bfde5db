// Real Chromium (Debian's, through playwright-core) against the real app on a real port: the
// pieces every browser test needs. Pages are opened with a record of every console error,
// uncaught exception, failed request and HTTP error, checked when the page is closed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM} (none there). bash .ci/run installs it (apt-get install chromium); or set CHROMIUM_PATH.`);
  }
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (err) {
    throw new Error(`Chromium at ${CHROMIUM} did not start (${(err as Error).message.split('\n')[0]}). bash .ci/run installs a working one; or set CHROMIUM_PATH.`);
  }
}

export interface BrowserRig {
  browser: Browser;
  app: FastifyInstance;
  store: MemoryStore;
  base: string;
  /** A call to the public API that must succeed (asserted). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A page with a record of every console error, uncaught exception, failed request and HTTP error. */
  open(path: string, viewport?: { width: number; height: number }): Promise<{ page: Page; problems: string[] }>;
  /** Checks the page's record and closes it; read first, since a close mid-refresh aborts a request. */
  closeClean(page: Page, problems: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Chromium plus the real app (memory store) listening on a free port. */
export async function startBrowserRig(opts: Partial<Omit<AppOptions, 'store' | 'sources' | 'registry'>> = {}): Promise<BrowserRig> {
  const browser = await launchBrowser();
  const store = new MemoryStore();
  const app = await buildApp({ store, sources: defaultSources(), registry: new Registry(), ...opts });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });

  const api: BrowserRig['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };

  const open: BrowserRig['open'] = async (path, viewport = { width: 1400, height: 1000 }) => {
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // An EventSource torn down by page.close() is not a failure of the page.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED' || !r.url().includes('/live')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    await page.goto(base + path);
    return { page, problems };
  };

  const closeClean: BrowserRig['closeClean'] = async (page, problems) => {
    const seen = [...problems];
    await page.close();
    assert.deepEqual(seen, [], 'no console errors and no failed requests');
  };

  return {
    browser,
    app,
    store,
    base,
    api,
    open,
    closeClean,
    close: async () => {
      await browser.close();
      await app.close();
      await store.close();
    },
  };
}

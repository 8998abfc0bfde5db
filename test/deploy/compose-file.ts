import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';

// docker-compose.yml, parsed once for the tests that read it (no Docker engine runs here, so the
// compose stack is kept honest by reading its files): compose.test.ts for the stack as a whole,
// grafana.test.ts for Grafana's half.

export interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

export const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** The volumes of service `name`: host path (relative to the repo) or named volume → container path. */
export function mounts(name: string): { host: string; container: string }[] {
  return (compose.services[name]?.volumes ?? []).map((v) => {
    const [host, container] = v.split(':') as [string, string];
    return { host, container };
  });
}

/** The host path behind a container path of service `name`, through whichever bind mount contains it. */
export function hostPath(name: string, containerPath: string): string | undefined {
  for (const m of mounts(name)) {
    if (!m.host.startsWith('.')) continue;
    if (containerPath === m.container) return m.host;
    if (containerPath.startsWith(`${m.container}/`)) return join(m.host, posix.relative(m.container, containerPath));
  }
  return undefined;
}

/**
 * A published port as compose reads it, `[[ip:]host:]container` (short syntax): the address it is
 * published on ('' for every interface), the host port ('' for one Docker picks) and the container port.
 */
export function publishedPort(spec: string): { ip: string; host: string; container: string } {
  const parts = spec.split(':');
  const container = parts.at(-1) as string;
  const host = parts.length > 1 ? (parts.at(-2) as string) : '';
  return { ip: parts.length > 2 ? parts.slice(0, -2).join(':') : '', host, container };
}

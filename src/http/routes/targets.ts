import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SpacewatchError } from '../../errors.js';
import { TargetInput, TargetPatch } from '../../schemas/target.js';
import type { SourceConfig, Target } from '../../types.js';
import type { FastifyInstance } from 'fastify';
import { BEARER, withErrors } from '../schemas/error.js';
import { TargetList, TargetParams } from '../schemas/target.js';
import { loadStatus, STATUS_WINDOW_MS } from '../../status/load.js';
import { toStatusView } from '../../status/view.js';
import { StatusView } from '../schemas/status.js';
import { normaliseSchedule, toTargetView } from '../target-view.js';

const TargetRef = Type.Ref('Target');

const STATUS_DOC =
  '`status` is computed at read time from all the target\'s events and its last ' +
  `${STATUS_WINDOW_MS / 60_000} minutes of observations (plus, when the broadcast went on air earlier, the stretch where it did): ` +
  'scheduled, delayed (with the running `delayMs`), on-air (with the final `delayMs`), degraded, off-air or ended, and the `reason`.';

/** 404 unless the target exists. */
export async function loadTarget(app: FastifyInstance, id: string): Promise<Target> {
  const target = await app.store.getTarget(id);
  if (!target) throw new SpacewatchError('SW_TARGET_NOT_FOUND', id);
  return target;
}

// TargetInput is built from the default source registry; the app may run with another (tests, a
// build without some sources), so the kind is checked against the registry actually in use.
function assertKnownKind(app: FastifyInstance, source: SourceConfig, field: string): void {
  if (!Object.hasOwn(app.sources, source.kind)) {
    throw new SpacewatchError('SW_VALIDATION', `${field}.kind: must be one of ${Object.keys(app.sources).join(', ')}`);
  }
}

function assertWritable(target: Target): void {
  if (target.origin === 'config') throw new SpacewatchError('SW_TARGET_READONLY', target.id);
}

const targets: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/targets',
    {
      schema: {
        tags: ['targets'],
        summary: 'Create a target',
        description: '`name` defaults to the id and `intervalMs` to the server default. 409 if the id is taken.',
        security: BEARER,
        body: TargetInput,
        response: withErrors({ 201: TargetRef }),
      },
    },
    async (request, reply) => {
      const input = request.body;
      assertKnownKind(app, input.source, 'body.source');
      const schedule = input.schedule && normaliseSchedule(input.schedule, 'body.schedule');
      // Check-then-put is not atomic: two concurrent creates of one id both succeed and the later
      // wins. Acceptable for an operator API; the Store interface has no put-if-absent.
      if (await app.store.getTarget(input.id)) throw new SpacewatchError('SW_TARGET_EXISTS', input.id);
      const now = new Date().toISOString();
      const target: Target = {
        id: input.id,
        name: input.name ?? input.id,
        source: input.source,
        intervalMs: input.intervalMs ?? app.settings.defaultIntervalMs,
        ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
        ...(schedule ? { schedule } : {}),
        ...(input.rules ? { rules: input.rules as Target['rules'] } : {}),
        origin: 'api',
        createdAt: now,
        updatedAt: now,
      };
      await app.store.putTarget(target);
      app.targetsChanged(target.id);
      reply.code(201).header('location', `/api/v1/targets/${target.id}`);
      return toTargetView(target);
    },
  );

  app.get(
    '/targets',
    { schema: { tags: ['targets'], summary: 'List targets, by id, each with its status', description: STATUS_DOC, response: withErrors({ 200: TargetList }) } },
    async () => {
      const all = await app.store.listTargets();
      const now = Date.now();
      const statuses = await Promise.all(all.map((t) => loadStatus(app.store, t, now)));
      return all.map((t, i) => toTargetView(t, statuses[i])).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  );

  app.get(
    '/targets/:id',
    { schema: { tags: ['targets'], summary: 'One target, with its status', description: STATUS_DOC, params: TargetParams, response: withErrors({ 200: TargetRef }) } },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      return toTargetView(target, await loadStatus(app.store, target, Date.now()));
    },
  );

  app.get(
    '/targets/:id/status',
    { schema: { tags: ['targets'], summary: 'A target\'s status alone', description: STATUS_DOC, params: TargetParams, response: withErrors({ 200: StatusView }) } },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      return toStatusView(await loadStatus(app.store, target, Date.now()));
    },
  );

  app.patch(
    '/targets/:id',
    {
      schema: {
        tags: ['targets'],
        summary: 'Change a target',
        description: 'Fields given replace the stored ones (`source` as a whole); `schedule: null` clears the schedule. Targets from the config file are read-only (409).',
        security: BEARER,
        params: TargetParams,
        body: TargetPatch,
        response: withErrors({ 200: TargetRef }),
      },
    },
    async (request) => {
      const patch = request.body;
      const current = await loadTarget(app, request.params.id);
      assertWritable(current);
      if (patch.source) assertKnownKind(app, patch.source, 'body.source');
      const next: Target = { ...current, updatedAt: new Date().toISOString() };
      if (patch.name !== undefined) next.name = patch.name;
      if (patch.source !== undefined) next.source = patch.source;
      if (patch.intervalMs !== undefined) next.intervalMs = patch.intervalMs;
      if (patch.timeoutMs !== undefined) next.timeoutMs = patch.timeoutMs;
      if (patch.rules === null) delete next.rules;
      else if (patch.rules !== undefined) next.rules = patch.rules as Target['rules'];
      if (patch.schedule === null) delete next.schedule;
      else if (patch.schedule !== undefined) next.schedule = normaliseSchedule(patch.schedule, 'body.schedule');
      await app.store.putTarget(next);
      app.targetsChanged(next.id);
      return toTargetView(next);
    },
  );

  app.delete(
    '/targets/:id',
    {
      schema: {
        tags: ['targets'],
        summary: 'Delete a target and all its data',
        security: BEARER,
        params: TargetParams,
        response: withErrors({ 204: Type.Null({ description: 'Deleted' }) }),
      },
    },
    async (request, reply) => {
      assertWritable(await loadTarget(app, request.params.id));
      // A concurrent delete may have won since the load; the outcome the client asked for holds either way.
      await app.store.deleteTarget(request.params.id);
      app.targetsChanged(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default targets;

import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SpacewatchError } from '../../errors.js';
import { csvExport, loadReport, REPORT_MAX_ROWS } from '../../report/load.js';
import { toMarkdown } from '../../report/markdown.js';
import { toReportView } from '../../report/view.js';
import { instantMs } from '../instant.js';
import { withErrors } from '../schemas/error.js';
import { ReportQuery, ReportResponse } from '../schemas/report.js';
import { TargetParams } from '../schemas/target.js';
import { loadTarget } from './targets.js';

/** The response header carrying the report's SHA-256, whatever the format. */
export const SHA256_HEADER = 'x-spacewatch-sha256';

const report: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/targets/:id/report',
    {
      schema: {
        tags: ['events'],
        summary: 'Post-incident report: JSON, Markdown or the raw observations as CSV',
        description:
          'What happened to one broadcast over a range, with the methodology and the SHA-256 of the raw data so a reporter can cite exactly what was measured ' +
          '(docs/report.md). `format=json` (default): every figure (schedule, live, on air, delay, end, duration, listeners peak/mean/listener-minutes, ' +
          'join-failure episodes, alerts, claims with verdicts, a timeline of key moments, methodology). `format=md`: the same as an incident summary to paste ' +
          'into a postmortem (`text/markdown`). `format=csv`: the range\'s observations (`text/csv`, as an attachment; `#` comment lines carry the methodology ' +
          "and the hash), the same format `spacewatch import` reads. Every format sends the hash in the `x-spacewatch-sha256` header: it is the SHA-256 of the CSV's " +
          "data lines, so `grep -v '^#' report.csv | sha256sum` verifies a download. " +
          `A range holding more than ${REPORT_MAX_ROWS} observations is refused (400): ask for a shorter one.`,
        params: TargetParams,
        querystring: ReportQuery,
        produces: ['application/json', 'text/markdown', 'text/csv'],
        response: withErrors({
          200: {
            description: 'The report (`application/json`), or `text/markdown`, or `text/csv`, by `format`',
            content: {
              'application/json': { schema: ReportResponse },
              'text/markdown': { schema: Type.String({ description: 'Incident summary in Markdown' }) },
              'text/csv': { schema: Type.String({ description: 'The observations, RFC 4180, `#` comment lines' }) },
            },
          },
        }),
      },
    },
    async (request, reply) => {
      const target = await loadTarget(app, request.params.id);
      const q = request.query;
      const now = Date.now();
      // A report cannot know what has not happened: a later `to` is now.
      const to = Math.min(now, q.to === undefined ? now : instantMs(q.to, 'query.to'));
      const from = q.from === undefined ? undefined : instantMs(q.from, 'query.from');
      // Checked against now first: with a later `to` cut to now, "after query.to" would name a bound
      // the caller did not send.
      if (from !== undefined && from > now) throw new SpacewatchError('SW_RANGE_INVALID', 'query.from: must not be in the future');
      if (from !== undefined && from > to) throw new SpacewatchError('SW_RANGE_INVALID', 'query.from: must not be after query.to');
      const built = await loadReport(app.store, target, { ...(from === undefined ? {} : { from }), to }, now);
      reply.header(SHA256_HEADER, built.sha256);
      switch (q.format ?? 'json') {
        case 'md':
          return reply.type('text/markdown; charset=utf-8').send(toMarkdown(built));
        case 'csv':
          reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${target.id}-report.csv"`);
          return reply.send(Readable.from(csvExport(app.store, built)));
        default:
          return reply.type('application/json; charset=utf-8').send(toReportView(built));
      }
    },
  );
};

export default report;

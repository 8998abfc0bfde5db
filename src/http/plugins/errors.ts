import { STATUS_CODES } from 'node:http';
import type { ErrorObject } from 'ajv';
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { ERRORS, SpacewatchError, type ErrorCode } from '../../errors.js';
import { formatAjvError, pickError } from '../../validation.js';
import { ErrorResponse } from '../schemas/error.js';

// One place turns every failure into `{ statusCode, code, error, message }` with a catalogued code.
// The rule it enforces: bad input is a 4xx that says what and where; only our own faults are 5xx,
// and those never echo internals (they are logged instead).

const PARTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** Fastify `schemaErrorFormatter`: `body.source.url: must be an http(s) URL`. */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(formatAjvError(pickError(errors as unknown as ErrorObject[]), PARTS[dataVar] ?? dataVar));
}

interface Problem {
  status: number;
  code: ErrorCode;
  message: string;
}

function problem(code: ErrorCode, message: string, status: number = ERRORS[code].status): Problem {
  return { status, code, message };
}

function describe(err: unknown, request: FastifyRequest): Problem | undefined {
  if (err instanceof SpacewatchError) return problem(err.code, err.message, err.statusCode);
  const e = err as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
  if (e.validation) return problem('SW_VALIDATION', String(e.message));
  switch (e.code) {
    // Fastify's own JSON errors, should a context bypass the parser registered below.
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem('SW_BAD_JSON', ERRORS.SW_BAD_JSON.message.replace('%s', 'syntax error'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('SW_BAD_JSON', ERRORS.SW_BAD_JSON.message.replace('%s', 'the body is empty'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('SW_BODY_TOO_LARGE', ERRORS.SW_BODY_TOO_LARGE.message.replace('%s', String(request.routeOptions.bodyLimit)));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('SW_UNSUPPORTED_MEDIA_TYPE', ERRORS.SW_UNSUPPORTED_MEDIA_TYPE.message.replace('%s', (request.headers['content-type'] || '(none)').slice(0, 100)));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('SW_VALIDATION', 'headers.content-length: does not match the size of the body');
    case 'FST_ERR_BAD_URL':
      return problem('SW_VALIDATION', 'url: is not correctly percent-encoded');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('SW_VALIDATION', 'params: a path segment is too long');
  }
  // Other 4xx come from Fastify or its plugins (e.g. @fastify/static) with messages meant for
  // clients; keep their status and text, give them the nearest catalogued code.
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code: ErrorCode =
      status === 404 ? 'SW_NOT_FOUND' : status === 413 ? 'SW_BODY_TOO_LARGE' : status === 415 ? 'SW_UNSUPPORTED_MEDIA_TYPE' : status === 429 ? 'SW_RATE_LIMITED' : 'SW_VALIDATION';
    return problem(code, String(e.message), status);
  }
  return undefined;
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let p = describe(err, request);
  if (!p) {
    request.log.error({ err }, 'request failed');
    p = problem('SW_INTERNAL', ERRORS.SW_INTERNAL.message);
  } else if (p.status >= 500) {
    request.log.warn({ code: p.code, reason: p.message }, 'request failed');
  } else {
    // Only the code: a 4xx message can quote the body (JSON syntax errors do), and bodies may hold secrets.
    request.log.info({ code: p.code }, 'request rejected');
  }
  const body: ErrorResponse = { statusCode: p.status, code: p.code, error: STATUS_CODES[p.status] ?? 'Error', message: p.message };
  return reply.status(p.status).type('application/json; charset=utf-8').send(body);
}

export default fp(
  async (app) => {
    app.addSchema(ErrorResponse);
    app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
    app.setNotFoundHandler((request, reply) => sendError(new SpacewatchError('SW_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`), request, reply));

    // Fastify's own JSON parser is kept (it rejects __proto__ and constructor.prototype keys); this
    // wrapper only adds what was wrong, which its error does not say.
    const secureParse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = body as string;
      secureParse(request, text, (err, value) => {
        if (!err) return done(null, value);
        done(new SpacewatchError('SW_BAD_JSON', text.length === 0 ? 'the body is empty' : jsonSyntaxDetail(text)), undefined);
      });
    });
    // Without this, a text/plain body reaches validation as a string and earns a misleading 400;
    // every write endpoint takes JSON (or NDJSON where it says so), so anything else is a 415.
    app.removeContentTypeParser('text/plain');
  },
  { name: 'spacewatch-errors', fastify: '5.x' },
);

function jsonSyntaxDetail(text: string): string {
  try {
    JSON.parse(text);
    return 'it uses a forbidden key (__proto__ or constructor.prototype)';
  } catch (err) {
    return (err as Error).message;
  }
}

// REST /api/v1: Scalekit's grpc-gateway surface. The routes (rest-table.ts) turn path, query and JSON
// body into the RPC's request message, call the same function gRPC calls (rpc.ts), and render the
// response with proto field names; creates answer 201; errors are Scalekit's {code, message, details} JSON.
// Its own encapsulated context: its parser, auth hook and error handler touch no other route.
//
// The routes are one table matched here behind a single Fastify route: registering ~30 parametric
// routes in Fastify costs every app 10-30 ms at start (measured), which a test fixture that starts an
// emulator per test cannot afford. The table loads with the RPCs on the first call (transports.ts).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Caller } from './audit.js';
import type { ManagementAuth } from './auth.js';
import { exposeManagementError, InvalidArgument, ManagementError, NotFound, STATUS } from './errors.js';
import type { ManagementTransports } from './transports.js';
import { STORAGE_RETRY_AFTER_SECONDS } from '../store/storage-failure.js';

export interface RestDeps {
  transports: () => Promise<ManagementTransports>;
  auth: ManagementAuth;
  log?: Logger;
}

export async function managementRestRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  const callers = new WeakMap<FastifyRequest, Caller>();
  const callerOf = (request: FastifyRequest) => callers.get(request)!;

  // Bodies are JSON whatever their declared type (grpc-gateway's default marshaler does the same, so
  // `curl -d '{…}'` works), and an empty body is no body (POST …/secrets has none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
    if (typeof text !== 'string' || text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(InvalidArgument.field('(body)', 'is not valid JSON'), undefined);
    }
  });
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(reply, fromFastifyError(err, request, deps.log)));
  app.addHook('onRequest', async (request) => {
    callers.set(request, await deps.auth.authenticate(request.headers.authorization));
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/*',
    handler: async (request, reply) => {
      const path = request.url.slice(API_PREFIX.length).split('?')[0]!;
      const { restTable } = await deps.transports();
      const matches = restTable.map((r) => ({ route: r, m: r.pattern.exec(path) })).filter((x) => x.m !== null);
      if (matches.length === 0) return sendError(reply, new ManagementError('NOT_FOUND', 'Not Found'));
      const hit = matches.find((x) => x.route.method === request.method);
      if (!hit) return sendError(reply.header('allow', matches.map((x) => x.route.method).join(', ')), METHOD_NOT_ALLOWED, 405);
      const params = Object.fromEntries(hit.route.names.map((name, i) => [name, pathSegment(hit.m![i + 1]!, name)]));
      const body = await hit.route.handle(request, params, callerOf(request));
      return reply.code(hit.route.status).type('application/json; charset=utf-8').send(hit.route.serialize(body));
    },
  });
}

const API_PREFIX = '/api/v1';
// grpc-gateway's answer to a known path with another method: HTTP 405, gRPC code 12.
const METHOD_NOT_ALLOWED = new ManagementError('UNIMPLEMENTED', 'Method Not Allowed');
function pathSegment(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw InvalidArgument.field(name, 'is not a valid URL path segment');
  }
}

function fromFastifyError(err: FastifyError, request: FastifyRequest, log: Logger | undefined): ManagementError {
  if (err instanceof ManagementError) return err;
  if (err.statusCode === 404) return new NotFound('route', request.url.split('?')[0]!);
  if (err.statusCode === 413) return InvalidArgument.field('(body)', 'is too large');
  if (err.statusCode === 415) return InvalidArgument.field('(body)', 'must be application/json');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return InvalidArgument.field('(request)', 'could not be read');
  log?.error({ err }, 'management call failed');
  return exposeManagementError(err);
}

/** Scalekit's REST error: the gRPC code and message, and an ErrorInfo detail naming the code. */
function sendError(reply: FastifyReply, err: ManagementError, httpStatus?: number): FastifyReply {
  const { code, http } = STATUS[err.status];
  if (err.status === 'UNAVAILABLE') reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
  return reply
    .code(httpStatus ?? http)
    .header('cache-control', 'no-store')
    .send({
      code,
      message: err.message,
      details: [
        {
          '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo',
          error_code: err.status,
          ...(err.violations.length > 0 ? { validation_error_info: { field_violations: err.violations } } : {}),
        },
      ],
    });
}

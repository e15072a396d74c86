// The management API's transports load on the first management call: the RPCs (rpc.ts), the REST
// table (rest-table.ts) and the gRPC adapter (grpc.ts) stand on connect and Scalekit's protobuf
// descriptors, about 150 ms of a cold start (measured), which a fixture or a server that only issues
// tokens never needs. Until then only their paths are known, here.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ManagementAuth } from './auth.js';
import type { GrpcHandler } from './grpc.js';
import type { CompiledRoute } from './rest-table.js';
import type { ManagementService } from './service.js';

export interface ManagementTransports {
  restTable: CompiledRoute[];
  grpc: GrpcHandler;
}

/** Paths of Scalekit's RPCs: `/scalekit.v1.<package>.<Service>/<Method>`. */
export const isRpcPath = (path: string) => path.startsWith('/scalekit.v1.');

/** The transports, loaded and built once, on the first call. */
export function lazyTransports(deps: { service: ManagementService; auth: ManagementAuth; log?: Logger }): () => Promise<ManagementTransports> {
  let loaded: Promise<ManagementTransports> | undefined;
  const load = async (): Promise<ManagementTransports> => {
    const [{ managementRpcs }, { restTable }, { grpcHandler }] = await Promise.all([import('./rpc.js'), import('./rest-table.js'), import('./grpc.js')]);
    const rpcs = managementRpcs(deps.service);
    return { restTable: restTable(deps.service, rpcs), grpc: grpcHandler({ rpcs, auth: deps.auth, ...(deps.log ? { log: deps.log } : {}) }) };
  };
  return () => (loaded ??= load());
}

/** A node:http / node:http2 listener for RPC calls (gRPC, Connect, gRPC-Web). */
export function rpcListener(transports: () => Promise<ManagementTransports>, log?: Logger): GrpcHandler {
  return (req, res) => {
    transports().then(
      ({ grpc }) => grpc(req, res),
      (err: unknown) => {
        log?.error({ err }, 'the management API could not be loaded');
        res.statusCode = 500;
        res.end();
      },
    );
  };
}

/** Connect and gRPC-Web calls over HTTP/1.1: RPC paths leave Fastify before any body parsing. */
export function grpcOverHttp1(app: FastifyInstance, handler: GrpcHandler): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isRpcPath(request.url)) return;
    reply.hijack();
    handler(request.raw, reply.raw);
  });
}

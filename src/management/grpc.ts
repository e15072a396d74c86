// The gRPC transport (and Connect and gRPC-Web, which the same adapter speaks): Scalekit's services
// from the descriptors that ship in @scalekit-sdk/node, implemented by rpc.ts. Every call is
// authenticated first; a method we do not implement answers UNIMPLEMENTED, an unknown service too.
// Loaded on the first call (transports.ts).
import type { DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, type ConnectRouter, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { ErrorInfoSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/errdetails/errdetails_pb.js';
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { OrganizationService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import { UserService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/users/users_pb.js';
import { WebAuthnService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/webauthn_pb.js';
import type { Logger } from 'pino';
import type { Caller } from './audit.js';
import type { ManagementAuth } from './auth.js';
import { exposeManagementError, ManagementError, STATUS } from './errors.js';
import type { ManagementRpcs, RpcContext, Rpcs } from './rpc.js';

/** A node:http / node:http2 request listener. */
export type GrpcHandler = ReturnType<typeof connectNodeAdapter>;
type NodeServerRequest = Parameters<GrpcHandler>[0];
type NodeServerResponse = Parameters<GrpcHandler>[1];


const callerKey = createContextKey<Caller | undefined>(undefined, { description: 'management caller' });
const MAX_MESSAGE_BYTES = 64 * 1024;
/** GetConsentDetails takes Empty: the authorization it is about comes as metadata (see RpcContext). */
const INTERACTION_HEADER = 'x-interaction-id';

export function grpcHandler(deps: { rpcs: ManagementRpcs; auth: ManagementAuth; log?: Logger }): GrpcHandler {
  const authenticate: Interceptor = (next) => async (req) => {
    try {
      req.contextValues.set(callerKey, await deps.auth.authenticate(req.header.get('authorization') ?? undefined));
    } catch (err) {
      throw toConnectError(err, deps.log);
    }
    return next(req);
  };

  // Built on the first call: a fixture that never calls the management API never pays for it.
  let adapter: GrpcHandler | undefined;
  return (req, res) => {
    adapter ??= connectNodeAdapter({
      routes: (router: ConnectRouter) => {
        router.service(ClientService, serve(deps.rpcs.clients, deps.log));
        router.service(OrganizationService, serve(deps.rpcs.organizations, deps.log));
        router.service(UserService, serve(deps.rpcs.users, deps.log));
        router.service(WebAuthnService, serve(deps.rpcs.webauthn, deps.log));
      },
      interceptors: [authenticate],
      readMaxBytes: MAX_MESSAGE_BYTES,
      fallback: unknownService,
    });
    adapter(req, res);
  };
}

// Only the methods rpc.ts implements are handed to connect: it answers the rest UNIMPLEMENTED.
function serve<S extends DescService>(rpcs: Rpcs<S>, log: Logger | undefined): Record<string, unknown> {
  const impl: Record<string, unknown> = {};
  for (const [name, rpc] of Object.entries(rpcs) as [string, (req: unknown, ctx: RpcContext) => unknown][]) {
    impl[name] = async (req: unknown, context: HandlerContext) => {
      try {
        const interactionId = context.requestHeader.get(INTERACTION_HEADER);
        return await rpc(req, { caller: context.values.get(callerKey)!, ...(interactionId ? { interactionId } : {}) });
      } catch (err) {
        throw toConnectError(err, log);
      }
    };
  }
  return impl;
}

/** A management error as a gRPC status, with Scalekit's ErrorInfo detail (error_code, field violations). */
export function toConnectError(err: unknown, log?: Logger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (!(err instanceof ManagementError)) log?.error({ err }, 'management call failed');
  const e = exposeManagementError(err);
  return new ConnectError(e.message, STATUS[e.status].code as Code, undefined, [
    {
      desc: ErrorInfoSchema,
      value: {
        errorCode: e.status,
        ...(e.violations.length > 0 ? { validationErrorInfo: { fieldViolations: e.violations } } : {}),
      },
    },
  ]);
}

// A service we do not serve: gRPC clients get UNIMPLEMENTED (a trailers-only response), others a 404.
function unknownService(req: NodeServerRequest, res: NodeServerResponse): void {
  if ((req.headers['content-type'] ?? '').startsWith('application/grpc')) {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/grpc');
    res.setHeader('grpc-status', String(Code.Unimplemented));
    res.setHeader('grpc-message', 'unknown service');
    res.end();
    return;
  }
  res.statusCode = 404;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ code: Code.Unimplemented, message: 'Not Found', details: [] }));
}

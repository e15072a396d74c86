// Callers of the management API for tests: the environment client's token, Scalekit's generated gRPC
// clients (the descriptors in @scalekit-sdk/node, over connect's gRPC transport: h2c, as the SDK), and
// a REST caller with fetch.
import { ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ClientService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { OrganizationService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import { UserService } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/users/users_pb.js';
import { expect } from 'vitest';
import { clientCredentialsToken, ENV_CLIENT, tokenRequest } from './server.js';

export async function clientToken(url: string, clientId: string, clientSecret: string, extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest(url, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...extra });
}

/** An access token of the environment client (skc_…): what the management API takes. */
export function environmentToken(url: string, client = ENV_CLIENT): Promise<string> {
  return clientCredentialsToken(url, client);
}

export interface GrpcClients {
  clients: Client<typeof ClientService>;
  organizations: Client<typeof OrganizationService>;
  users: Client<typeof UserService>;
}

/** Scalekit's services over gRPC (HTTP/2 cleartext), with `authorization: Bearer <token>` when given. */
export function grpcClients(url: string, token?: string): GrpcClients {
  const bearer: Interceptor = (next) => async (req) => {
    if (token) req.header.set('authorization', `Bearer ${token}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: url, interceptors: [bearer] });
  return {
    clients: createClient(ClientService, transport),
    organizations: createClient(OrganizationService, transport),
    users: createClient(UserService, transport),
  };
}

export interface RestResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export type Rest = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<RestResponse>;

/** Calls `<url>/api/v1<path>` with a bearer token (none when `token` is undefined). */
export function restCaller(url: string, token?: string): Rest {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

/** Scalekit's REST error JSON for a status name, e.g. errorBody(16, 'UNAUTHENTICATED'). */
export function errorDetail(errorCode: string) {
  return [{ '@type': 'type.googleapis.com/scalekit.v1.errdetails.ErrorInfo', error_code: errorCode }];
}

/** What `call` rejected with, checked to be a `type`, for a test to assert its exact code. */
export async function rejectionOf<T>(call: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as T;
}

/** The gRPC error a call rejected with. */
export const connectError = (call: Promise<unknown>) => rejectionOf(call, ConnectError);

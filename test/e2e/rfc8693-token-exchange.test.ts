// RFC 8693 token exchange between MCP servers, on behalf of a person: the Planner (MCP server A) holds
// Ada's token for the Planner and, with its own confidential client, gets a token for Todo (B) at Todo's
// issuer, where Todo's token_exchange policy accepts the Planner. Driven by openid-client's
// genericGrantRequest; refusals over plain HTTP with their exact RFC 8693 / RFC 6749 errors.
import { ScalekitClient } from '@scalekit-sdk/node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/index.js';
import { restCaller, type Rest } from '../helpers/management.js';
import { ADA, basic, clientCredentialsToken, decodeJwt, postForm } from '../helpers/server.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const PLANNER = 'res_40000000000000001';
const TODO = 'res_40000000000000002';
const NOTES = 'res_40000000000000003';
const CALENDAR = 'res_40000000000000004';
const URLS = { [PLANNER]: 'http://localhost:3003/', [TODO]: 'http://localhost:3002/', [NOTES]: 'http://localhost:3005/', [CALENDAR]: 'http://localhost:3006/' };

let em: Emulator;
let rest: Rest;
/** A confidential client of each MCP server (no redirect URIs), made over REST. */
const clients: Record<string, { id: string; secret: string }> = {};

beforeAll(async () => {
  em = await startEmulator({
    keys: 'fixed',
    seed: {
      organizations: [{ id: 'org_40000000000000001', display_name: 'Acme' }],
      resources: [
        { id: PLANNER, name: 'Planner', resource_id: URLS[PLANNER], scopes: [{ name: 'plan:read' }, { name: 'todo:read' }] },
        { id: TODO, name: 'Todo', resource_id: URLS[TODO], scopes: [{ name: 'todo:read' }, { name: 'todo:write' }], token_exchange: { accept_from: [PLANNER] } },
        { id: NOTES, name: 'Notes', resource_id: URLS[NOTES], scopes: [{ name: 'notes:read' }], token_exchange: { accept_from: [TODO] } },
        { id: CALENDAR, name: 'Calendar', resource_id: URLS[CALENDAR], scopes: [{ name: 'cal:read' }], token_exchange: { accept_from: [PLANNER] } },
      ],
      clients: [{ client_id: 'm2morg_40000000000000001', organization_id: 'org_40000000000000001', name: 'Agent', scopes: ['todo:read'], audience: [URLS[TODO]] }],
      users: [{ id: ADA.id, email: ADA.email, name: 'Ada', organization_id: 'org_40000000000000001' }],
    },
  });
  rest = restCaller(em.url, await clientCredentialsToken(em.url, { id: em.environment.clientId, secret: em.environment.clientSecret }));
  for (const id of [PLANNER, TODO, NOTES]) {
    const created = await rest('POST', `/resources/${id}/clients`, { name: `${id} backend`, scopes: [] });
    expect(created.status).toBe(201);
    clients[id] = { id: (created.body.client as { client_id: string }).client_id, secret: String(created.body.plain_secret) };
  }
});
afterAll(() => em?.close());

/** Ada's access token for the Planner, from the real code flow (scopes as she consented). */
async function adasPlannerToken(scopes = ['plan:read']): Promise<string> {
  return (await em.authorize({ resource: PLANNER, user: ADA.id, scopes })).access_token;
}

/** openid-client configured for an MCP server's issuer as one of the servers' confidential clients. */
function asClient(serverId: string, client: { id: string; secret: string }): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(em.urls.resourceIssuer(serverId)), client.id, client.secret, undefined, { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
}

function exchangeAt(serverId: string, form: Record<string, string>, client = clients[PLANNER]!): Promise<Response> {
  return postForm(em.urls.resourceIssuer(serverId), '/oauth/token', { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...form }, { authorization: basic(client.id, client.secret) });
}

async function expectError(res: Response, status: number, error: string, description: string | RegExp): Promise<void> {
  const body = (await res.json()) as { error: string; error_description: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error });
  if (typeof description === 'string') expect(body.error_description).toBe(description);
  else expect(body.error_description).toMatch(description);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('RFC 8693 §2: a person’s token for the Planner exchanged for one for Todo (openid-client genericGrantRequest)', () => {
  it('answers an access token for Todo with Ada as sub, her oid and sid, act naming the Planner’s client, and the audit row', async () => {
    const subject = await adasPlannerToken();
    const config = await asClient(TODO, clients[PLANNER]!);
    const response = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: subject, subject_token_type: ACCESS_TOKEN, resource: URLS[TODO] });
    expect(response).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'bearer', scope: 'todo:read todo:write' });

    const { header, payload } = decodeJwt(response.access_token);
    const from = decodeJwt(subject).payload;
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: em.url,
      sub: ADA.id,
      oid: 'org_40000000000000001',
      sid: from.sid,
      aud: [URLS[TODO], TODO],
      resid: TODO,
      client_id: clients[PLANNER]!.id,
      act: { sub: clients[PLANNER]!.id },
      scope: 'todo:read todo:write',
      scopes: ['todo:read', 'todo:write'],
    });
    expect(payload.exp as number).toBeLessThanOrEqual(from.exp as number);
    // What Todo itself does with it: @scalekit-sdk/node validates it for Todo's audience.
    const scalekit = new ScalekitClient(em.url, em.environment.clientId, em.environment.clientSecret);
    expect(await scalekit.validateToken(response.access_token, { audience: [URLS[TODO]], requiredScopes: ['todo:read'] })).toMatchObject({ sub: ADA.id });

    const events = await rest('GET', `/audit-events?type=token.issued&client_id=${clients[PLANNER]!.id}`);
    const event = (events.body.events as { target_id?: string; details: Record<string, unknown> }[]).find((e) => e.details.grant_type === TOKEN_EXCHANGE);
    expect(event?.details).toMatchObject({ grant_type: TOKEN_EXCHANGE, subject: ADA.id, scopes: 'todo:read todo:write', audience: [URLS[TODO], TODO] });
  });

  it('narrows to the scopes asked, and to those the subject token carries when the names overlap', async () => {
    const config = await asClient(TODO, clients[PLANNER]!);
    const asked = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: await adasPlannerToken(), subject_token_type: ACCESS_TOKEN, scope: 'todo:read' });
    expect(decodeJwt(asked.access_token).payload.scopes).toEqual(['todo:read']);
    // Ada consented to todo:read at the Planner: an exchange cannot widen that to todo:write.
    const consented = await adasPlannerToken(['plan:read', 'todo:read']);
    const narrowed = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: consented, subject_token_type: ACCESS_TOKEN });
    expect(decodeJwt(narrowed.access_token).payload.scopes).toEqual(['todo:read']);
    await expectError(await exchangeAt(TODO, { subject_token: consented, scope: 'todo:write' }), 400, 'invalid_scope', 'the subject_token carries none of the requested scopes: todo:write');
    await expectError(await exchangeAt(TODO, { subject_token: consented, scope: 'todo:read notes:read' }), 400, 'invalid_scope', `requested scope is not a scope of ${TODO}: notes:read`);
  });

  it('exchanges the Todo token onward only where Todo is accepted: at Notes (act nested), not at Calendar', async () => {
    const config = await asClient(TODO, clients[PLANNER]!);
    const todoToken = (await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: await adasPlannerToken(), subject_token_type: ACCESS_TOKEN })).access_token;
    const atNotes = await oidc.genericGrantRequest(await asClient(NOTES, clients[TODO]!), TOKEN_EXCHANGE, { subject_token: todoToken, subject_token_type: ACCESS_TOKEN });
    expect(decodeJwt(atNotes.access_token).payload).toMatchObject({ sub: ADA.id, aud: [URLS[NOTES], NOTES], client_id: clients[TODO]!.id, act: { sub: clients[TODO]!.id, act: { sub: clients[PLANNER]!.id } } });
    await expectError(
      await exchangeAt(CALENDAR, { subject_token: todoToken }, clients[TODO]!),
      400,
      'invalid_target',
      `MCP server ${CALENDAR} does not accept tokens for ${TODO} in exchange (its token_exchange.accept_from)`,
    );
  });

  it('ends with the person’s grant at the Planner: a revoked consent leaves the exchanged token inactive', async () => {
    const subject = await adasPlannerToken();
    const exchanged = (await (await exchangeAt(TODO, { subject_token: subject })).json()) as { access_token: string };
    const introspect = async (token: string) =>
      (await (await postForm(em.urls.resourceIssuer(TODO), '/oauth/introspect', { token }, { authorization: basic(em.environment.clientId, em.environment.clientSecret) })).json()) as { active: boolean };
    expect((await introspect(exchanged.access_token)).active).toBe(true);
    const consents = await rest('GET', `/user_consents?resource_id=${PLANNER}`);
    const consent = (consents.body.consents as { id: string; client_id: string }[]).find((c) => c.client_id === decodeJwt(subject).payload.client_id)!;
    expect((await rest('DELETE', `/clients/${encodeURIComponent(consent.client_id)}/consents/${consent.id}`)).status).toBe(200);
    expect(await introspect(exchanged.access_token)).toEqual({ active: false });
  });
});

describe('RFC 8693 §2.2.2 and RFC 6749 §5.2: refusals', () => {
  it('invalid_request: no subject_token, no subject_token_type, an unsupported token type, an actor token', async () => {
    const subject = await adasPlannerToken();
    await expectError(await exchangeAt(TODO, {}), 400, 'invalid_request', "missing required parameter 'subject_token'");
    const noType = await postForm(em.urls.resourceIssuer(TODO), '/oauth/token', { grant_type: TOKEN_EXCHANGE, subject_token: subject }, { authorization: basic(clients[PLANNER]!.id, clients[PLANNER]!.secret) });
    await expectError(noType, 400, 'invalid_request', "missing required parameter 'subject_token_type'");
    await expectError(
      await exchangeAt(TODO, { subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
      400,
      'invalid_request',
      `unsupported subject_token_type at an MCP server's issuer: urn:ietf:params:oauth:token-type:id_token (only ${ACCESS_TOKEN})`,
    );
    await expectError(
      await exchangeAt(TODO, { subject_token: subject, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }),
      400,
      'invalid_request',
      `unsupported requested_token_type: urn:ietf:params:oauth:token-type:refresh_token (only ${ACCESS_TOKEN})`,
    );
    await expectError(await exchangeAt(TODO, { subject_token: subject, actor_token: subject, actor_token_type: ACCESS_TOKEN }), 400, 'invalid_request', 'actor_token is not supported: the authenticated client is the actor');
  });

  it('invalid_grant: a token that is not ours, one expired by the clock, one revoked, an M2M token', async () => {
    await expectError(await exchangeAt(TODO, { subject_token: 'not-a-token' }), 400, 'invalid_grant', 'the subject_token is not a valid access token of this environment, or it expired');
    await expectError(
      await exchangeAt(TODO, { subject_token: await em.mintToken({ subject: ADA.id, resource: PLANNER, broken: 'bad-signature' }) }),
      400,
      'invalid_grant',
      'the subject_token is not a valid access token of this environment, or it expired',
    );
    const revoked = await adasPlannerToken();
    em.revoke({ jti: String(decodeJwt(revoked).payload.jti) });
    await expectError(await exchangeAt(TODO, { subject_token: revoked }), 400, 'invalid_grant', 'the subject_token was revoked');
    const machine = await clientCredentialsToken(em.urls.resourceIssuer(PLANNER), clients[PLANNER]!);
    await expectError(await exchangeAt(TODO, { subject_token: machine }), 400, 'invalid_grant', "the subject_token is not a person's token (an M2M token acts for no one)");
    const expiring = await adasPlannerToken();
    em.clock.advance('2h');
    try {
      await expectError(await exchangeAt(TODO, { subject_token: expiring }), 400, 'invalid_grant', 'the subject_token is not a valid access token of this environment, or it expired');
    } finally {
      em.clock.reset();
    }
  });

  it('invalid_target: a server that does not accept the Planner, a resource that is not this server', async () => {
    const subject = await adasPlannerToken();
    await expectError(await exchangeAt(NOTES, { subject_token: subject }), 400, 'invalid_target', `MCP server ${NOTES} does not accept tokens for ${PLANNER} in exchange (its token_exchange.accept_from)`);
    await expectError(await exchangeAt(TODO, { subject_token: subject, resource: URLS[NOTES] }), 400, 'invalid_target', `the resource is not this issuer's MCP server (${URLS[TODO]})`);
    await expectError(await exchangeAt(TODO, { subject_token: subject, audience: URLS[NOTES] }), 400, 'invalid_target', `the audience is not this issuer's MCP server (${URLS[TODO]})`);
  });

  it('unauthorized_client: another server’s client holding the Planner’s token, an organization client; invalid_client without a secret', async () => {
    const subject = await adasPlannerToken();
    await expectError(await exchangeAt(TODO, { subject_token: subject }, clients[TODO]!), 400, 'unauthorized_client', `the client is not a confidential client of ${PLANNER}, the MCP server the subject_token is for`);
    await expectError(
      await exchangeAt(TODO, { subject_token: subject }, { id: 'm2morg_40000000000000001', secret: em.clientSecret('m2morg_40000000000000001') }),
      400,
      'unauthorized_client',
      `the client is not allowed to use the ${TOKEN_EXCHANGE} grant`,
    );
    const publicClient = await postForm(em.urls.resourceIssuer(TODO), '/oauth/token', { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN, client_id: clients[PLANNER]!.id });
    await expectError(publicClient, 401, 'invalid_client', 'client_secret is required for this client');
  });

  it('invalid_target where the server accepts no server’s tokens (its policy empty), and its metadata does not list the grant', async () => {
    const adasTodoToken = (await em.authorize({ resource: TODO, user: ADA.id, scopes: ['todo:read'] })).access_token;
    await expectError(
      await exchangeAt(PLANNER, { subject_token: adasTodoToken }, clients[TODO]!),
      400,
      'invalid_target',
      `MCP server ${PLANNER} does not accept tokens for ${TODO} in exchange (its token_exchange.accept_from)`,
    );
    const grants = async (id: string) => ((await (await fetch(`${em.url}/.well-known/oauth-authorization-server/resources/${id}`)).json()) as { grant_types_supported: string[] }).grant_types_supported;
    expect(await grants(TODO)).toEqual(['authorization_code', 'client_credentials', 'refresh_token', TOKEN_EXCHANGE]);
    expect(await grants(PLANNER)).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
  });
});

describe('the token_exchange policy over REST', () => {
  it('is read and written beside the resource, refused naming the field, audited, and loses a deleted server', async () => {
    expect((await rest('GET', `/resources/${TODO}`)).body.resource).toMatchObject({ token_exchange: { accept_from: [PLANNER] } });
    const created = await rest('POST', '/resources', { name: 'Mail', resource_id: 'http://localhost:3007/', token_exchange: { accept_from: [TODO] } });
    expect(created.status).toBe(201);
    const mail = created.body.resource as { id: string; token_exchange: unknown };
    expect(mail.token_exchange).toEqual({ accept_from: [TODO] });

    for (const [accept, field, description] of [
      [[mail.id], 'resource.token_exchange.accept_from[0]', 'is this MCP server itself'],
      [['res_1'], 'resource.token_exchange.accept_from[0]', 'names no MCP server (res_1)'],
      [['todo'], 'resource.token_exchange.accept_from[0]', 'must be an MCP server id (res_<digits>)'],
    ] as const) {
      const refused = await rest('PATCH', `/resources/${mail.id}`, { token_exchange: { accept_from: accept } });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe(`${field}: ${description}`);
    }
    expect((await rest('PATCH', `/resources/${mail.id}`, { token_exchange: { accept_from: [TODO, PLANNER] } })).body.resource).toMatchObject({ token_exchange: { accept_from: [PLANNER, TODO] } });
    const audit = await rest('GET', `/audit-events?type=resource.updated`);
    expect((audit.body.events as { target_id: string; details: unknown }[]).find((e) => e.target_id === mail.id)?.details).toEqual({
      fields: ['tokenExchange'],
      token_exchange: { accept_from: [PLANNER, TODO] },
    });

    const doomed = await rest('POST', '/resources', { name: 'Doomed', resource_id: 'http://localhost:3008/' });
    const doomedId = (doomed.body.resource as { id: string }).id;
    await rest('PATCH', `/resources/${mail.id}`, { token_exchange: { accept_from: [doomedId] } });
    await rest('DELETE', `/resources/${doomedId}`);
    expect((await rest('GET', `/resources/${mail.id}`)).body.resource).toMatchObject({ token_exchange: { accept_from: [] } });
  });
});

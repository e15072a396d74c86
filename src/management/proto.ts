// One mapping per shape between the service's domain objects and Scalekit's protobuf messages (the
// descriptors that ship in @scalekit-sdk/node). Both transports use these: gRPC sends the messages,
// REST renders them with toJson in Scalekit's snake_case.
import { create, type JsonObject } from '@bufbuild/protobuf';
import { timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  ClientSchema,
  ConsentClientSchema,
  ConsentOrganizationSchema,
  GetConsentDetailsResponseSchema,
  UserSchema as ConsentUserSchema,
  ClientSecretSchema,
  ClientSecretStatus,
  ConsentedUserSchema,
  RegisterClientResponseSchema,
  CustomClaimSchema,
  M2MClientSchema,
  ResourceSchema,
  ResourceType,
  ResourceUserConsentSchema,
  ScopeSchema,
  type Client as ClientMessage,
  type ConsentedUser,
  type GetConsentDetailsResponse,
  type Scope as ScopeMessage,
  type ClientSecret as ClientSecretMessage,
  type M2MClient,
  type RegisterClientResponse,
  type Resource as ResourceMessage,
  type ResourceUserConsent,
} from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/clients/clients_pb.js';
import { WebAuthnCredentialSchema, type WebAuthnCredential } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/auth/webauthn_pb.js';
import { MembershipStatus, OrganizationMembershipSchema, UserProfileSchema } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/commons/commons_pb.js';
import { OrganizationSchema, type Organization as OrganizationMessage } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb.js';
import { UserSchema, type User as UserMessage } from '@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/users/users_pb.js';
import { grantTypesOf } from '../oidc/grant-types/index.js';
import { protectedResourceMetadata, protectedResourceMetadataUri } from '../oidc/issuers.js';
import type { Organization } from '../store/organizations.js';
import type { Passkey } from '../store/passkeys.js';
import type { Resource } from '../store/resources.js';
import type { ClientSecret } from '../store/secrets.js';
import type { User } from '../store/users.js';
import type { UserConsent } from '../store/consents.js';
import type { ClientView } from './clients.js';
import type { ConsentScreen, ConsentView } from './consents.js';
import type { ScopeView } from './environment-scopes.js';
import type { RegisteredClient } from './registration.js';
import { InvalidArgument } from './errors.js';

const timestamp = (iso: string): Timestamp => timestampFromDate(new Date(iso));

export function secretMessage(s: ClientSecret, plainSecret?: string): ClientSecretMessage {
  return create(ClientSecretSchema, {
    id: s.id,
    createTime: timestamp(s.createTime),
    updateTime: timestamp(s.updateTime),
    secretSuffix: s.secretSuffix,
    ...(s.createdBy ? { createdBy: s.createdBy } : {}),
    status: s.status === 'ACTIVE' ? ClientSecretStatus.ACTIVE : ClientSecretStatus.INACTIVE,
    ...(s.expireTime ? { expireTime: timestamp(s.expireTime) } : {}),
    ...(s.lastUsedTime ? { lastUsedTime: timestamp(s.lastUsedTime) } : {}),
    ...(plainSecret !== undefined ? { plainSecret } : {}),
  });
}

/** M2MClient: Scalekit's one shape for organization and MCP-server clients. */
export function clientMessage({ client: c, secrets }: ClientView): M2MClient {
  return create(M2MClientSchema, {
    clientId: c.clientId,
    secrets: secrets.map((s) => secretMessage(s)),
    name: c.name,
    description: c.description,
    organizationId: c.organizationId ?? '',
    createTime: timestamp(c.createTime),
    updateTime: timestamp(c.updateTime),
    scopes: c.scopes,
    audience: c.audience,
    customClaims: c.customClaims.map((cc) => create(CustomClaimSchema, cc)),
    expiry: BigInt(c.expiry),
    resourceId: c.resourceId ?? '',
    redirectUris: c.redirectUris,
    isDcr: c.kind === 'dcr',
    isCimd: c.kind === 'cimd',
    metadataUri: c.kind === 'cimd' ? c.clientId : '',
  });
}

/** Client: the environment's own API client (Scalekit's client_type ENV). Its redirect URIs are post_login_uris. */
export function environmentClientMessage({ client: c, secrets }: ClientView): ClientMessage {
  return create(ClientSchema, {
    id: c.clientId,
    createTime: timestamp(c.createTime),
    updateTime: timestamp(c.updateTime),
    secrets: secrets.map((s) => secretMessage(s)),
    postLogoutRedirectUris: c.metadata.post_logout_redirect_uris ?? [],
    postLoginUris: c.redirectUris,
    name: c.name,
    accessTokenExpiry: BigInt(c.expiry),
    scopes: c.scopes,
    customClaims: c.customClaims.map((cc) => create(CustomClaimSchema, cc)),
    grantTypes: grantTypesOf(c, { kind: 'environment' }),
    clientType: 'ENV',
    enforcePkce: true,
  });
}

export function scopeMessage(s: ScopeView): ScopeMessage {
  return create(ScopeSchema, { id: s.id, name: s.name, description: s.description, enabled: s.enabled });
}

/** The consent screen: the MCP server, who signs in, the client asking, the scopes, the user's organization. */
export function consentDetailsMessage(screen: ConsentScreen, environmentUrl: string): GetConsentDetailsResponse {
  const { client } = screen;
  return create(GetConsentDetailsResponseSchema, {
    ...(screen.resource ? { resource: resourceMessage(screen.resource, environmentUrl) } : {}),
    user: create(ConsentUserSchema, { email: screen.user.email }),
    client: create(ConsentClientSchema, {
      clientId: client.clientId,
      name: client.name || client.metadata?.client_uri || client.clientId,
      privacyUri: client.metadata?.policy_uri ?? '',
      tosUri: client.metadata?.tos_uri ?? '',
      logoUri: client.metadata?.logo_uri ?? '',
      metadataUri: client.kind === 'cimd' ? client.clientId : '',
    }),
    scopes: screen.scopes,
    // Scalekit: the name "omitted when not available", the environment's word for an organization "always present".
    organization: create(ConsentOrganizationSchema, { organizationName: screen.organization?.displayName ?? '', organizationMetaName: 'Organization' }),
  });
}

/** RFC 9728 puts the well-known segment between the host and the path of the resource. */
export function resourceMessage(r: Resource, environmentUrl: string): ResourceMessage {
  return create(ResourceSchema, {
    id: r.id,
    name: r.name,
    resourceUri: r.serverUrl,
    description: r.description,
    resourceType: ResourceType.MCP_SERVER,
    disableDynamicClientRegistration: r.disableDynamicClientRegistration,
    accessTokenExpiry: BigInt(r.accessTokenExpiry),
    refreshTokenExpiry: BigInt(r.refreshTokenExpiry),
    createTime: timestamp(r.createTime),
    updateTime: timestamp(r.updateTime),
    protectedMetadata: protectedResourceMetadata(environmentUrl, r) as JsonObject,
    protectedMetadataUri: protectedResourceMetadataUri(r.serverUrl),
    resourceId: r.serverUrl,
    scopes: r.scopes.map((s) => create(ScopeSchema, { name: s.name, description: s.description, enabled: s.enabled })),
    enableCimd: r.enableCimd,
    xaaEnabled: r.xaaEnabled,
  });
}

/** RegisterClientResponse: the client, and its secret when a client_secret_* method was asked. */
export function registeredClientMessage({ client: c, plainSecret, secret }: RegisteredClient): RegisterClientResponse {
  return create(RegisterClientResponseSchema, {
    clientId: c.clientId,
    secrets: secret ? [secretMessage(secret)] : [],
    name: c.name,
    description: c.description,
    createTime: timestamp(c.createTime),
    updateTime: timestamp(c.updateTime),
    // The scope the host registered, for display: it does not limit what the client may ask for.
    scopes: c.metadata.scope?.split(' ').filter(Boolean) ?? [],
    audience: c.audience,
    expiry: BigInt(c.expiry),
    resourceId: c.resourceId ?? '',
    redirectUris: c.redirectUris,
    clientSecret: plainSecret ?? '',
  });
}

// Scalekit's external_user_id names the person; here that is the user's id (usr_…), the token's sub.
export function consentMessage({ consent, clientName }: ConsentView): ResourceUserConsent {
  return create(ResourceUserConsentSchema, {
    id: consent.id,
    externalUserId: consent.userId,
    clientId: consent.clientId,
    clientName,
    scopes: consent.scopes,
    grantedAt: timestamp(consent.updateTime),
  });
}

export function consentedUserMessage(consent: UserConsent): ConsentedUser {
  return create(ConsentedUserSchema, { consentId: consent.id, externalUserId: consent.userId, scopes: consent.scopes });
}

export function organizationMessage(o: Organization): OrganizationMessage {
  return create(OrganizationSchema, {
    id: o.id,
    createTime: timestamp(o.createTime),
    updateTime: timestamp(o.updateTime),
    displayName: o.displayName,
  });
}

export function userMessage(u: User): UserMessage {
  return create(UserSchema, {
    id: u.id,
    createTime: timestamp(u.createTime),
    updateTime: timestamp(u.updateTime),
    email: u.email,
    memberships: u.organizationId
      ? [create(OrganizationMembershipSchema, { organizationId: u.organizationId, membershipStatus: MembershipStatus.ACTIVE })]
      : [],
    userProfile: create(UserProfileSchema, { id: u.id, name: u.name }),
  });
}

/** int64 lifetimes arrive as bigint; 0 means "not given". */
export function seconds(value: bigint, field: string): number | undefined {
  if (value === 0n) return undefined;
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw InvalidArgument.field(field, 'must be a positive number of seconds');
  return Number(value);
}

/** A passkey as Scalekit's WebAuthnCredential: its ids, authenticator, transports and flags (no key). */
export function passkeyMessage(p: Passkey): WebAuthnCredential {
  return create(WebAuthnCredentialSchema, {
    id: p.id,
    userId: p.userId,
    credentialId: Buffer.from(p.credentialId, 'base64url'),
    attestationType: 'none',
    authenticator: { aaguid: p.aaguid, attachment: p.transports.includes('internal') ? 'platform' : 'cross-platform' },
    transports: p.transports,
    authenticatorFlags: { userPresent: true, userVerified: p.userVerified, backupEligible: p.backupEligible, backupState: p.backedUp },
    createdAt: timestamp(p.createTime),
    updatedAt: timestamp(p.updateTime),
    displayName: p.displayName,
  });
}

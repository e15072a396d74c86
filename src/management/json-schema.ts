// JSON schemas of Scalekit's REST responses, derived from the protobuf descriptors (the shape toJson
// writes with proto field names). Fastify serialises responses by them, so only the fields of the
// message can leave: nothing else on an object (a hash, a plain secret field) slips out.
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

export type JsonSchema = Record<string, unknown>;

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const MAX_DEPTH = 8; // deeper messages (none on our routes) are passed as free-form objects

const WELL_KNOWN: Record<string, JsonSchema> = {
  'google.protobuf.Timestamp': { type: 'string' },
  'google.protobuf.Duration': { type: 'string' },
  'google.protobuf.FieldMask': { type: 'string' },
  'google.protobuf.Struct': { type: 'object', additionalProperties: true },
  'google.protobuf.Value': {},
  'google.protobuf.ListValue': { type: 'array' },
  'google.protobuf.Empty': { type: 'object', additionalProperties: false, properties: {} },
  'google.protobuf.BoolValue': { type: 'boolean' },
  'google.protobuf.StringValue': { type: 'string' },
  'google.protobuf.BytesValue': { type: 'string' },
  'google.protobuf.Int32Value': { type: 'integer' },
  'google.protobuf.UInt32Value': { type: 'integer' },
  'google.protobuf.Int64Value': { type: 'string' },
  'google.protobuf.UInt64Value': { type: 'string' },
  'google.protobuf.FloatValue': { type: 'number' },
  'google.protobuf.DoubleValue': { type: 'number' },
};

export function messageSchema(desc: DescMessage, extra: Record<string, JsonSchema> = {}, depth = 0): JsonSchema {
  const known = WELL_KNOWN[desc.typeName];
  if (known) return known;
  if (depth > MAX_DEPTH) return { type: 'object', additionalProperties: true };
  const properties: Record<string, JsonSchema> = {};
  for (const field of desc.fields) properties[field.name] = fieldSchema(field, depth);
  return { type: 'object', additionalProperties: false, properties: { ...properties, ...extra } };
}

function fieldSchema(field: DescField, depth: number): JsonSchema {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarSchema(field.scalar);
    case 'enum':
      return { type: 'string' };
    case 'message':
      return messageSchema(field.message, {}, depth + 1);
    case 'list':
      return { type: 'array', items: elementSchema(field.listKind, field, depth) };
    case 'map':
      return { type: 'object', additionalProperties: elementSchema(field.mapKind, field, depth) };
  }
}

// An element of a list or a map value.
function elementSchema(kind: 'scalar' | 'enum' | 'message', field: DescField, depth: number): JsonSchema {
  if (kind === 'scalar') return scalarSchema(field.scalar!);
  if (kind === 'enum') return { type: 'string' };
  return messageSchema(field.message!, {}, depth + 1);
}

function scalarSchema(scalar: ScalarType): JsonSchema {
  if (INT64.has(scalar) || scalar === ScalarType.BYTES || scalar === ScalarType.STRING) return { type: 'string' };
  if (scalar === ScalarType.BOOL) return { type: 'boolean' };
  if (scalar === ScalarType.FLOAT || scalar === ScalarType.DOUBLE) return { type: ['number', 'string'] };
  return { type: 'integer' };
}

/**
 * A serializer for Fastify's setSerializerCompiler: JSON of only what the schema lists (objects keep
 * their declared properties; free-form objects pass as they are). No code generation, so building an
 * app with all of Scalekit's response schemas costs next to nothing; management calls are not a hot path.
 */
export function schemaSerializer(schema: JsonSchema): (data: unknown) => string {
  return (data) => JSON.stringify(pick(schema, data));
}

function pick(schema: JsonSchema, value: unknown): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = (schema.items as JsonSchema | undefined) ?? {};
    return value.map((v) => pick(items, v));
  }
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) {
    const additional = schema.additionalProperties;
    if (additional && typeof additional === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pick(additional as JsonSchema, v)]));
    }
    return schema.additionalProperties === false ? {} : value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = pick(sub, v);
  }
  return out;
}

// Fastify's schema compilers (ajv and fast-json-stringify, some 450 files) are required whenever an app
// is built, though no route of ours declares a Fastify schema (management REST picks its response
// fields itself, management/json-schema.ts). These factories load the same compilers on first use, so
// a start does not pay for them. (Fastify then treats them as custom compilers; that only changes how
// a `headers` schema is compiled, and we have none.)
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Factories['buildValidator']>;
type SerializerFactory = NonNullable<Factories['buildSerializer']>;

// Resolved from Fastify's own folder: they are its dependencies, not ours.
const fromFastify = () => createRequire(createRequire(import.meta.url).resolve('fastify'));

let validator: ValidatorFactory | undefined;
let serializer: SerializerFactory | undefined;

export const lazySchemaCompilers: FastifyServerOptions['schemaController'] = {
  compilersFactory: {
    buildValidator: (...args) => (validator ??= (fromFastify()('@fastify/ajv-compiler') as () => ValidatorFactory)())(...args),
    buildSerializer: (...args) => (serializer ??= (fromFastify()('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)())(...args),
  },
};

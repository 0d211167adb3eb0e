// Hearth validates request bodies in its handlers (api/client/params.ts) and declares no Fastify route
// schemas. Fastify would otherwise load Ajv, its formats and fast-json-stringify into every process
// (about 100 modules kept in memory for nothing); these compilers stand in and refuse loudly if a
// route ever declares a schema, so that change is made on purpose.
import type { FastifyServerOptions } from 'fastify';

function refuse(): never {
  throw new Error('Fastify route schemas are not used in Hearth: validate in the handler');
}

export const NO_SCHEMA_COMPILERS: FastifyServerOptions['schemaController'] = {
  compilersFactory: { buildValidator: () => refuse, buildSerializer: () => refuse },
};

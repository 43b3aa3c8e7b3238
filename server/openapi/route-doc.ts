// What a route tells the OpenAPI generator about itself, through Fastify's per-route `config`:
// routes/endpoint.ts attaches the request MessageSpec of every JSON RPC; routes with raw bodies
// (artifact proxy, UI) are described by hand in openapi/manual.ts.
import type { MessageSpec } from '../protocol/fields.js';

export interface RouteDoc {
  /** A JSON RPC: GET reads the query string, other methods a JSON body. */
  kind: 'rpc';
  /** The fields the handler coerces; absent = no documented fields (any JSON object is read). */
  request?: MessageSpec;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    openapi?: RouteDoc;
  }
}

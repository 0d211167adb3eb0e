// One entry of `listeners`, as in Synapse: port, bind_addresses, type, tls, x_forwarded, resources.
import {
  ConfigValueError,
  boolean,
  integer,
  list,
  map,
  object,
  oneOf,
  optional,
  string,
  withDefault,
  type Parser,
} from './schema.js';

export const RESOURCE_NAMES = [
  'client',
  'federation',
  'keys',
  'media',
  'health',
  'metrics',
  // Only the federation API's openid/userinfo, as in Synapse.
  'openid',
  // Synapse resources Hearth does not serve yet; named here so a Synapse config still loads.
  'static',
  'consent',
  'replication',
] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];
export const UNSERVED_RESOURCES: readonly ResourceName[] = ['static', 'consent', 'replication'];

export interface ListenerConfig {
  port: number;
  bind_addresses: string[];
  type: 'http' | 'metrics' | 'manhole' | 'replication';
  tls: boolean;
  x_forwarded: boolean;
  resources: ResourceName[];
}

const resource = object({ names: list(oneOf(...RESOURCE_NAMES)), compress: optional(boolean()) });

const rawListener = object({
  // Port 0 (any free port) is a Hearth extension used by tests; Synapse requires a real port.
  port: integer({ min: 0, max: 65535 }),
  bind_addresses: optional(list(string({ nonEmpty: true }))),
  bind_address: optional(string({ nonEmpty: true })),
  type: withDefault(oneOf('http', 'metrics', 'manhole', 'replication'), 'http'),
  tls: withDefault(boolean(), false),
  x_forwarded: withDefault(boolean(), false),
  resources: withDefault(list(resource), []),
});

export const listenerParser: Parser<ListenerConfig> = map(rawListener, (raw, path) => {
  if (raw.type === 'http' && raw.resources.length === 0) {
    throw new ConfigValueError(
      [...path, 'resources'],
      'at least one resource for an http listener',
      raw.resources,
    );
  }
  return {
    port: raw.port,
    // Synapse's default: every interface, IPv6 and IPv4.
    bind_addresses: raw.bind_addresses ?? (raw.bind_address ? [raw.bind_address] : ['::', '0.0.0.0']),
    type: raw.type,
    tls: raw.tls,
    x_forwarded: raw.x_forwarded,
    resources: [...new Set(raw.resources.flatMap((r) => r.names))],
  };
});

// Server names (appendices, "Server Name"): a hostname (DNS name, IPv4 literal or bracketed IPv6 literal)
// with an optional port.

const DNS_NAME = /^[A-Za-z0-9.-]{1,255}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

export interface ParsedServerName {
  host: string;
  port?: number;
}

/** Splits and validates a server name; returns undefined when it is not one. */
export function parseServerName(serverName: string): ParsedServerName | undefined {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(serverName);
  if (!match) return undefined;
  const host = match[1]!;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  if (IPV6.test(host)) return { host, port };
  if (IPV4.test(host)) {
    if (host.split('.').some((octet) => Number(octet) > 255)) return undefined;
    return { host, port };
  }
  if (!DNS_NAME.test(host) || host.startsWith('.') || host.endsWith('-') || host.includes('..')) {
    return undefined;
  }
  return { host, port };
}

export function isValidServerName(serverName: string): boolean {
  return parseServerName(serverName) !== undefined;
}

// Which addresses URL previews may connect to: the non-public ranges and url_preview_ip_range_blacklist,
// minus url_preview_ip_range_whitelist. An IPv4 address and its IPv6 spellings (IPv4-mapped
// ::ffff:a.b.c.d and the old IPv4-compatible ::a.b.c.d, which also reach the IPv4 host) are one address
// here: it is blocked when any spelling is in the blacklist and no spelling in the whitelist, whichever
// family the operator wrote the range in.
import { isIP } from 'node:net';

interface IpRange {
  bytes: Uint8Array;
  prefix: number;
}

/**
 * Addresses blocked whatever the blacklist says (the whitelist can still open them): "this host", and
 * every loopback, private, link-local, shared, documentation, benchmarking, multicast and reserved range
 * (Synapse's recommended blacklist). Synapse blocks only the first two unless configured; a server that
 * turns previews on without a careful list should still never let users probe its own network.
 */
export const ALWAYS_BLOCKED: readonly string[] = [
  '0.0.0.0/8',
  '::/128',
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '169.254.0.0/16',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::1/128',
  'fe80::/10',
  'fc00::/7',
  '2001:db8::/32',
  'ff00::/8',
  'fec0::/10',
];

/** The address's bytes (4 for IPv4, 16 for IPv6), or undefined when it is not an IP address. */
export function addressBytes(address: string): Uint8Array | undefined {
  // A zone (fe80::1%eth0) names an interface, not part of the address.
  const plain = address.replace(/%.*$/, '');
  const family = isIP(plain);
  if (family === 4) return Uint8Array.from(plain.split('.').map(Number));
  if (family !== 6) return undefined;
  // The URL parser spells IPv6 canonically (lowercase hex, one `::`, no dotted tail), which is simple to
  // expand.
  const canonical = new URL(`http://[${plain}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** Every spelling of an address: IPv4 as itself and IPv4-mapped; embedded IPv4 also on its own. */
function spellings(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 4)
    return [bytes, Uint8Array.from([...Array<number>(10).fill(0), 0xff, 0xff, ...bytes])];
  const leadingZeros = bytes.subarray(0, 10).every((b) => b === 0);
  const mapped = leadingZeros && bytes[10] === 0xff && bytes[11] === 0xff;
  const compatible = leadingZeros && bytes[10] === 0 && bytes[11] === 0;
  return mapped || compatible ? [bytes, bytes.slice(12)] : [bytes];
}

function parseRange(text: string): IpRange {
  const [address, bits] = text.split('/');
  const bytes = addressBytes(address ?? '');
  if (!bytes) throw new Error(`not an IP range: ${text}`);
  return { bytes, prefix: bits === undefined ? bytes.length * 8 : Number(bits) };
}

function contains(range: IpRange, bytes: Uint8Array): boolean {
  if (range.bytes.length !== bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.bytes[i]! & mask) !== (bytes[i]! & mask)) return false;
  }
  return true;
}

export class AddressPolicy {
  private readonly blocked: IpRange[];
  private readonly allowed: IpRange[];

  /** Ranges as the config keys take them: `10.0.0.0/8`, `::1`, `fe80::/10`. */
  constructor(blacklist: readonly string[], whitelist: readonly string[]) {
    this.blocked = [...ALWAYS_BLOCKED, ...blacklist].map(parseRange);
    this.allowed = whitelist.map(parseRange);
  }

  /** Whether previews must not connect to `address`; anything that is not an IP address is blocked. */
  isBlocked(address: string): boolean {
    const bytes = addressBytes(address);
    if (!bytes) return true;
    const forms = spellings(bytes);
    const inAny = (ranges: IpRange[]) => ranges.some((range) => forms.some((form) => contains(range, form)));
    return inAny(this.blocked) && !inAny(this.allowed);
  }
}

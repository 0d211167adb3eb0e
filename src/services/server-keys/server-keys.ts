// This server's published signing keys (server-server-api, "Publishing Keys"): the current keys, the
// retired ones, and how long other servers may cache them.
import { publicKeyBase64, signJson, type SigningKey } from '../../protocol/signing.js';
import type { JsonObject } from '../../protocol/canonical-json.js';

export interface OldVerifyKey {
  key: string;
  expired_ts: number;
}

export interface ServerKeysOptions {
  serverName: string;
  signingKeys: readonly SigningKey[];
  oldVerifyKeys: Readonly<Record<string, OldVerifyKey>>;
  /** How long other servers may cache the keys (Synapse's key_refresh_interval). */
  refreshIntervalMs: number;
  clock: () => number;
}

export class ServerKeys {
  constructor(private readonly options: ServerKeysOptions) {
    if (options.signingKeys.length === 0) throw new Error('a server needs at least one signing key');
  }

  get serverName(): string {
    return this.options.serverName;
  }

  /** The key that signs events and requests: the first one in the key file, as in Synapse. */
  get signingKey(): SigningKey {
    return this.options.signingKeys[0]!;
  }

  /** The signed body of GET /_matrix/key/v2/server, signed with every current key. */
  keyResponse(): JsonObject {
    const { serverName, signingKeys, oldVerifyKeys, refreshIntervalMs, clock } = this.options;
    let body: JsonObject = {
      server_name: serverName,
      valid_until_ts: clock() + refreshIntervalMs,
      verify_keys: Object.fromEntries(signingKeys.map((k) => [k.keyId, { key: publicKeyBase64(k.seed) }])),
      old_verify_keys: Object.fromEntries(
        Object.entries(oldVerifyKeys).map(([keyId, k]) => [keyId, { key: k.key, expired_ts: k.expired_ts }]),
      ),
    };
    for (const key of signingKeys) body = signJson(body, serverName, key.keyId, key.seed);
    return body;
  }
}

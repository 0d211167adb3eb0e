// Checking the signatures a user uploads through POST /keys/signatures/upload (client-server-api,
// "Cross-signing"), given the keys they concern; no storage here. Three kinds are accepted, as in Synapse:
// the caller's own device keys signed by their self-signing key, the caller's master key signed by their
// own devices, and another user's master key signed by the caller's user-signing key. Each signed object
// must be the stored key with signatures added. A bad entry fails alone; the others still count.
import { CanonicalJsonError, type JsonObject } from '../../protocol/canonical-json.js';
import { badJson, MatrixError, notFound } from '../../matrix-error.js';
import type { CrossSigningKeyType, StoredSignature } from '../../storage/cross-signing-store.js';
import { ed25519KeyId, sameSignedContent, signedBy, wellFormedSignatures } from './cross-signing-keys.js';
import { isJsonObject } from '../../protocol/canonical-json.js';
import { invalidSignature } from './key-objects.js';

/** A stored cross-signing key: its public key and the key object. */
export interface KnownKey {
  publicKey: string;
  json: JsonObject;
}

/** What the checks need to know, loaded by the caller. */
export interface SignatureContext {
  /** The uploader. */
  userId: string;
  /** The uploader's cross-signing keys. */
  own: Partial<Record<CrossSigningKeyType, KnownKey>>;
  /** The uploader's device keys, by device id. */
  devices: ReadonlyMap<string, JsonObject>;
  /** The master keys of the other users the upload names, where known. */
  masters: ReadonlyMap<string, KnownKey>;
}

export interface Failure {
  errcode: string;
  error: string;
}

/** `failures` of the response: user id → key id (device id or public key) → why. */
export type Failures = Record<string, Record<string, Failure>>;

export interface SignatureCheck {
  accepted: StoredSignature[];
  failures: Failures;
}

/** Checks every signed object in an upload (`{userId: {keyId: signedObject}}`). */
export function checkSignatureUpload(upload: JsonObject, ctx: SignatureContext): SignatureCheck {
  const accepted: StoredSignature[] = [];
  const failures: Failures = {};
  for (const [targetUserId, byKey] of Object.entries(upload)) {
    if (!isJsonObject(byKey)) throw badJson(`The keys of ${targetUserId} must be an object`);
    for (const [keyId, signed] of Object.entries(byKey)) {
      try {
        if (!isJsonObject(signed)) throw badJson('A signed key must be an object');
        if (!wellFormedSignatures(signed.signatures)) throw badJson('The signatures are malformed');
        accepted.push(
          ...(targetUserId === ctx.userId
            ? ownKeySignatures(ctx, keyId, signed)
            : [otherMasterKeySignature(ctx, targetUserId, keyId, signed)]),
        );
      } catch (err) {
        if (!(err instanceof MatrixError)) throw err;
        (failures[targetUserId] ??= {})[keyId] = { errcode: err.errcode, error: err.message };
      }
    }
  }
  return { accepted, failures };
}

/** The uploader's signatures in `signed`, by key id. */
function signaturesOf(signed: JsonObject, userId: string): Record<string, string> {
  const all = signed.signatures as Record<string, Record<string, string>> | undefined;
  return all?.[userId] ?? {};
}

function requireSameContent(signed: JsonObject, stored: JsonObject, what: string): void {
  let same: boolean;
  try {
    same = sameSignedContent(signed, stored);
  } catch (err) {
    if (err instanceof CanonicalJsonError) throw badJson(`The signed ${what} is not valid JSON`);
    throw err;
  }
  // Synapse answers M_UNKNOWN here; M_INVALID_SIGNATURE tells the client it signed something else.
  if (!same) throw invalidSignature(`The signed ${what} differs from the stored one`);
}

/** The uploader's master key signed by their devices, or one of their devices signed by their self-signing key. */
function ownKeySignatures(ctx: SignatureContext, keyId: string, signed: JsonObject): StoredSignature[] {
  const { userId } = ctx;
  const master = ctx.own.master;
  if (master !== undefined && keyId === master.publicKey) {
    const bySigner = Object.entries(signaturesOf(signed, userId));
    if (bySigner.length === 0) throw invalidSignature('No signature by one of your devices');
    requireSameContent(signed, master.json, 'master key');
    return bySigner.map(([signerKeyId, signature]) => {
      // Every signature of the user on the object must be a device's, as in Synapse: the object is the
      // master key as the client sees it, so anything else in it is a mistake worth reporting.
      const deviceId = signerKeyId.startsWith('ed25519:') ? signerKeyId.slice('ed25519:'.length) : undefined;
      const deviceKeys = deviceId === undefined ? undefined : ctx.devices.get(deviceId)?.keys;
      const publicKey = isJsonObject(deviceKeys) ? deviceKeys[signerKeyId] : undefined;
      if (typeof publicKey !== 'string')
        throw invalidSignature(`${signerKeyId} is none of your devices' keys`);
      if (!signedBy(signed, userId, publicKey, signerKeyId)) throw invalidSignature('Invalid signature');
      return { signerUserId: userId, signerKeyId, targetUserId: userId, targetKeyId: keyId, signature };
    });
  }

  const device = ctx.devices.get(keyId);
  if (device === undefined) throw notFound(`No device or key ${keyId}`);
  const selfSigning = ctx.own.self_signing;
  if (selfSigning === undefined) throw notFound('You have no self-signing key');
  const signerKeyId = ed25519KeyId(selfSigning.publicKey);
  const signature = signaturesOf(signed, userId)[signerKeyId];
  if (signature === undefined) throw invalidSignature('No signature by your self-signing key');
  requireSameContent(signed, device, 'device keys');
  if (!signedBy(signed, userId, selfSigning.publicKey)) throw invalidSignature('Invalid signature');
  return [{ signerUserId: userId, signerKeyId, targetUserId: userId, targetKeyId: keyId, signature }];
}

/** Another user's master key signed by the uploader's user-signing key. */
function otherMasterKeySignature(
  ctx: SignatureContext,
  targetUserId: string,
  keyId: string,
  signed: JsonObject,
): StoredSignature {
  const userSigning = ctx.own.user_signing;
  if (userSigning === undefined) throw notFound('You have no user-signing key');
  const master = ctx.masters.get(targetUserId);
  if (master === undefined) throw notFound(`${targetUserId} has no master key`);
  // Only a master key: other users' devices are trusted through their own self-signing keys.
  if (keyId !== master.publicKey) throw notFound(`${keyId} is not the master key of ${targetUserId}`);
  const signerKeyId = ed25519KeyId(userSigning.publicKey);
  const signature = signaturesOf(signed, ctx.userId)[signerKeyId];
  if (signature === undefined) throw invalidSignature('No signature by your user-signing key');
  requireSameContent(signed, master.json, 'master key');
  if (!signedBy(signed, ctx.userId, userSigning.publicKey)) throw invalidSignature('Invalid signature');
  return { signerUserId: ctx.userId, signerKeyId, targetUserId, targetKeyId: keyId, signature };
}

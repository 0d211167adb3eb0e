// Cross-signing keys (one current key per user and type) and the signatures users put on devices and
// on cross-signing keys, kept apart from the signed objects so /keys/query can merge them in.
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export type CrossSigningKeyType = 'master' | 'self_signing' | 'user_signing';

export interface StoredCrossSigningKey {
  userId: string;
  keyType: CrossSigningKeyType;
  /** Unpadded base64 ed25519 public key. */
  publicKey: string;
  /** The CrossSigningKey object as uploaded, JSON. */
  keyJson: string;
}

export interface StoredSignature {
  signerUserId: string;
  /** `ed25519:<device id or public key>`. */
  signerKeyId: string;
  targetUserId: string;
  /** The device id, or the public key of a cross-signing key. */
  targetKeyId: string;
  signature: string;
}

/** Replaces a user's key of one type. */
export async function putCrossSigningKey(trx: Kysely<Schema>, key: StoredCrossSigningKey): Promise<void> {
  const values = { public_key: key.publicKey, key_json: key.keyJson };
  await trx
    .insertInto('e2e_cross_signing_keys')
    .values({ user_id: key.userId, key_type: key.keyType, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'key_type']).doUpdateSet(values))
    .execute();
}

/** The current cross-signing keys of the given users. */
export async function getCrossSigningKeys(
  db: Kysely<Schema>,
  userIds: readonly string[],
): Promise<StoredCrossSigningKey[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('e2e_cross_signing_keys')
    .selectAll()
    .where('user_id', 'in', userIds)
    .execute();
  return rows.map((r) => ({
    userId: r.user_id,
    keyType: r.key_type as CrossSigningKeyType,
    publicKey: r.public_key,
    keyJson: r.key_json,
  }));
}

/** Stores signatures; a signature by the same key on the same target replaces the old one. */
export async function putSignatures(
  trx: Kysely<Schema>,
  signatures: readonly StoredSignature[],
): Promise<void> {
  for (const s of signatures) {
    await trx
      .insertInto('e2e_signatures')
      .values({
        signer_user_id: s.signerUserId,
        signer_key_id: s.signerKeyId,
        target_user_id: s.targetUserId,
        target_key_id: s.targetKeyId,
        signature: s.signature,
      })
      .onConflict((oc) =>
        oc
          .columns(['target_user_id', 'target_key_id', 'signer_user_id', 'signer_key_id'])
          .doUpdateSet({ signature: s.signature }),
      )
      .execute();
  }
}

/** Every stored signature on keys of the given users. */
export async function signaturesOnUsers(
  db: Kysely<Schema>,
  targetUserIds: readonly string[],
): Promise<StoredSignature[]> {
  if (targetUserIds.length === 0) return [];
  const rows = await db
    .selectFrom('e2e_signatures')
    .selectAll()
    .where('target_user_id', 'in', targetUserIds)
    .execute();
  return rows.map((r) => ({
    signerUserId: r.signer_user_id,
    signerKeyId: r.signer_key_id,
    targetUserId: r.target_user_id,
    targetKeyId: r.target_key_id,
    signature: r.signature,
  }));
}

/** Removes signatures on a user's keys (a device's when it is deleted). */
export async function deleteSignaturesOn(
  trx: Kysely<Schema>,
  targetUserId: string,
  targetKeyIds: readonly string[],
): Promise<void> {
  if (targetKeyIds.length === 0) return;
  await trx
    .deleteFrom('e2e_signatures')
    .where('target_user_id', '=', targetUserId)
    .where('target_key_id', 'in', targetKeyIds)
    .execute();
}

/** Removes the signatures a user made with these keys (`ed25519:<public key>`), once the keys are replaced. */
export async function deleteSignaturesBy(
  trx: Kysely<Schema>,
  signerUserId: string,
  signerKeyIds: readonly string[],
): Promise<void> {
  if (signerKeyIds.length === 0) return;
  await trx
    .deleteFrom('e2e_signatures')
    .where('signer_user_id', '=', signerUserId)
    .where('signer_key_id', 'in', signerKeyIds)
    .execute();
}

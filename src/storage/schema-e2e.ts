// Tables of end-to-end encryption: device keys, one-time and fallback keys, cross-signing keys and the
// signatures on keys, the device-list change stream, to-device messages, and server-side key backup.
// Key objects are stored as the JSON text the client uploaded.

export interface E2eDeviceKeysTable {
  user_id: string;
  device_id: string;
  /** The DeviceKeys object as uploaded (its own signatures included; others' are in e2e_signatures). */
  key_json: string;
}

export interface E2eOneTimeKeysTable {
  user_id: string;
  device_id: string;
  algorithm: string;
  key_id: string;
  /** The key: a string, or a signed key object, as JSON. */
  key_json: string;
}

export interface E2eFallbackKeysTable {
  user_id: string;
  device_id: string;
  algorithm: string;
  key_id: string;
  key_json: string;
  /** 1 once a /keys/claim handed it out. */
  used: number;
}

export interface E2eCrossSigningKeysTable {
  user_id: string;
  /** 'master', 'self_signing' or 'user_signing'. */
  key_type: string;
  /** The unpadded-base64 ed25519 public key. */
  public_key: string;
  /** The CrossSigningKey object as uploaded. */
  key_json: string;
}

export interface E2eSignaturesTable {
  /** Who signed, and with which key (`ed25519:<device id or public key>`). */
  signer_user_id: string;
  signer_key_id: string;
  /** What was signed: a user's device (its device id) or cross-signing key (its public key). */
  target_user_id: string;
  target_key_id: string;
  signature: string;
}

export interface DeviceListChangesTable {
  /** Position on the device_lists stream. */
  stream_id: number;
  /** The user whose devices or cross-signing keys changed. */
  user_id: string;
}

export interface ToDeviceMessagesTable {
  /** Position on the to_device stream. */
  stream_id: number;
  user_id: string;
  device_id: string;
  /** `{type, sender, content}` as JSON. */
  message_json: string;
  sent_ts: number;
}

export interface ToDeviceTxnsTable {
  user_id: string;
  device_id: string;
  /** `sendToDevice/{eventType}`: transaction ids are scoped to the endpoint. */
  endpoint: string;
  txn_id: string;
  created_ts: number;
}

export interface RoomKeysVersionsTable {
  user_id: string;
  version: number;
  algorithm: string;
  auth_data: string;
  /** Changes whenever the keys stored in this version change (the spec's etag). */
  etag: number;
  /** 1 once deleted; version numbers are never reused. */
  deleted: number;
}

export interface RoomKeysTable {
  user_id: string;
  version: number;
  room_id: string;
  session_id: string;
  first_message_index: number;
  forwarded_count: number;
  is_verified: number;
  session_data: string;
}

export interface DehydratedDevicesTable {
  /** One dehydrated device per user (MSC3814). */
  user_id: string;
  device_id: string;
  /** The client's opaque device_data, JSON. */
  device_data: string;
}

export interface E2eTables {
  e2e_device_keys: E2eDeviceKeysTable;
  e2e_one_time_keys: E2eOneTimeKeysTable;
  e2e_fallback_keys: E2eFallbackKeysTable;
  e2e_cross_signing_keys: E2eCrossSigningKeysTable;
  e2e_signatures: E2eSignaturesTable;
  device_list_changes: DeviceListChangesTable;
  to_device_messages: ToDeviceMessagesTable;
  to_device_txns: ToDeviceTxnsTable;
  room_keys_versions: RoomKeysVersionsTable;
  room_keys: RoomKeysTable;
  dehydrated_devices: DehydratedDevicesTable;
}

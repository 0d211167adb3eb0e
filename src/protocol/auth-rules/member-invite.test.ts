// m.room.member with membership invite, plain and redeeming a third-party invite.
import { test } from 'node:test';
import type { JsonObject } from '../canonical-json.js';
import { publicKeyBase64, signJson } from '../signing.js';
import {
  ALICE,
  ALL_VERSIONS,
  BOB,
  CAROL,
  EVE,
  expectAllowed,
  expectRejected,
  ruleName,
  standardRoom,
} from './test-helpers.js';

const IDENTITY_SEED = new Uint8Array(32).fill(7);
const OTHER_SEED = new Uint8Array(32).fill(9);
const TOKEN = 'tok';

const invite = (target: string, sender = BOB, content: JsonObject = {}) => ({
  type: 'm.room.member',
  sender,
  state_key: target,
  content: { membership: 'invite', ...content },
});

function signedBlock(seed: Uint8Array, fields: JsonObject = {}): JsonObject {
  return signJson({ mxid: CAROL, sender: BOB, token: TOKEN, ...fields }, 'id.example', 'ed25519:0', seed);
}

function thirdPartyRoom(version: string, keys: JsonObject = { public_key: publicKeyBase64(IDENTITY_SEED) }) {
  const room = standardRoom(version);
  room.force({
    type: 'm.room.third_party_invite',
    sender: BOB,
    state_key: TOKEN,
    content: { display_name: 'c...@example.org', key_validity_url: 'https://id.example/isvalid', ...keys },
  });
  return room;
}

const redeem = (signed: unknown, sender = BOB, target = CAROL) =>
  invite(target, sender, { third_party_invite: { display_name: 'c...@example.org', signed } as JsonObject });

for (const version of ALL_VERSIONS) {
  test(`v${version} invite 4: a joined member at the invite level may invite`, () => {
    const room = standardRoom(version);
    expectAllowed(room.try(invite(CAROL)));
    expectAllowed(room.try(invite(EVE, ALICE)));
    room.member(CAROL, 'leave');
    expectAllowed(room.try(invite(CAROL)));
  });

  test(`${ruleName(version, 'm.room.member/invite/sender-not-joined')}: rejects an invite from a non-member`, () => {
    const room = standardRoom(version);
    room.member(BOB, 'leave');
    expectRejected(room.try(invite(CAROL)), 'm.room.member/invite/sender-not-joined');
    room.member(BOB, 'invite', ALICE);
    expectRejected(room.try(invite(CAROL)), 'm.room.member/invite/sender-not-joined');
  });

  test(`${ruleName(version, 'm.room.member/invite/target-joined-or-banned')}: rejects inviting a member or a banned user`, () => {
    const room = standardRoom(version);
    expectRejected(room.try(invite(ALICE)), 'm.room.member/invite/target-joined-or-banned');
    room.member(CAROL, 'ban', ALICE);
    expectRejected(room.try(invite(CAROL)), 'm.room.member/invite/target-joined-or-banned');
  });

  test(`${ruleName(version, 'm.room.member/invite/insufficient-power')}: rejects an invite below the invite level`, () => {
    const room = standardRoom(version);
    const users = room.rules.privilegedCreators ? { [BOB]: 49 } : { [ALICE]: 100, [BOB]: 49 };
    room.powerLevels({ users, invite: 50 });
    expectRejected(room.try(invite(CAROL)), 'm.room.member/invite/insufficient-power');
    expectAllowed(room.try(invite(CAROL, ALICE)));
  });

  test(`v${version} invite 1.7: a third-party invite signed with the invite's public_key or public_keys is allowed`, () => {
    const single = thirdPartyRoom(version);
    expectAllowed(single.try(redeem(signedBlock(IDENTITY_SEED))));
    const listed = thirdPartyRoom(version, {
      public_key: publicKeyBase64(OTHER_SEED),
      public_keys: [{ public_key: 'not base64!' }, { public_key: publicKeyBase64(IDENTITY_SEED) }],
    });
    expectAllowed(listed.try(redeem(signedBlock(IDENTITY_SEED))));
    // The redeeming path does not look at the sender's membership or power.
    single.member(BOB, 'leave');
    expectAllowed(single.try(redeem(signedBlock(IDENTITY_SEED))));
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/banned')}: rejects redeeming an invite for a banned user`, () => {
    const room = thirdPartyRoom(version);
    room.member(CAROL, 'ban', ALICE);
    expectRejected(room.try(redeem(signedBlock(IDENTITY_SEED))), 'm.room.member/invite/third-party/banned');
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/no-signed')}: rejects third_party_invite without signed`, () => {
    const room = thirdPartyRoom(version);
    expectRejected(room.try(redeem(undefined)), 'm.room.member/invite/third-party/no-signed');
    expectRejected(room.try(redeem('signed')), 'm.room.member/invite/third-party/no-signed');
    expectRejected(
      room.try(invite(CAROL, BOB, { third_party_invite: 'x' })),
      'm.room.member/invite/third-party/no-signed',
    );
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/no-mxid-token')}: rejects signed without mxid or token`, () => {
    const room = thirdPartyRoom(version);
    const { mxid: _m, ...noMxid } = signedBlock(IDENTITY_SEED);
    const { token: _t, ...noToken } = signedBlock(IDENTITY_SEED);
    expectRejected(room.try(redeem(noMxid)), 'm.room.member/invite/third-party/no-mxid-token');
    expectRejected(room.try(redeem(noToken)), 'm.room.member/invite/third-party/no-mxid-token');
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/mxid-mismatch')}: rejects signed.mxid other than state_key`, () => {
    const room = thirdPartyRoom(version);
    expectRejected(
      room.try(redeem(signedBlock(IDENTITY_SEED), BOB, EVE)),
      'm.room.member/invite/third-party/mxid-mismatch',
    );
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/no-invite-event')}: rejects a token with no m.room.third_party_invite`, () => {
    const room = thirdPartyRoom(version);
    expectRejected(
      room.try(redeem(signedBlock(IDENTITY_SEED, { token: 'other' }))),
      'm.room.member/invite/third-party/no-invite-event',
    );
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/sender-mismatch')}: rejects a sender other than the invite's`, () => {
    const room = thirdPartyRoom(version);
    expectRejected(
      room.try(redeem(signedBlock(IDENTITY_SEED), ALICE)),
      'm.room.member/invite/third-party/sender-mismatch',
    );
  });

  test(`${ruleName(version, 'm.room.member/invite/third-party/bad-signature')}: rejects signed not signed by any listed key`, () => {
    const room = thirdPartyRoom(version);
    expectRejected(
      room.try(redeem(signedBlock(OTHER_SEED))),
      'm.room.member/invite/third-party/bad-signature',
    );
    const tampered = { ...signedBlock(IDENTITY_SEED), extra: 'field' };
    expectRejected(room.try(redeem(tampered)), 'm.room.member/invite/third-party/bad-signature');
    const { signatures: _s, ...unsigned } = signedBlock(IDENTITY_SEED);
    expectRejected(room.try(redeem(unsigned)), 'm.room.member/invite/third-party/bad-signature');
    const keyless = thirdPartyRoom(version, {});
    expectRejected(
      keyless.try(redeem(signedBlock(IDENTITY_SEED))),
      'm.room.member/invite/third-party/bad-signature',
    );
  });
}

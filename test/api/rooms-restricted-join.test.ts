// Joining restricted and knock_restricted rooms (client-server-api, "Restricted rooms"): members of an
// allowed room join on a local member's authority (join_authorised_via_users_server), others are refused
// and leave nothing stored, and invited users join as in any room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';

let t: TestApp;
let api: ReturnType<typeof clientFor>;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let erin: TestUser;
let space: string;
before(async () => {
  t = await startTestApp();
  api = clientFor(t);
  alice = await createTestUser(t, 'alice');
  bob = await createTestUser(t, 'bob');
  carol = await createTestUser(t, 'carol');
  dave = await createTestUser(t, 'dave');
  erin = await createTestUser(t, 'erin');
  space = await api.createRoom(alice, { preset: 'public_chat', creation_content: { type: 'm.space' } });
  for (const user of [bob, erin]) assert.equal((await api.join(user, space)).status, 200);
});
after(() => t.close());

const enc = encodeURIComponent;

function restrictedRoom(
  version: string,
  joinRule: 'restricted' | 'knock_restricted',
  extra: Record<string, unknown> = {},
): Promise<string> {
  return api.createRoom(alice, {
    room_version: version,
    initial_state: [
      {
        type: 'm.room.join_rules',
        content: { join_rule: joinRule, allow: [{ type: 'm.room_membership', room_id: space }] },
      },
    ],
    // Only those at 50 may invite, so a plain member could not authorise a join.
    power_level_content_override: { invite: 50 },
    ...extra,
  });
}

const memberContent = async (roomId: string, userId: string) =>
  (await api.get(`/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`, alice)).body as Record<
    string,
    unknown
  >;

/** Asserts the user's stored join names a joined member at or above the room's invite level. */
async function assertAuthorisedJoin(roomId: string, userId: string, version: string): Promise<void> {
  const content = await memberContent(roomId, userId);
  assert.equal(content.membership, 'join');
  const authoriser = content.join_authorised_via_users_server;
  assert.equal(typeof authoriser, 'string', `v${version}: join names its authoriser`);
  assert.equal((await memberContent(roomId, authoriser as string)).membership, 'join');
  const levels = (await api.get(`/rooms/${enc(roomId)}/state/m.room.power_levels`, alice)).body;
  const creator = (await api.get(`/rooms/${enc(roomId)}/state/m.room.create`, alice)).body;
  // v12 creators have unlimited power and are left out of `users`.
  const power =
    version === '12' && authoriser === alice.userId
      ? Infinity
      : ((levels.users?.[authoriser as string] as number | undefined) ?? levels.users_default ?? 0);
  assert.ok(power >= (levels.invite ?? 0), `v${version}: ${String(authoriser)} may invite`);
  assert.equal(authoriser, alice.userId, `v${version}: the only member able to invite`);
  assert.equal(creator.room_version, version);
}

async function assertNotJoined(roomId: string, user: TestUser): Promise<void> {
  const member = await api.get(`/rooms/${enc(roomId)}/state/m.room.member/${enc(user.userId)}`, alice);
  assert.equal(member.status, 404, 'no member event was stored');
  assert.ok(!(await api.get('/joined_rooms', user)).body.joined_rooms.includes(roomId));
}

test('a space member joins a room restricted to the space, by either join endpoint', async () => {
  for (const version of ['8', '9', '10', '11', '12']) {
    const roomId = await restrictedRoom(version, 'restricted');
    assert.equal((await api.join(bob, roomId)).status, 200, `v${version}: /rooms/{roomId}/join`);
    await assertAuthorisedJoin(roomId, bob.userId, version);

    const aliased = await restrictedRoom(version, 'restricted', {
      room_alias_name: `restricted-v${version}`,
    });
    const byAlias = await api.post(`/join/${enc(`#restricted-v${version}:test.local`)}`, bob);
    assert.equal(byAlias.status, 200, `v${version}: /join/{alias}`);
    assert.equal(byAlias.body.room_id, aliased);
    await assertAuthorisedJoin(aliased, bob.userId, version);
    const byId = await api.post(`/join/${enc(aliased)}`, erin);
    assert.equal(byId.status, 200, `v${version}: /join/{roomId}`);
    await assertAuthorisedJoin(aliased, erin.userId, version);
    await api.send(erin, aliased, 'hello');

    // A member joining again (a profile change) needs no authoriser.
    assert.equal((await api.join(bob, roomId)).status, 200);
    assert.equal((await memberContent(roomId, bob.userId)).join_authorised_via_users_server, undefined);
  }
});

test('someone in none of the allowed rooms is refused and nothing is stored', async () => {
  for (const version of ['8', '10', '12']) {
    const roomId = await restrictedRoom(version, 'restricted', { room_alias_name: `closed-v${version}` });
    const direct = await api.join(carol, roomId);
    assert.equal(direct.status, 403, `v${version}`);
    assert.equal(direct.body.errcode, 'M_FORBIDDEN');
    const byAlias = await api.post(`/join/${enc(`#closed-v${version}:test.local`)}`, carol);
    assert.equal(byAlias.status, 403);
    assert.equal(byAlias.body.errcode, 'M_FORBIDDEN');
    await assertNotJoined(roomId, carol);
  }
  // Conditions are checked at join time: having left the space is not enough.
  const roomId = await restrictedRoom('10', 'restricted');
  assert.equal((await api.join(dave, space)).status, 200);
  assert.equal((await api.post(`/rooms/${enc(space)}/leave`, dave)).status, 200);
  assert.equal((await api.join(dave, roomId)).body.errcode, 'M_FORBIDDEN');
  await assertNotJoined(roomId, dave);
  // Malformed or unknown conditions grant nothing.
  const odd = await api.createRoom(alice, {
    room_version: '10',
    initial_state: [
      {
        type: 'm.room.join_rules',
        content: {
          join_rule: 'restricted',
          allow: [{ type: 'm.other', room_id: space }, { type: 'm.room_membership' }, 'x'],
        },
      },
    ],
  });
  assert.equal((await api.join(bob, odd)).body.errcode, 'M_FORBIDDEN');
  await assertNotJoined(odd, bob);
});

test('knock_restricted (v10+) lets space members join and others knock', async () => {
  for (const version of ['10', '11', '12']) {
    const roomId = await restrictedRoom(version, 'knock_restricted');
    assert.equal((await api.join(bob, roomId)).status, 200, `v${version}`);
    await assertAuthorisedJoin(roomId, bob.userId, version);
    const refused = await api.join(carol, roomId);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.errcode, 'M_FORBIDDEN');
    await assertNotJoined(roomId, carol);
    assert.equal((await api.post(`/knock/${enc(roomId)}`, carol)).status, 200, 'may still knock');
    assert.equal((await memberContent(roomId, carol.userId)).membership, 'knock');
    // A knocking space member still joins on the allow condition.
    assert.equal((await api.post(`/knock/${enc(roomId)}`, erin)).status, 200);
    assert.equal((await api.join(erin, roomId)).status, 200);
    await assertAuthorisedJoin(roomId, erin.userId, version);
  }
  // Before v10 knock_restricted is no join rule at all: nobody joins uninvited.
  const v9 = await restrictedRoom('9', 'knock_restricted');
  assert.equal((await api.join(bob, v9)).status, 403);
  await assertNotJoined(v9, bob);
});

test('an invited user joins without meeting any allow condition', async () => {
  for (const [version, joinRule] of [
    ['8', 'restricted'],
    ['10', 'knock_restricted'],
    ['12', 'restricted'],
  ] as const) {
    const roomId = await restrictedRoom(version, joinRule);
    const invite = await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: carol.userId });
    assert.equal(invite.status, 200);
    assert.equal((await api.join(carol, roomId)).status, 200, `v${version} ${joinRule}`);
    const content = await memberContent(roomId, carol.userId);
    assert.equal(content.membership, 'join');
    assert.equal(content.join_authorised_via_users_server, undefined);
  }
});

test('with no local member able to invite the join cannot be granted', async () => {
  const roomId = await restrictedRoom('10', 'restricted');
  assert.equal((await api.join(erin, roomId)).status, 200);
  assert.equal((await api.post(`/rooms/${enc(roomId)}/leave`, alice)).status, 200);
  // Only erin is left, below the invite level.
  const res = await api.join(bob, roomId);
  assert.equal(res.status, 400);
  assert.equal(res.body.errcode, 'M_UNABLE_TO_GRANT_JOIN');
  const member = await api.get(`/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`, erin);
  assert.equal(member.status, 404, 'no member event was stored');
  // Someone outside the allowed rooms is still told they are forbidden.
  assert.equal((await api.join(carol, roomId)).body.errcode, 'M_FORBIDDEN');
});

test('the authoriser is the most powerful local member', async () => {
  const roomId = await restrictedRoom('10', 'restricted', {
    power_level_content_override: { invite: 50, users: { [alice.userId]: 100, [erin.userId]: 150 } },
  });
  const invite = await api.post(`/rooms/${enc(roomId)}/invite`, alice, { user_id: erin.userId });
  assert.equal(invite.status, 200);
  assert.equal((await api.join(erin, roomId)).status, 200);
  assert.equal((await api.join(bob, roomId)).status, 200);
  assert.equal((await memberContent(roomId, bob.userId)).join_authorised_via_users_server, erin.userId);
});

test("a join sent as a state event meets the same checks; the authoriser is the server's choice", async () => {
  const roomId = await restrictedRoom('10', 'restricted');
  const asState = (user: TestUser, content: Record<string, unknown>) =>
    api.put(`/rooms/${enc(roomId)}/state/m.room.member/${enc(user.userId)}`, user, content);
  // Naming an authoriser oneself does not get around the allow conditions.
  const forged = await asState(carol, { membership: 'join', join_authorised_via_users_server: alice.userId });
  assert.equal(forged.status, 403);
  assert.equal(forged.body.errcode, 'M_FORBIDDEN');
  await assertNotJoined(roomId, carol);
  // A space member joining this way gets the server's authoriser, whoever they named.
  const named = await asState(erin, { membership: 'join', join_authorised_via_users_server: erin.userId });
  assert.equal(named.status, 200, JSON.stringify(named.body));
  await assertAuthorisedJoin(roomId, erin.userId, '10');
});

// Rate limits on single endpoints (Synapse's rc_admin_redaction, rc_user_directory, rc_presence,
// rc_media_create) and rc_message on leaving: each lets its burst through, then 429 with nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestUser, type TestUser } from '../support/users.js';
import { assertLimited, scenario, send } from '../support/ratelimit-scenario.js';

test("rc_admin_redaction: when set, redacting others' events uses it instead of rc_message; one's own events do not", async () => {
  const yaml = `rc_message: { per_second: 0.1, burst_count: 3 }
rc_admin_redaction: { per_second: 1, burst_count: 5 }
`;
  await scenario(yaml, async ({ t, clock, api }) => {
    const mod = await createTestUser(t, 'mod');
    const spammer = await createTestUser(t, 'spammer');
    const roomId = await api.createRoom(mod, { preset: 'public_chat' });
    assert.equal((await api.join(spammer, roomId)).status, 200);
    clock.now += 3_600_000;
    const spam: string[] = [];
    for (let i = 0; i < 3; i++) spam.push(await api.send(spammer, roomId, `spam ${i}`, `s${i}`));
    clock.now += 3_600_000;
    const redact = (who: TestUser, eventId: string, txn: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(eventId)}/${txn}`,
        headers: who.auth,
        payload: {},
      });
    // Five redactions of others' events in a burst, though rc_message allows three.
    for (let i = 0; i < 5; i++) {
      const target = spam[i % 3]!;
      assert.equal((await redact(mod, target, `r${i}`)).statusCode, 200);
    }
    assertLimited(await redact(mod, spam[0]!, 'r5'), 1000);
    // The moderator's own messages still have their rc_message budget; own redactions draw on it.
    const own = await api.send(mod, roomId, 'mine', 'm1');
    assert.equal((await redact(mod, own, 'r6')).statusCode, 200);
    assert.equal((await send(t, mod, roomId, 'm2')).statusCode, 200);
    assertLimited(await send(t, mod, roomId, 'm3'), 10_000);
  });
});

test('rc_user_directory, rc_presence.per_user and rc_media_create limit their endpoints per user; leaving costs rc_message', async () => {
  const yaml = `rc_user_directory: { per_second: 0.5, burst_count: 2 }
rc_presence: { per_user: { per_second: 0.1, burst_count: 1 } }
rc_media_create: { per_second: 1, burst_count: 2 }
rc_message: { per_second: 0.5, burst_count: 1 }
`;
  await scenario(yaml, async ({ t, clock, api }) => {
    const zoe = await createTestUser(t, 'zoe');
    const search = () =>
      t.app.inject({
        method: 'POST',
        url: '/_matrix/client/v3/user_directory/search',
        headers: zoe.auth,
        payload: { search_term: 'a' },
      });
    assert.equal((await search()).statusCode, 200);
    assert.equal((await search()).statusCode, 200);
    assertLimited(await search(), 2000);

    const presence = (state: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/_matrix/client/v3/presence/${encodeURIComponent(zoe.userId)}/status`,
        headers: zoe.auth,
        payload: { presence: state },
      });
    assert.equal((await presence('unavailable')).statusCode, 200);
    assertLimited(await presence('online'), 10_000);
    const status = await api.get(`/presence/${encodeURIComponent(zoe.userId)}/status`, zoe);
    assert.equal(status.body.presence, 'unavailable');

    const create = () => t.app.inject({ method: 'POST', url: '/_matrix/media/v1/create', headers: zoe.auth });
    assert.equal((await create()).statusCode, 200);
    assert.equal((await create()).statusCode, 200);
    assertLimited(await create(), 1000);

    clock.now += 3_600_000;
    const roomId = await api.createRoom(zoe);
    const leave = await t.app.inject({
      method: 'POST',
      url: `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`,
      headers: zoe.auth,
      payload: {},
    });
    assertLimited(leave, 2000);
    assert.deepEqual((await api.get('/joined_rooms', zoe)).body.joined_rooms, [roomId]);
  });
});

test('a retried transaction is answered with its event even while rc_message refuses new ones', async () => {
  await scenario('rc_message: { per_second: 0.1, burst_count: 2 }\n', async ({ t, clock, api }) => {
    const alice = await createTestUser(t, 'alice');
    const roomId = await api.createRoom(alice, { preset: 'public_chat' });
    clock.now += 3_600_000;
    const first = await send(t, alice, roomId, 't1');
    const second = await send(t, alice, roomId, 't2');
    assert.equal(second.statusCode, 200);
    assertLimited(await send(t, alice, roomId, 't3'), 10_000);
    // The client lost the answers and sends both again with the same transaction ids (as clients do):
    // they were sent, so the answers are their event ids, not 429 (Synapse's transaction cache).
    for (const [txn, sent] of [
      ['t1', first],
      ['t2', second],
    ] as const) {
      const again = await send(t, alice, roomId, txn);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json().event_id, sent.json().event_id);
    }
    const redactUrl = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(first.json().event_id)}/r1`;
    clock.now += 10_000;
    const redacted = await t.app.inject({ method: 'PUT', url: redactUrl, headers: alice.auth, payload: {} });
    assert.equal(redacted.statusCode, 200);
    const redoneAgain = await t.app.inject({
      method: 'PUT',
      url: redactUrl,
      headers: alice.auth,
      payload: {},
    });
    assert.equal(redoneAgain.json().event_id, redacted.json().event_id);
    // A new transaction is still refused.
    assertLimited(await send(t, alice, roomId, 't4'), 10_000);
  });
});

test('profile changes cost rc_message (each one sends a member event to every joined room): a flood of renames is refused, nothing changed', async () => {
  await scenario('rc_message: { per_second: 0.2, burst_count: 3 }\n', async ({ t, clock, api }) => {
    const owner = await createTestUser(t, 'owner');
    const renamer = await createTestUser(t, 'renamer');
    const roomId = await api.createRoom(owner, { preset: 'public_chat' });
    assert.equal((await api.join(renamer, roomId)).status, 200);
    clock.now += 3_600_000;
    const profile = `/_matrix/client/v3/profile/${encodeURIComponent(renamer.userId)}`;
    const rename = (name: string) =>
      t.app.inject({
        method: 'PUT',
        url: `${profile}/displayname`,
        headers: renamer.auth,
        payload: { displayname: name },
      });
    for (const name of ['one', 'two']) assert.equal((await rename(name)).statusCode, 200);
    const avatar = await t.app.inject({
      method: 'PUT',
      url: `${profile}/avatar_url`,
      headers: renamer.auth,
      payload: { avatar_url: 'mxc://test.local/pic' },
    });
    assert.equal(avatar.statusCode, 200);
    assertLimited(await rename('four'), 5000);
    const cleared = await t.app.inject({
      method: 'DELETE',
      url: `${profile}/avatar_url`,
      headers: renamer.auth,
    });
    assertLimited(cleared, 5000);
    const seen = await api.get(
      `/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(renamer.userId)}`,
      owner,
    );
    assert.equal(seen.body.displayname, 'two');
    assert.equal(seen.body.avatar_url, 'mxc://test.local/pic');
    assert.equal(
      (await api.get(`/profile/${encodeURIComponent(renamer.userId)}`, owner)).body.displayname,
      'two',
    );
  });
});

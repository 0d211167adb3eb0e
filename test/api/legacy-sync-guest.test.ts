// Guests and the sync API before /sync (allow_guest_access on): a guest may preview a world-readable room
// with /rooms/{roomId}/initialSync and follow it with /events?room_id=, must name the room for /events, and
// may not use /initialSync, as with Synapse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertError, call, register, startAccountsApp } from '../support/accounts.js';

let t: TestApp;
before(async () => {
  t = await startAccountsApp('allow_guest_access: true\n');
});
after(() => t.close());

test('a guest previews a world-readable room and follows it; /events needs a room, /initialSync is refused', async () => {
  const alice = await register(t, 'alice');
  const created = await call(t, 'POST', '/_matrix/client/v3/createRoom', {
    token: alice.accessToken,
    payload: {
      preset: 'public_chat',
      initial_state: [
        {
          type: 'm.room.history_visibility',
          state_key: '',
          content: { history_visibility: 'world_readable' },
        },
      ],
    },
  });
  assert.equal(created.statusCode, 200, created.body);
  const roomId = created.json().room_id as string;
  const guestRes = await call(t, 'POST', '/_matrix/client/v3/register?kind=guest', { payload: {} });
  assert.equal(guestRes.statusCode, 200, guestRes.body);
  const guest = guestRes.json().access_token as string;
  const room = encodeURIComponent(roomId);

  const snapshot = await call(t, 'GET', `/_matrix/client/v3/rooms/${room}/initialSync`, { token: guest });
  assert.equal(snapshot.statusCode, 200, snapshot.body);
  assert.equal(snapshot.json().room_id, roomId);
  const start = (
    await call(t, 'GET', `/_matrix/client/v3/events?room_id=${room}&timeout=0`, { token: guest })
  ).json().end as string;
  const sent = await call(t, 'PUT', `/_matrix/client/v3/rooms/${room}/send/m.room.message/t1`, {
    token: alice.accessToken,
    payload: { msgtype: 'm.text', body: 'hello guest' },
  });
  assert.equal(sent.statusCode, 200, sent.body);
  const events = await call(t, 'GET', `/_matrix/client/v3/events?room_id=${room}&from=${start}&timeout=0`, {
    token: guest,
  });
  assert.equal(events.statusCode, 200, events.body);
  assert.deepEqual(
    events.json().chunk.map((e: { content: { body?: string } }) => e.content.body),
    ['hello guest'],
  );

  assertError(
    await call(t, 'GET', '/_matrix/client/v3/events?timeout=0', { token: guest }),
    400,
    'M_MISSING_PARAM',
  );
  assertError(
    await call(t, 'GET', '/_matrix/client/v3/initialSync', { token: guest }),
    403,
    'M_GUEST_ACCESS_FORBIDDEN',
  );
});

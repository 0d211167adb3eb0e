// End to end with matrix-js-sdk: a client that logged in with `refresh_token: true` on a server whose
// access tokens last three seconds keeps syncing and sending across several expiries by refreshing
// (client.refreshToken, which sends its current, possibly expired, token along), sees every message of the
// other member in order, and the tokens it replaced stop working. An expired token is answered 401
// M_UNKNOWN_TOKEN with soft_logout, and a refresh brings the session back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sdk } from '../support/matrix-sdk.js';
import { registerAccount, startHearth, type Hearth } from '../support/crypto-clients.js';
import { startPlainClient, timeUntilShown, type Emitter, type PlainClient } from '../support/sdk-clients.js';

const LIFETIME_MS = 3_000;

async function whoamiStatus(baseUrl: string, token: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${baseUrl}/_matrix/client/v3/account/whoami`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Json };
}
type Json = Record<string, unknown>;

test(
  'matrix-js-sdk keeps a session alive across access-token expiries with /refresh',
  { timeout: 90_000 },
  async () => {
    const hearth: Hearth = await startHearth(`refreshable_access_token_lifetime: ${LIFETIME_MS}ms\n`);
    const running: PlainClient[] = [];
    try {
      // matrix-js-sdk's register() always asks for a refresh token (as it would get from Synapse too): bob
      // logs in again without one, so his token does not expire under him.
      const bobRegistered = await registerAccount(hearth.baseUrl, 'bob');
      const bobLogin = await sdk.createClient({ baseUrl: hearth.baseUrl }).loginRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'bob' },
        password: bobRegistered.password,
      });
      assert.equal(bobLogin.expires_in_ms, undefined);
      const bobAccount = {
        ...bobRegistered,
        accessToken: bobLogin.access_token,
        deviceId: bobLogin.device_id,
      };
      const aliceAccount = await registerAccount(hearth.baseUrl, 'alice');
      let refreshedAt = Date.now();
      const login = await sdk.createClient({ baseUrl: hearth.baseUrl }).loginRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: 'alice' },
        password: aliceAccount.password,
        refresh_token: true,
      });
      assert.ok(login.refresh_token, 'a refresh token was issued');
      assert.equal(login.expires_in_ms, LIFETIME_MS);
      const alice = await startPlainClient(
        hearth.baseUrl,
        { ...aliceAccount, accessToken: login.access_token, deviceId: login.device_id },
        'alice',
      );
      running.push(alice);
      const bob = await startPlainClient(hearth.baseUrl, bobAccount, 'bob');
      running.push(bob);
      const a = alice.client;
      const on = (event: string): [Emitter, string][] => [[a, event]];

      const { room_id: roomId } = await bob.client.createRoom({ preset: sdk.Preset.PrivateChat });
      await bob.client.invite(roomId, aliceAccount.userId);
      await timeUntilShown(
        'alice to see the invite',
        async () => {},
        () => a.getRoom(roomId)?.getMyMembership(),
        (m) => m === 'invite',
        on(sdk.ClientEvent.Room),
        10_000,
      );
      await a.joinRoom(roomId);

      // Setting up may have taken most of a lifetime: the first refresh may come at once.
      let refreshToken = login.refresh_token;
      const replaced: string[] = [];
      const sent: string[] = [];
      const started = Date.now();
      // Bob talks for three lifetimes and more; alice answers now and then and refreshes halfway through
      // each lifetime, as a client that reads expires_in_ms does.
      for (let i = 0; Date.now() - started < 3.5 * LIFETIME_MS; i++) {
        await bob.client.sendTextMessage(roomId, `bob ${i}`);
        sent.push(`bob ${i}`);
        if (i % 4 === 3) {
          await a.sendTextMessage(roomId, `alice ${i}`);
          sent.push(`alice ${i}`);
        }
        if (Date.now() - refreshedAt > LIFETIME_MS / 2) {
          const next = await a.refreshToken(refreshToken);
          replaced.push(a.getAccessToken()!);
          a.setAccessToken(next.access_token);
          refreshToken = next.refresh_token!;
          refreshedAt = Date.now();
          // The first use of the new token retires the one it replaced, well before that would expire.
          await a.whoami();
          const old = await whoamiStatus(hearth.baseUrl, replaced.at(-1)!);
          assert.equal(old.status, 401, 'a replaced token stops at the first use of its successor');
          assert.equal(old.body.errcode, 'M_UNKNOWN_TOKEN');
        }
        await sleep(150);
      }
      assert.ok(replaced.length >= 4, `refreshed ${replaced.length} times`);
      const bodies = () =>
        (a.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [])
          .filter((e) => e.getType() === 'm.room.message' && e.status === null)
          .map((e) => e.getContent().body as string);
      await timeUntilShown(
        "alice's sync to show every message, in order",
        async () => {},
        bodies,
        (shown) => JSON.stringify(shown) === JSON.stringify(sent),
        on(sdk.RoomEvent.Timeline),
        10_000,
      );
      assert.deepEqual(
        alice.requests.filter((r) => / 401$/.test(r)),
        [],
        'alice never had a request refused',
      );

      // Left alone, the token expires: a soft logout, which a refresh ends.
      a.stopClient();
      await sleep(LIFETIME_MS + 200);
      await assert.rejects(a.whoami(), (err: { errcode?: string; data?: Json }) => {
        assert.equal(err.errcode, 'M_UNKNOWN_TOKEN');
        assert.equal(err.data?.soft_logout, true);
        return true;
      });
      const next = await a.refreshToken(refreshToken);
      a.setAccessToken(next.access_token);
      assert.equal((await a.whoami()).user_id, aliceAccount.userId);
    } finally {
      for (const c of running) c.client.stopClient();
      await hearth.stop();
    }
  },
);

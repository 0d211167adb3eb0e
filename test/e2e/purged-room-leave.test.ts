// End to end with matrix-js-sdk: a room deleted with purge while the client was not syncing must end up
// left in the SDK's store, not joined for good. The client's /sync requests are held back from before
// the deletion kicks its user until after the room is purged, as for a phone asleep meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { sdk } from '../support/matrix-sdk.js';
import { startTestApp } from '../support/app.js';
import { createTestUser } from '../support/users.js';
import { clientFor } from '../support/client.js';
import { requestAs } from '../support/admin-requests.js';
import { until, within } from '../support/crypto-clients.js';

const nothing = () => {};
const silent = {
  trace: nothing,
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  getChild: () => silent,
};

/** A fetch whose /sync requests wait while the gate is closed; `held` resolves when one is waiting. */
class SyncGate {
  private open: Promise<void> = Promise.resolve();
  private release = nothing;
  private onHeld = nothing;
  held: Promise<void> = Promise.resolve();

  close(): void {
    this.open = new Promise((resolve) => (this.release = resolve));
    this.held = new Promise((resolve) => (this.onHeld = resolve));
  }

  reopen(): void {
    this.release();
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).pathname.endsWith('/sync')) {
      this.onHeld();
      await this.open;
    }
    return globalThis.fetch(input, init);
  };
}

test(
  'matrix-js-sdk moves a room purged while it was not syncing to "leave"',
  { timeout: 60_000 },
  async () => {
    const t = await startTestApp();
    const client = clientFor(t);
    const gate = new SyncGate();
    let bobClient: ReturnType<typeof sdk.createClient> | undefined;
    try {
      const root = await createTestUser(t, 'root', { admin: true });
      const alice = await createTestUser(t, 'alice');
      const bob = await createTestUser(t, 'bob');
      const roomId = await client.createRoom(alice, { preset: 'public_chat' });
      assert.equal((await client.join(bob, roomId)).status, 200);
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      bobClient = sdk.createClient({
        baseUrl: `http://127.0.0.1:${port}`,
        userId: bob.userId,
        accessToken: bob.accessToken,
        deviceId: bob.deviceId,
        fetchFn: gate.fetch,
        logger: silent,
      });
      const sdkClient = bobClient;
      await sdkClient.startClient({ initialSyncLimit: 10 });
      const membership = () => sdkClient.getRoom(roomId)?.getMyMembership();
      await until(membership, (m) => m === 'join', 'the room joined in the SDK');

      // Hold the next /sync: a message wakes the one in flight, and the client's next one waits.
      gate.close();
      await client.send(alice, roomId, 'last words');
      await within(gate.held, 20_000, 'the next /sync to be held');
      const deleted = await requestAs(
        t,
        'DELETE',
        `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}`,
        root,
        {
          purge: true,
        },
      );
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body.kicked_users, [alice.userId, bob.userId].sort());
      assert.equal(membership(), 'join');
      gate.reopen();
      await until(membership, (m) => m === 'leave', 'the room left in the SDK');
    } finally {
      bobClient?.stopClient();
      gate.reopen();
      // The server would otherwise hold the stopped client's long-poll open until its timeout.
      t.deps.notifier.close();
      await t.close();
    }
  },
);

// End to end with a real client: two matrix-js-sdk clients register, create a room, invite, join,
// exchange 50 messages seen in order through their own sync loops, then the server restarts and both
// resume without loss or duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdk } from '../support/matrix-sdk.js';
import { generateSigningKey, writeSigningKeyFile } from '../../src/config/signing-key-file.js';
import { scratchDatabase } from '../support/databases.js';
import type { MatrixClient, MatrixEvent } from 'matrix-js-sdk';
import { freePort } from '../support/ports.js';
import { bootLiveServer } from '../support/live-server.js';

async function register(baseUrl: string, username: string): Promise<MatrixClient> {
  const anonymous = sdk.createClient({ baseUrl });
  const password = `pw-${username}-secret`;
  let response;
  try {
    response = await anonymous.register(username, password, null, { type: 'm.login.dummy' });
  } catch (err) {
    // First round of user-interactive auth: the server hands out a session to complete.
    const session = (err as { data?: { session?: string } }).data?.session;
    if (!session) throw err;
    response = await anonymous.register(username, password, session, { type: 'm.login.dummy', session });
  }
  return sdk.createClient({
    baseUrl,
    userId: response.user_id,
    accessToken: response.access_token,
    deviceId: response.device_id,
  });
}

/**
 * The m.room.message bodies in a client's live timeline, in order. Messages from the other user arrive
 * only through the client's sync loop; the client's own are local echoes confirmed by the server's
 * remote echo (matched through unsigned.transaction_id), so none may be pending or doubled.
 */
function timeline(client: MatrixClient, roomId: string): string[] {
  const events = client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
  return events
    .filter((e: MatrixEvent) => e.getType() === 'm.room.message' && e.status === null)
    .map((e: MatrixEvent) => e.getContent().body as string);
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startSyncing(client: MatrixClient): Promise<void> {
  const ready = new Promise<void>((resolve) => {
    const onSync = (state: string) => {
      if (state === 'PREPARED' || state === 'SYNCING') {
        client.off(sdk.ClientEvent.Sync, onSync);
        resolve();
      }
    };
    client.on(sdk.ClientEvent.Sync, onSync);
  });
  // Own messages join the timeline when the server echoes them through sync, so the timeline shows the
  // server's order rather than the order local echoes were made in.
  await client.startClient({ initialSyncLimit: 20, pendingEventOrdering: sdk.PendingEventOrdering.Detached });
  await ready;
}

test(
  'two matrix-js-sdk clients chat through Hearth and survive a restart',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-e2e-'));
    const keyPath = join(dir, 'signing.key');
    await writeSigningKeyFile(keyPath, [generateSigningKey()]);
    const scratch = await scratchDatabase();
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    let server = await bootLiveServer(port, keyPath, scratch);
    const alice = await register(baseUrl, 'alice');
    const bob = await register(baseUrl, 'bob');
    try {
      await startSyncing(alice);
      await startSyncing(bob);
      const { room_id: roomId } = await alice.createRoom({
        name: 'Hearth e2e',
        preset: sdk.Preset.PrivateChat,
      });
      await alice.invite(roomId, bob.getUserId()!);
      await until(() => bob.getRoom(roomId)?.getMyMembership() === 'invite', 'bob to see the invite');
      await bob.joinRoom(roomId);
      await until(
        () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === 'join',
        'alice to see bob join',
      );

      const sent: string[] = [];
      for (let i = 0; i < 50; i++) {
        const [sender, name] = i % 2 === 0 ? [alice, 'alice'] : [bob, 'bob'];
        const body = `${name} ${i}`;
        await sender.sendTextMessage(roomId, body);
        sent.push(body);
      }
      await until(
        () => timeline(alice, roomId).length >= 50 && timeline(bob, roomId).length >= 50,
        'both to see all 50 messages',
      );
      assert.deepEqual(timeline(alice, roomId), sent);
      assert.deepEqual(timeline(bob, roomId), sent);

      // Restart: the clients keep their sync tokens and carry on.
      await server.stop();
      server = await bootLiveServer(port, keyPath, scratch);
      const after = ['after restart 1', 'after restart 2'];
      await bob.sendTextMessage(roomId, after[0]!);
      await alice.sendTextMessage(roomId, after[1]!);
      await until(
        () => timeline(alice, roomId).length >= 52 && timeline(bob, roomId).length >= 52,
        'messages after the restart',
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(timeline(alice, roomId), [...sent, ...after]);
      assert.deepEqual(timeline(bob, roomId), [...sent, ...after]);

      // History pages back in the same order from the server.
      const history = await bob.createMessagesRequest(roomId, null, 100, sdk.Direction.Backward);
      const bodies = history.chunk
        .filter((e) => e.type === 'm.room.message')
        .map((e) => e.content.body as string);
      assert.deepEqual(bodies.reverse(), [...sent, ...after]);
    } finally {
      alice.stopClient();
      bob.stopClient();
      await server.stop(0);
      await scratch.drop();
    }
  },
);

// End to end with matrix-js-sdk: previewing a world-readable room without joining it ("Room Previews",
// as Element does for a public room picked from the directory). The SDK's peekInRoom reads the room through
// GET /rooms/{roomId}/initialSync, then follows it through GET /events?room_id=; it pages further back with
// /messages from the snapshot's start token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Room } from 'matrix-js-sdk';
import { sdk } from '../support/matrix-sdk.js';
import { registerAccount, startHearth, until, type Hearth } from '../support/crypto-clients.js';
import { startPlainClient, type PlainClient } from '../support/sdk-clients.js';

const textsOf = (room: Room | null) =>
  (room?.getLiveTimeline().getEvents() ?? [])
    .filter((e) => e.getType() === 'm.room.message')
    .map((e) => e.getContent().body as string);

test(
  'matrix-js-sdk previews a world-readable room it has not joined and sees new messages live',
  { timeout: 60_000 },
  async () => {
    const hearth: Hearth = await startHearth();
    const clients: PlainClient[] = [];
    try {
      const alice = await startPlainClient(
        hearth.baseUrl,
        await registerAccount(hearth.baseUrl, 'alice'),
        'alice',
      );
      const carol = await startPlainClient(
        hearth.baseUrl,
        await registerAccount(hearth.baseUrl, 'carol'),
        'carol',
      );
      clients.push(alice, carol);
      const { room_id: roomId } = await alice.client.createRoom({
        preset: sdk.Preset.PublicChat,
        name: 'Town square',
        visibility: sdk.Visibility.Public,
        initial_state: [
          {
            type: 'm.room.history_visibility',
            state_key: '',
            content: { history_visibility: 'world_readable' },
          },
        ],
      });
      const history = Array.from({ length: 30 }, (_, i) => `history ${i}`);
      for (const text of history) await alice.client.sendTextMessage(roomId, text);

      const peeked = await carol.client.peekInRoom(roomId, 20);
      assert.equal(peeked.name, 'Town square');
      assert.deepEqual(textsOf(peeked), history.slice(-20), 'the latest 20 messages, in order');
      assert.notEqual(peeked.getMyMembership(), 'join');

      // Scrolling up fetches the rest through /messages from the snapshot's start.
      await carol.client.scrollback(peeked, 30);
      assert.deepEqual(textsOf(peeked), history);

      // New messages arrive while previewing, through the /events long-poll. The SDK's first poll asks
      // from "now" (no token), so the message is sent once that poll is waiting.
      await until(
        () => carol.http.pending(/^\/_matrix\/client\/v3\/events$/),
        (n) => n > 0,
        'carol to poll /events',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await alice.client.sendTextMessage(roomId, 'live while you look');
      await until(
        () => textsOf(carol.client.getRoom(roomId) ?? peeked).at(-1),
        (last) => last === 'live while you look',
        'carol to see the new message in the preview',
      );
      assert.ok(
        carol.requests.some(
          (r) => r.startsWith('GET /_matrix/client/v3/rooms/') && r.includes('/initialSync 200'),
        ),
      );
      assert.ok(carol.requests.some((r) => r === 'GET /_matrix/client/v3/events 200'));
      carol.client.stopPeeking();
    } finally {
      for (const c of clients) c.client.stopClient();
      await hearth.stop();
    }
  },
);

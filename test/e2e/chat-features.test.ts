// End to end with real clients, the chat features of issue 7: two matrix-js-sdk clients (threads modelled)
// in a plain room, where each thing one of them does must show in the other's model within one second,
// measured from just before the request to when the model shows it: a 👍 reaction, an edit, a thread
// reply, typing on and off, a read receipt, and the unread and highlight counts the server sends (raw
// /sync checked beside the model, since the SDK also computes counts of its own).
// /versions advertises the thread features (MSC3440, MSC3856, MSC3715, MSC3771, MSC3773): without them the
// SDK falls back to io.element.thread, which Hearth does not take for a thread.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { MatrixClient, MatrixEvent, Room } from 'matrix-js-sdk';
import { sdk } from '../support/matrix-sdk.js';
import {
  failures,
  registerAccount,
  startHearth,
  unrecognized,
  type Hearth,
} from '../support/crypto-clients.js';
import { startPlainClient, timeUntilShown, type Emitter, type PlainClient } from '../support/sdk-clients.js';

/**
 * Endpoints the SDK tries that Hearth does not offer yet and that it copes without; anything else it
 * calls must be recognised.
 */
const KNOWN_UNRECOGNIZED = new Set<string>([
  // MatrixRTC (MSC4143) transports, asked for by every client at start.
  'GET /_matrix/client/unstable/org.matrix.msc4143/rtc/transports',
]);

const SYNC_PATH = '/_matrix/client/v3/sync';

function roomOf(client: MatrixClient, roomId: string): Room {
  const room = client.getRoom(roomId);
  if (!room) throw new Error(`${client.getUserId()} has no room ${roomId}`);
  return room;
}

function eventOf(client: MatrixClient, roomId: string, eventId: string): MatrixEvent | undefined {
  return client.getRoom(roomId)?.findEventById(eventId);
}

interface RoomSection {
  unread_notifications?: { notification_count?: number; highlight_count?: number };
  unread_thread_notifications?: Record<string, unknown>;
}

/** The room's section in the newest raw /sync body that had one. */
function lastRoomSection(c: PlainClient, roomId: string): RoomSection | undefined {
  const bodies = (c.http.responses.get(SYNC_PATH) ?? []) as {
    rooms?: { join?: Record<string, RoomSection> };
  }[];
  for (let i = bodies.length - 1; i >= 0; i--) {
    const section = bodies[i]?.rooms?.join?.[roomId];
    if (section) return section;
  }
  return undefined;
}

/** The room's unread_notifications in the newest raw /sync body that had the room. */
function serverCounts(c: PlainClient, roomId: string): NonNullable<RoomSection['unread_notifications']> {
  return lastRoomSection(c, roomId)?.unread_notifications ?? {};
}

test('chat features show on the other matrix-js-sdk client within a second', { timeout: 60_000 }, (t) =>
  scenario(t),
);

async function scenario(t: TestContext): Promise<void> {
  const hearth: Hearth = await startHearth();
  const running: PlainClient[] = [];
  const timings: Record<string, number> = {};
  try {
    const alice = await startPlainClient(
      hearth.baseUrl,
      await registerAccount(hearth.baseUrl, 'alice'),
      'alice',
    );
    running.push(alice);
    const bob = await startPlainClient(hearth.baseUrl, await registerAccount(hearth.baseUrl, 'bob'), 'bob');
    running.push(bob);
    const a = alice.client;
    const b = bob.client;
    const aliceId = alice.account.userId;
    const bobId = bob.account.userId;
    const on = (c: MatrixClient, ...events: string[]): [Emitter, string][] =>
      events.map((e) => [c as unknown as Emitter, e]);

    const { room_id: roomId } = await a.createRoom({ name: 'Features', preset: sdk.Preset.PrivateChat });
    await a.invite(roomId, bobId);
    await timeUntilShown(
      'bob to see the invite',
      async () => {},
      () => b.getRoom(roomId)?.getMyMembership(),
      (m) => m === 'invite',
      on(b, sdk.ClientEvent.Room),
      10_000,
    );
    await b.joinRoom(roomId);
    await timeUntilShown(
      'alice to see bob join',
      async () => {},
      () => a.getRoom(roomId)?.getMember(bobId)?.membership,
      (m) => m === 'join',
      on(a, sdk.RoomStateEvent.Members),
      10_000,
    );

    // 1. A 👍 reaction to Bob's message shows in Bob's relations for it.
    const { event_id: bobFirst } = await b.sendTextMessage(roomId, 'bob: hello there');
    await timeUntilShown(
      'alice to see bob’s message',
      async () => {},
      () => eventOf(a, roomId, bobFirst)?.getContent().body,
      (body) => body === 'bob: hello there',
      on(a, sdk.RoomEvent.Timeline),
      5_000,
    );
    const reactions = () =>
      roomOf(b, roomId)
        .getUnfilteredTimelineSet()
        .relations.getChildEventsForEvent(bobFirst, sdk.RelationType.Annotation, sdk.EventType.Reaction)
        ?.getSortedAnnotationsByKey()
        ?.map(([key, events]) => [key, events.size, [...events].map((e) => e.getSender())]);
    timings.reaction = await timeUntilShown(
      'bob to see alice’s 👍 on his message',
      () =>
        a.sendEvent(roomId, sdk.EventType.Reaction, {
          'm.relates_to': { rel_type: sdk.RelationType.Annotation, event_id: bobFirst, key: '👍' },
        }),
      reactions,
      (r) => r !== undefined && r.length > 0,
      on(b, sdk.RoomEvent.Timeline),
    );
    assert.deepEqual(reactions(), [['👍', 1, [aliceId]]]);

    // 2. An edit of Alice's message shows as the new text in Bob's model.
    const { event_id: aliceOriginal } = await a.sendTextMessage(roomId, 'alice: teh original');
    await timeUntilShown(
      'bob to see alice’s message',
      async () => {},
      () => eventOf(b, roomId, aliceOriginal)?.getContent().body,
      (body) => body === 'alice: teh original',
      on(b, sdk.RoomEvent.Timeline),
      5_000,
    );
    timings.edit = await timeUntilShown(
      'bob to see alice’s edit',
      () =>
        a.sendEvent(roomId, sdk.EventType.RoomMessage, {
          msgtype: sdk.MsgType.Text,
          body: '* alice: the original, corrected',
          'm.new_content': { msgtype: sdk.MsgType.Text, body: 'alice: the original, corrected' },
          'm.relates_to': { rel_type: sdk.RelationType.Replace, event_id: aliceOriginal },
        }),
      () => {
        const e = eventOf(b, roomId, aliceOriginal);
        return { body: e?.getContent().body, replacedBy: e?.replacingEvent()?.getSender() };
      },
      (v) => v.body === 'alice: the original, corrected',
      on(b, sdk.RoomEvent.Timeline, sdk.MatrixEventEvent.Replaced),
    );
    const edited = eventOf(b, roomId, aliceOriginal)!;
    assert.equal(edited.replacingEvent()?.getSender(), aliceId);
    assert.equal(
      edited.replacingEvent()?.getContent()['m.new_content']?.body,
      'alice: the original, corrected',
    );
    assert.equal(edited.getOriginalContent().body, 'alice: teh original');

    // 3. A thread reply to Bob's message gives Bob's model a Thread with that one reply.
    const threadView = () => {
      const thread = roomOf(b, roomId).getThread(bobFirst);
      if (!thread) return undefined;
      return {
        length: thread.length,
        replies: thread.events
          .filter((e) => e.getId() !== bobFirst)
          .map((e) => e.getContent().body as string),
      };
    };
    let threadReplyId = '';
    timings.threadReply = await timeUntilShown(
      'bob to see alice’s thread reply',
      async () => {
        // As Element does it: the SDK adds the thread relation (m.thread, or io.element.thread when it
        // found no stable threads on the server) and is_falling_back.
        threadReplyId = (
          await a.sendMessage(roomId, bobFirst, { msgtype: sdk.MsgType.Text, body: 'alice: in a thread' })
        ).event_id;
      },
      threadView,
      (v) => v !== undefined && v.length === 1 && v.replies.includes('alice: in a thread'),
      on(b, sdk.ThreadEvent.New, sdk.ThreadEvent.Update, sdk.ThreadEvent.NewReply, sdk.RoomEvent.Timeline),
    );
    assert.deepEqual(threadView(), { length: 1, replies: ['alice: in a thread'] });
    const thread = roomOf(b, roomId).getThread(bobFirst)!;
    const relation = thread.findEventById(threadReplyId)?.getWireContent()['m.relates_to'];
    t.diagnostic(`thread relation sent: ${JSON.stringify(relation)}`);
    assert.equal(relation?.event_id, bobFirst);
    assert.equal(relation?.rel_type, 'm.thread');
    assert.equal(thread.replyToEvent?.getId(), threadReplyId);
    assert.equal(thread.rootEvent?.getContent().body, 'bob: hello there');
    // The reply lives in the thread, not in the main timeline.
    assert.ok(
      !roomOf(b, roomId)
        .getLiveTimeline()
        .getEvents()
        .some((e) => e.getId() === threadReplyId),
      'the thread reply is not in the main timeline',
    );

    // 4. Typing on, then off.
    const aliceTyping = () => roomOf(b, roomId).getMember(aliceId)?.typing;
    timings.typingOn = await timeUntilShown(
      'bob to see alice typing',
      () => a.sendTyping(roomId, true, 30_000),
      aliceTyping,
      (typing) => typing === true,
      on(b, sdk.RoomMemberEvent.Typing),
    );
    timings.typingOff = await timeUntilShown(
      'bob to see alice stop typing',
      () => a.sendTyping(roomId, false, 0),
      aliceTyping,
      (typing) => typing === false,
      on(b, sdk.RoomMemberEvent.Typing),
    );

    // 5. Alice's read receipt on Bob's latest message shows on Bob's side (a real receipt, not one the
    // SDK makes up for the sender of an event).
    const { event_id: bobLatest } = await b.sendTextMessage(roomId, 'bob: read this');
    await timeUntilShown(
      'alice to see bob’s latest message',
      async () => {},
      () => eventOf(a, roomId, bobLatest)?.getContent().body,
      (body) => body === 'bob: read this',
      on(a, sdk.RoomEvent.Timeline),
      5_000,
    );
    const receiptView = () => {
      const room = roomOf(b, roomId);
      const event = room.findEventById(bobLatest);
      return {
        receipt: room.getReadReceiptForUserId(aliceId, true)?.eventId,
        readUpTo: event ? room.getUsersReadUpTo(event) : [],
      };
    };
    timings.readReceipt = await timeUntilShown(
      'bob to see alice’s read receipt on his latest message',
      () => a.sendReadReceipt(eventOf(a, roomId, bobLatest)!),
      receiptView,
      (v) => v.receipt === bobLatest && v.readUpTo.includes(aliceId),
      on(b, sdk.RoomEvent.Receipt),
    );

    // 6. Unread counts on Alice's side, as the server counts them.
    const aliceRoom = roomOf(a, roomId);
    const counts = () => ({
      total: aliceRoom.getUnreadNotificationCount(sdk.NotificationCountType.Total),
      highlight: aliceRoom.getUnreadNotificationCount(sdk.NotificationCountType.Highlight),
      server: serverCounts(alice, roomId),
    });
    // Alice's receipt of step 5 covered everything Bob had sent, so her counts came back to 0 as well.
    await timeUntilShown(
      'alice’s counts to be 0 after her receipt of step 5',
      async () => {},
      counts,
      (v) => v.server.notification_count === 0 && v.server.highlight_count === 0 && v.total === 0,
      on(a, sdk.RoomEvent.UnreadNotifications, sdk.ClientEvent.Sync),
    );
    await b.sendTextMessage(roomId, 'bob: unread one');
    timings.unread = await timeUntilShown(
      'alice’s unread count to count bob’s new messages',
      () => b.sendTextMessage(roomId, 'bob: unread two'),
      counts,
      (v) => v.total === 2 && v.server.notification_count === 2,
      on(a, sdk.RoomEvent.UnreadNotifications, sdk.ClientEvent.Sync),
    );
    assert.deepEqual(counts(), {
      total: 2,
      highlight: 0,
      server: { notification_count: 2, highlight_count: 0 },
    });

    let mentionId = '';
    timings.highlight = await timeUntilShown(
      'alice’s highlight count to count bob’s mention',
      async () => {
        mentionId = (
          await b.sendEvent(roomId, sdk.EventType.RoomMessage, {
            msgtype: sdk.MsgType.Text,
            body: 'alice: have a look',
            'm.mentions': { user_ids: [aliceId] },
          })
        ).event_id;
      },
      counts,
      (v) => v.highlight === 1 && v.server.highlight_count === 1,
      on(a, sdk.RoomEvent.UnreadNotifications, sdk.ClientEvent.Sync),
    );
    assert.deepEqual(counts(), {
      total: 3,
      highlight: 1,
      server: { notification_count: 3, highlight_count: 1 },
    });

    await timeUntilShown(
      'alice to have the mention in her timeline',
      async () => {},
      () => eventOf(a, roomId, mentionId)?.getId(),
      (id) => id === mentionId,
      on(a, sdk.RoomEvent.Timeline),
      5_000,
    );
    timings.readClearsCounts = await timeUntilShown(
      'alice’s counts to go back to 0 after her read receipt',
      () => a.sendReadReceipt(eventOf(a, roomId, mentionId)!),
      counts,
      (v) =>
        v.total === 0 &&
        v.highlight === 0 &&
        v.server.notification_count === 0 &&
        v.server.highlight_count === 0,
      on(a, sdk.RoomEvent.UnreadNotifications, sdk.ClientEvent.Sync),
    );

    // Bob never read anything: Alice's message and her thread reply are unread for him (her reaction and
    // edit do not notify); the reply counts in its thread when the SDK asked for thread counts.
    const bobRoom = lastRoomSection(bob, roomId);
    assert.deepEqual(
      [bobRoom?.unread_notifications, bobRoom?.unread_thread_notifications],
      [
        { notification_count: 1, highlight_count: 0 },
        { [bobFirst]: { notification_count: 1, highlight_count: 0 } },
      ],
      'bob’s counts',
    );

    // Bob reads the thread: the SDK's receipt names the thread (thread_id = its root), which clears the
    // thread's count and leaves the main timeline's.
    await timeUntilShown(
      'bob to have alice’s thread reply',
      async () => {},
      () => roomOf(b, roomId).getThread(bobFirst)?.findEventById(threadReplyId)?.getId(),
      (id) => id === threadReplyId,
      on(b, sdk.ThreadEvent.Update),
      5_000,
    );
    const reply = roomOf(b, roomId).getThread(bobFirst)!.findEventById(threadReplyId)!;
    timings.threadReceiptClearsThread = await timeUntilShown(
      'bob’s thread count to clear after his receipt in the thread',
      () => b.sendReadReceipt(reply),
      () => {
        const r = lastRoomSection(bob, roomId);
        return [r?.unread_notifications, r?.unread_thread_notifications];
      },
      ([main, threads]) => main?.notification_count === 1 && JSON.stringify(threads) === '{}',
      on(b, sdk.ClientEvent.Sync),
    );

    t.diagnostic(`ms until shown: ${JSON.stringify(timings)}`);
    if (process.env.HEARTH_TEST_SDK_REQUESTS)
      for (const c of running)
        t.diagnostic(
          `${c.account.userId}: ${c.requests.filter((r) => !r.startsWith('GET /_matrix/client/v3/sync ')).join(', ')}`,
        );
    t.diagnostic(`M_UNRECOGNIZED: ${[...unrecognized].sort().join(', ') || 'none'}`);
    assert.deepEqual(
      [...unrecognized].filter((e) => !KNOWN_UNRECOGNIZED.has(e)),
      [],
      'endpoints the SDK called that the server did not recognise',
    );
    assert.deepEqual(failures, [], 'requests the server refused');
  } finally {
    for (const c of running) c.client.stopClient();
    await hearth.stop();
  }
}

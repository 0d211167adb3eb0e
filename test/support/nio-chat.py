#!/usr/bin/python3
# Two matrix-nio clients (Debian's python3-matrix-nio) chat on a Hearth: register (nio sends m.login.dummy
# without a session), log in on a second device, create a named room with an invite, join, exchange
# messages, follow them through incremental and long-polling /sync, page back through /messages and
# log out. Prints one JSON object describing what the clients saw; test/e2e/nio.test.ts checks it.
# Usage: /usr/bin/python3 nio-chat.py BASE_URL
import asyncio
import json
import sys
import time

from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    LogoutResponse,
    RegisterResponse,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

MESSAGES = 15


def expect(response, kind):
    if not isinstance(response, kind):
        raise SystemExit(f"expected {kind.__name__}, got {response!r}")
    return response


def texts(sync, room_id):
    room = sync.rooms.join.get(room_id)
    if room is None:
        return []
    return [e.body for e in room.timeline.events if isinstance(e, RoomMessageText)]


async def main(base):
    out = {}
    alice = AsyncClient(base, "alice")
    bob = AsyncClient(base, "bob")
    second = AsyncClient(base, "@alice:localhost")
    probe = AsyncClient(base, "@alice:localhost")
    try:
        reg = expect(await alice.register("alice", "alice-password-1", device_name="nio alice"), RegisterResponse)
        out["alice"] = reg.user_id
        expect(await bob.register("bob", "bob-password-1"), RegisterResponse)
        login = expect(await second.login("alice-password-1", device_name="nio second"), LoginResponse)
        out["second_device_differs"] = login.device_id != alice.device_id

        created = expect(
            await alice.room_create(name="Nio room", topic="chat", invite=[bob.user_id]), RoomCreateResponse
        )
        room_id = created.room_id
        first = expect(await bob.sync(timeout=0, full_state=True), SyncResponse)
        out["bob_invited"] = room_id in first.rooms.invite
        expect(await bob.join(room_id), JoinResponse)
        joined = expect(await bob.sync(timeout=0), SyncResponse)
        out["bob_joined_name"] = bob.rooms[room_id].name if room_id in bob.rooms else None

        sent = []
        for i in range(MESSAGES):
            for client, who in ((alice, "alice"), (bob, "bob")):
                body = f"{who} {i}"
                expect(
                    await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body}),
                    RoomSendResponse,
                )
                sent.append(body)
        out["sent"] = sent

        # An inline filter raises the timeline limit (10 by default) above what was sent since.
        seen = []
        wide = {"room": {"timeline": {"limit": 100}}}
        for _ in range(20):
            sync = expect(await bob.sync(timeout=0, sync_filter=wide), SyncResponse)
            out["bob_limited"] = sync.rooms.join[room_id].timeline.limited if room_id in sync.rooms.join else None
            seen.extend(texts(sync, room_id))
            if len(seen) >= len(sent):
                break
        out["bob_seen"] = seen

        # A long-polling sync returns as soon as alice's message arrives.
        async def later():
            await asyncio.sleep(0.5)
            await alice.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "wake up"})

        started = time.monotonic()
        task = asyncio.ensure_future(later())
        woke = expect(await bob.sync(timeout=20000), SyncResponse)
        await task
        out["long_poll_seconds"] = time.monotonic() - started
        out["long_poll_texts"] = texts(woke, room_id)

        # The second device pages back from the end of the room.
        synced = expect(await second.sync(timeout=0), SyncResponse)
        start = synced.rooms.join[room_id].timeline.prev_batch if room_id in synced.rooms.join else None
        back = []
        token = start
        for _ in range(10):
            page = expect(await second.room_messages(room_id, token, limit=10), RoomMessagesResponse)
            back.extend(e.body for e in page.chunk if isinstance(e, RoomMessageText))
            if not page.chunk or page.end is None:
                break
            token = page.end
        out["second_timeline"] = texts(synced, room_id)
        out["second_paged_back"] = back

        token, device = second.access_token, second.device_id
        expect(await second.logout(), LogoutResponse)
        probe.restore_login("@alice:localhost", device, token)
        refused = await probe.whoami()
        out["after_logout"] = [type(refused).__name__, getattr(refused, "status_code", None)]
    finally:
        for client in (alice, bob, second, probe):
            await client.close()
    print(json.dumps(out))


asyncio.run(main(sys.argv[1]))

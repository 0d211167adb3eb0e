// End to end with matrix-js-sdk: reacting twice with the same key is refused with M_DUPLICATE_ANNOTATION,
// which the SDK surfaces as a MatrixError; removing the reaction (a redaction, as Element's toggle does)
// and reacting again works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdk } from '../support/matrix-sdk.js';
import { registerAccount, startHearth, type Hearth } from '../support/crypto-clients.js';
import { startPlainClient, type PlainClient } from '../support/sdk-clients.js';

test(
  'matrix-js-sdk: a duplicate reaction is refused; un-react then re-react works',
  { timeout: 60_000 },
  async () => {
    const hearth: Hearth = await startHearth();
    let alice: PlainClient | undefined;
    try {
      alice = await startPlainClient(hearth.baseUrl, await registerAccount(hearth.baseUrl, 'alice'), 'alice');
      const a = alice.client;
      const { room_id: roomId } = await a.createRoom({ preset: sdk.Preset.PrivateChat });
      const { event_id: target } = await a.sendTextMessage(roomId, 'react to me');
      const react = () =>
        a.sendEvent(roomId, sdk.EventType.Reaction, {
          'm.relates_to': { rel_type: sdk.RelationType.Annotation, event_id: target, key: '👍' },
        });
      const { event_id: first } = await react();
      await assert.rejects(react(), (err: unknown) => {
        assert.ok(err instanceof sdk.MatrixError, String(err));
        assert.equal(err.errcode, 'M_DUPLICATE_ANNOTATION');
        assert.equal(err.httpStatus, 400);
        return true;
      });
      // The refused reaction stays in the SDK's timeline as not sent, holding back later sends until it is
      // cancelled, as a client discarding the failed reaction does.
      const notSent = a
        .getRoom(roomId)!
        .getPendingEvents()
        .filter((e) => e.status === sdk.EventStatus.NOT_SENT);
      assert.equal(notSent.length, 1);
      for (const e of notSent) a.cancelPendingEvent(e);
      await a.redactEvent(roomId, first);
      const { event_id: again } = await react();
      assert.notEqual(again, first);
    } finally {
      alice?.client.stopClient();
      await hearth.stop();
    }
  },
);

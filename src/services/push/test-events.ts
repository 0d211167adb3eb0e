// Builders for the push unit tests: an event as push rules see it, wrapped with its room facts.
import type { JsonObject } from '../../protocol/canonical-json.js';
import { PushEvent } from './push-event.js';

export interface TestEventOptions {
  memberCount?: number;
  senderPowerLevel?: number;
  notificationLevels?: Record<string, number>;
}

export function pushEvent(
  event: Partial<JsonObject> & { content?: JsonObject },
  opts: TestEventOptions = {},
) {
  return new PushEvent({
    event: {
      type: 'm.room.message',
      sender: '@bob:example.org',
      room_id: '!room:example.org',
      event_id: '$event',
      content: {},
      ...event,
    },
    memberCount: opts.memberCount ?? 3,
    senderPowerLevel: opts.senderPowerLevel ?? 0,
    notificationLevels: new Map(Object.entries(opts.notificationLevels ?? {})),
  });
}

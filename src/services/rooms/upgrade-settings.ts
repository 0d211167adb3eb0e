// What a room upgrade carries over for this server's users (client-server-api, "Room Upgrades", server
// behaviour: the server "should automatically transfer/replicate some of the user's personalized settings
// such as notifications, tags, etc."). As Synapse does at the upgrade, for every local user joined to the
// old room: its tags (`m.tag`), the new room beside the old one in `m.direct`, and copies of the push
// rules that name the old room (a room rule, Element's per-room mute override), naming the new one.
// A user whose settings cannot be copied is logged; the upgrade stands.
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/canonical-json.js';
import { getAccountData } from '../../storage/account-data-store.js';
import type { Database } from '../../storage/database.js';
import { roomMembers } from '../../storage/state-store.js';
import type { AccountData } from '../accounts/account-data.js';
import { PUSH_RULE_KINDS, type PushRule } from '../push/default-rules.js';
import type { PushRules } from '../push/push-rules.js';
import type { RoomServices } from './index.js';

export interface UpgradeSettingsDeps {
  database: Database;
  accountData: AccountData;
  pushRules: PushRules;
  serverName: string;
  logger: Logger;
}

export function connectUpgradeSettings(rooms: RoomServices, deps: UpgradeSettingsDeps): void {
  rooms.upgrades.afterUpgrade.push(async (oldRoomId, newRoomId) => {
    const suffix = `:${deps.serverName}`;
    const users = (await roomMembers(deps.database.db, oldRoomId, 'join')).filter((u) => u.endsWith(suffix));
    for (const userId of users) {
      try {
        await copyTags(deps, userId, oldRoomId, newRoomId);
        await addToDirect(deps, userId, oldRoomId, newRoomId);
        await copyPushRules(deps, userId, oldRoomId, newRoomId);
      } catch (err) {
        deps.logger.warn(
          { userId, roomId: newRoomId, err: { message: (err as Error).message } },
          "a user's room settings were not carried over to the upgraded room",
        );
      }
    }
  });
}

async function copyTags(deps: UpgradeSettingsDeps, userId: string, from: string, to: string): Promise<void> {
  const tags = await getAccountData(deps.database.db, userId, from, 'm.tag');
  if (tags !== undefined) await deps.accountData.putForUser(userId, to, 'm.tag', JSON.parse(tags) as object);
}

/** A direct chat stays one: wherever `m.direct` lists the old room, the new one is listed too. */
async function addToDirect(
  deps: UpgradeSettingsDeps,
  userId: string,
  from: string,
  to: string,
): Promise<void> {
  const text = await getAccountData(deps.database.db, userId, null, 'm.direct');
  if (text === undefined) return;
  let changed = false;
  // Rebuilt entry by entry (Object.fromEntries makes own properties, whatever a user id key is called).
  const direct = Object.fromEntries(
    Object.entries(JSON.parse(text) as JsonObject).map(([partner, roomIds]) => {
      if (!Array.isArray(roomIds) || !roomIds.includes(from) || roomIds.includes(to))
        return [partner, roomIds];
      changed = true;
      return [partner, [...roomIds, to]];
    }),
  );
  if (changed) await deps.accountData.putForUser(userId, null, 'm.direct', direct);
}

async function copyPushRules(
  deps: UpgradeSettingsDeps,
  userId: string,
  from: string,
  to: string,
): Promise<void> {
  const ruleset = await deps.pushRules.ruleset(userId);
  for (const kind of PUSH_RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (rule.default || !namesRoom(rule, from)) continue;
      const ruleId = rule.rule_id === from ? to : rule.rule_id.replaceAll(from, to);
      if (ruleId === rule.rule_id) continue;
      const body: JsonObject = { actions: rule.actions };
      if (rule.conditions !== undefined)
        body.conditions = rule.conditions.map((c) =>
          c.key === 'room_id' && c.pattern === from ? { ...c, pattern: to } : c,
        );
      if (rule.pattern !== undefined) body.pattern = rule.pattern;
      await deps.pushRules.putRule(userId, kind, ruleId, body, {});
      if (!rule.enabled) await deps.pushRules.setEnabled(userId, kind, ruleId, { enabled: false });
    }
  }
}

/** A room rule for the room, or a rule with a condition on exactly that room id. */
function namesRoom(rule: PushRule, roomId: string): boolean {
  return (
    rule.rule_id === roomId ||
    (rule.conditions ?? []).some(
      (c) => c.kind === 'event_match' && c.key === 'room_id' && c.pattern === roomId,
    )
  );
}

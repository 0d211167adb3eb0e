// Every schema migration, in order. Never edit one that has shipped: add the next.
import type { Migration } from '../migrate.js';
import { serverMetadata } from './0001-server-metadata.js';
import { streams } from './0002-streams.js';
import { accounts } from './0003-accounts.js';
import { rooms } from './0004-rooms.js';
import { pushRules } from './0005-push-rules.js';
import { txnEndpoints } from './0006-txn-endpoints.js';
import { presence } from './0007-presence.js';
import { e2e } from './0008-e2e.js';
import { media } from './0009-media.js';
import { receipts } from './0010-receipts.js';
import { pushActions } from './0011-push-actions.js';
import { relations } from './0012-relations.js';
import { searchReports } from './0013-search-reports.js';
import { registrationTokens } from './0014-registration-tokens.js';
import { userAdmin } from './0015-user-admin.js';
import { roomAdmin } from './0016-room-admin.js';
import { ratelimit } from './0017-ratelimit.js';
import { searchRowids } from './0018-search-rowids.js';
import { purgedRoomLeaves } from './0019-purged-room-leaves.js';
import { pushActionsKey } from './0020-push-actions-key.js';
import { authVersion } from './0021-auth-version.js';
import { txnStreamKey } from './0022-txn-stream-key.js';
import { pushActionsRecent } from './0023-push-actions-recent.js';
import { memberHistoryPartial } from './0024-member-history-partial.js';
import { openIdTokens } from './0025-openid-tokens.js';
import { refreshTokens } from './0026-refresh-tokens.js';
import { refreshTokenRevoked } from './0027-refresh-token-revoked.js';
import { authVersionRowTriggers } from './0028-auth-version-row-triggers.js';

export const MIGRATIONS: readonly Migration[] = [
  serverMetadata,
  streams,
  accounts,
  rooms,
  pushRules,
  txnEndpoints,
  presence,
  e2e,
  media,
  receipts,
  pushActions,
  relations,
  searchReports,
  registrationTokens,
  userAdmin,
  roomAdmin,
  ratelimit,
  searchRowids,
  purgedRoomLeaves,
  pushActionsKey,
  authVersion,
  txnStreamKey,
  pushActionsRecent,
  memberHistoryPartial,
  openIdTokens,
  refreshTokens,
  refreshTokenRevoked,
  authVersionRowTriggers,
];

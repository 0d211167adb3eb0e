import type { Migration } from '../migrate.js';

/** Placeholder filled in by the work that owns it. */
export const purgedRoomLeaves: Migration = {
  version: 19,
  name: 'purged-room-leaves',
  async up() {},
};

import type { Migration } from '../migrate.js';

/** Placeholder filled in by the work that owns it (issue 8). */
export const roomAdmin: Migration = {
  version: 16,
  name: 'room-admin',
  async up() {},
};

import type { Migration } from '../migrate.js';

/** Placeholder filled in by the work that owns it (issue 8). */
export const userAdmin: Migration = {
  version: 15,
  name: 'user-admin',
  async up() {},
};

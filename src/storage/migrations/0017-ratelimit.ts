import type { Migration } from '../migrate.js';

/** Placeholder filled in by the work that owns it (issue 8). */
export const ratelimit: Migration = {
  version: 17,
  name: 'ratelimit',
  async up() {},
};

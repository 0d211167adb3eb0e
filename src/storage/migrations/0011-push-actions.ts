import type { Migration } from '../migrate.js';

/** (Being written: issue 7.) */
export const pushActions: Migration = {
  version: 11,
  name: 'push-actions',
  async up() {},
};

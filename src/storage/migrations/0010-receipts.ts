import type { Migration } from '../migrate.js';

/** (Being written: issue 7.) */
export const receipts: Migration = {
  version: 10,
  name: 'receipts',
  async up() {},
};

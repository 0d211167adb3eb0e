import type { Migration } from '../migrate.js';

/** (Being written: issue 7.) */
export const relations: Migration = {
  version: 12,
  name: 'relations',
  async up() {},
};

import type { Migration } from '../migrate.js';

/** Placeholder filled in by the work that owns it. */
export const searchRowids: Migration = {
  version: 18,
  name: 'search-rowids',
  async up() {},
};

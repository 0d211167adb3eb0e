import type { Migration } from '../migrate.js';

/** (Being written: issue 7.) */
export const searchReports: Migration = {
  version: 13,
  name: 'search-reports',
  async up() {},
};

import type { Migration } from '../migrate.js';

/** (Being written: issue 8.) */
export const registrationTokens: Migration = {
  version: 14,
  name: 'registration-tokens',
  async up() {},
};

// Sync filters (client-server-api, "Filtering"): POST /user/{userId}/filter stores one, GET reads it back;
// /sync reads stored filters through get().
import type { Database } from '../../storage/database.js';
import { getFilter, insertFilter } from '../../storage/filters-store.js';
import { canonicalJson } from '../../protocol/canonical-json.js';
import type { Requester } from './access-tokens.js';
import { badJson, forbidden, invalidParam, notFound } from './errors.js';
import { checkedFilter } from './filter-validation.js';
import { localpartOf } from './user-ids.js';

export class Filters {
  constructor(
    private readonly database: Database,
    private readonly serverName: string,
  ) {}

  /** Validates and stores a filter; returns its id (a string, as the spec's response has it). */
  async create(requester: Requester, userId: string, definition: unknown): Promise<string> {
    if (userId !== requester.userId) throw forbidden('Cannot create filters for other users');
    if (localpartOf(userId, this.serverName) === undefined) {
      throw forbidden('Can only create filters for local users');
    }
    const checked = checkedFilter(definition);
    let json: string;
    try {
      json = canonicalJson(checked);
    } catch {
      throw badJson('The filter is not valid canonical JSON (numbers must be integers in range)');
    }
    return String(await insertFilter(this.database.db, userId, json));
  }

  async getForRequester(requester: Requester, userId: string, filterId: string): Promise<unknown> {
    if (userId !== requester.userId) throw forbidden('Cannot get filters for other users');
    if (localpartOf(userId, this.serverName) === undefined) {
      throw forbidden('Can only get filters for local users');
    }
    const filter = await this.get(userId, filterId);
    if (filter === undefined) throw notFound('No such filter');
    return filter;
  }

  /**
   * A stored filter by id, parsed, or undefined when there is none. Throws 400 M_INVALID_PARAM for an id
   * that is not a number (what /sync should answer for `filter=<bad id>` too).
   */
  async get(userId: string, filterId: string): Promise<Record<string, unknown> | undefined> {
    if (!/^\d{1,15}$/.test(filterId)) throw invalidParam('Invalid filter_id');
    const json = await getFilter(this.database.db, userId, Number(filterId));
    return json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  }
}

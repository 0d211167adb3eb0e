// The Synapse Admin API over federation destinations (Synapse docs: usage/administration/admin_api/
// federation), for server admins only. Hearth does not federate yet, so it knows no destination: the list
// is empty and every destination is unknown, answered exactly as Synapse answers for one it never met.
// Parameters are still checked as Synapse checks them, so a client's mistakes show now, not later.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { queryOf } from '../client/params.js';
import { directionParam, nonNegativeInt, oneOfParam } from './query-params.js';

const DESTINATIONS = '/_synapse/admin/v1/federation/destinations';

const DESTINATION_ORDER = [
  'destination',
  'retry_last_ts',
  'retry_interval',
  'failure_ts',
  'last_successful_stream_ordering',
] as const;

const unknownDestination = () => new MatrixError(404, 'M_NOT_FOUND', 'Unknown destination');

export async function federationDestinationAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // GET /_synapse/admin/v1/federation/destinations
  app.get(DESTINATIONS, async (request) => {
    await authenticateAdmin(request, deps);
    const query = queryOf(request);
    nonNegativeInt(query, 'from', 0);
    nonNegativeInt(query, 'limit', 100);
    oneOfParam(query, 'order_by', DESTINATION_ORDER, 'destination');
    directionParam(query, 'f');
    return { destinations: [], total: 0 };
  });

  // GET /_synapse/admin/v1/federation/destinations/{destination}
  app.get(`${DESTINATIONS}/:destination`, async (request) => {
    await authenticateAdmin(request, deps);
    throw unknownDestination();
  });

  // GET /_synapse/admin/v1/federation/destinations/{destination}/rooms
  // Synapse looks the destination up before reading the paging parameters: unknown wins over malformed.
  app.get(`${DESTINATIONS}/:destination/rooms`, async (request) => {
    await authenticateAdmin(request, deps);
    throw unknownDestination();
  });

  // POST /_synapse/admin/v1/federation/destinations/{destination}/reset_connection
  app.post(`${DESTINATIONS}/:destination/reset_connection`, async (request) => {
    await authenticateAdmin(request, deps);
    throw unknownDestination();
  });
}

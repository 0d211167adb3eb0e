// The Synapse Admin API's per-user experimental features (Synapse docs: admin_api/experimental_features).
// Synapse switches a few unstable MSCs on per user; Hearth has no such switches, so every local user has
// none to list and setting one is refused by name, as Synapse refuses a feature it does not know.
// synapse-admin's maintained fork reads the list on its user page and failed on the 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticateAdmin } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import { localpartOf } from '../../services/accounts/user-ids.js';
import { objectBody } from '../client/params.js';
import { userIdOfPath } from './user-details.js';

const PATH = '/_synapse/admin/v1/experimental_features/:userId';

export async function experimentalFeaturesAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const localUserOf = (request: FastifyRequest, message: string) => {
    const userId = userIdOfPath(request);
    if (localpartOf(userId, deps.config.server_name) === undefined)
      throw new MatrixError(400, 'M_UNKNOWN', message);
    return userId;
  };

  // GET /_synapse/admin/v1/experimental_features/{userId}
  app.get(PATH, async (request) => {
    await authenticateAdmin(request, deps);
    localUserOf(request, 'User must be local to check what experimental features are enabled.');
    return { features: {} };
  });

  // PUT /_synapse/admin/v1/experimental_features/{userId}
  app.put(PATH, async (request) => {
    await authenticateAdmin(request, deps);
    localUserOf(request, 'User must be local to enable experimental features.');
    const features = objectBody(request).features;
    if (
      typeof features !== 'object' ||
      features === null ||
      Array.isArray(features) ||
      Object.keys(features).length === 0
    )
      throw new MatrixError(400, 'M_UNKNOWN', 'You must provide features to set.');
    const name = Object.keys(features)[0]!;
    throw new MatrixError(
      400,
      'M_UNKNOWN',
      `'${name.slice(0, 100)}' is not recognised as a valid experimental feature.`,
    );
  });
}

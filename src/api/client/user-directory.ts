// The user directory (client-server-api, "User directory").
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { authenticate } from '../../http/auth.js';
import { MatrixError } from '../../matrix-error.js';
import {
  DEFAULT_DIRECTORY_LIMIT,
  MAX_DIRECTORY_LIMIT,
  UserDirectory,
} from '../../services/directory/user-directory.js';
import { clientPaths } from './paths.js';
import { objectBody, requiredString } from './params.js';

export async function userDirectoryRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const directory = new UserDirectory({ database: deps.database });

  // POST /_matrix/client/v3/user_directory/search
  for (const url of clientPaths('/user_directory/search')) {
    app.post(url, async (request) => {
      const requester = await authenticate(request, deps);
      const body = objectBody(request);
      const searchTerm = requiredString(body, 'search_term');
      let limit = DEFAULT_DIRECTORY_LIMIT;
      if (body.limit !== undefined && body.limit !== null) {
        if (typeof body.limit !== 'number' || !Number.isSafeInteger(body.limit) || body.limit < 0)
          throw new MatrixError(400, 'M_BAD_JSON', 'limit must be a non-negative integer');
        limit = Math.min(body.limit, MAX_DIRECTORY_LIMIT);
      }
      await deps.rateLimits.perUser(deps.rateLimits.userDirectory, requester.userId);
      return directory.search(requester.userId, searchTerm, limit);
    });
  }
}

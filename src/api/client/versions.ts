// GET /_matrix/client/versions (client-server-api, "Getting the versions of the specification").
import type { FastifyInstance } from 'fastify';

/**
 * The spec versions Hearth fully implements. Empty until the client API lands: a version is listed only
 * when every endpoint it requires works, so clients are never told to expect what is not there.
 */
export const SUPPORTED_VERSIONS: readonly string[] = [];

export async function versionsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/_matrix/client/versions', async () => ({ versions: SUPPORTED_VERSIONS, unstable_features: {} }));
}

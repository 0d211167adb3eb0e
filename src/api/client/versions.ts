// GET /_matrix/client/versions (client-server-api, "Getting the versions of the specification").
import type { FastifyInstance } from 'fastify';

/**
 * The spec versions Hearth fully implements. Empty until the client API is complete: a version is listed
 * only when every endpoint it requires works, so clients are never told to expect what is not there.
 */
export const SUPPORTED_VERSIONS: readonly string[] = [];

/**
 * Features clients otherwise assume only from a spec version. Each is implemented: without them
 * matrix-js-sdk (and Element) fall back to the unstable io.element.thread relation, which Hearth does not
 * take for a thread, so thread replies would land in the main timeline and threaded receipts be refused.
 */
export const UNSTABLE_FEATURES: Readonly<Record<string, boolean>> = {
  // Threads with the stable m.thread relation (spec 1.4).
  'org.matrix.msc3440.stable': true,
  // GET /rooms/{roomId}/threads (spec 1.4).
  'org.matrix.msc3856.stable': true,
  // dir on GET /relations (spec 1.4).
  'org.matrix.msc3715.stable': true,
  // Threaded read receipts (spec 1.4).
  'org.matrix.msc3771': true,
  // Notification counts per thread (spec 1.4).
  'org.matrix.msc3773': true,
};

export async function versionsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/_matrix/client/versions', async () => ({
    versions: SUPPORTED_VERSIONS,
    unstable_features: UNSTABLE_FEATURES,
  }));
}

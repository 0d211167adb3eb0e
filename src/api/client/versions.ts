// GET /_matrix/client/versions (client-server-api, "Getting the versions of the specification").
import type { FastifyInstance } from 'fastify';

/**
 * The spec versions clients may use with Hearth. matrix-js-sdk (so Element Web and Desktop) refuses a
 * server whose list holds none of v1.1–v1.13 ("unsupported homeserver spec version" at discovery), so an
 * empty list would lock out the clients people use; the spec is followed where it does not break them.
 * What these versions name and Hearth does not do yet (pushers and /notifications, third-party ids, SSO,
 * VoIP TURN credentials, federation) answers 404 M_UNRECOGNIZED, which clients take as "not offered".
 * Versions from v1.13 on are left out until what clients switch on for them works (e.g. v1.16's extended
 * profiles). The r0 releases are listed as Synapse lists them: the r0 paths all answer (issue 4).
 */
export const SUPPORTED_VERSIONS: readonly string[] = [
  ...['r0.0.1', 'r0.1.0', 'r0.2.0', 'r0.3.0', 'r0.4.0', 'r0.5.0', 'r0.6.0', 'r0.6.1'],
  ...Array.from({ length: 12 }, (_, i) => `v1.${i + 1}`),
];

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

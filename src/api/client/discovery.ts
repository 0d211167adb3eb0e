// Finding things: server-side search, the user directory, space hierarchies and content reports, each in
// its own file (one per spec section).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { hierarchyRoutes } from './hierarchy.js';
import { reportRoutes } from './report.js';
import { searchRoutes } from './search.js';
import { userDirectoryRoutes } from './user-directory.js';

export async function discoveryRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await searchRoutes(app, deps);
  await userDirectoryRoutes(app, deps);
  await hierarchyRoutes(app, deps);
  await reportRoutes(app, deps);
}

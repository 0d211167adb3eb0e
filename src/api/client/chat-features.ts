// The client API's plugins of issue 7 (typing, receipts, relations, search, directory, spaces, reports),
// registered together on the `client` resource.
import { discoveryRoutes } from './discovery.js';
import { ephemeralRoutes } from './ephemeral.js';
import { relationsRoutes } from './relations.js';

export const CHAT_FEATURE_ROUTES = [ephemeralRoutes, relationsRoutes, discoveryRoutes];

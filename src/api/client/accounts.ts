// The client API's account plugins (issue 4, "Accounts and sessions"), registered together on the
// `client` resource, with Synapse's shared-secret registration admin endpoint which Synapse serves there too.
import { adminRegisterRoutes } from '../admin/register.js';
import { accountDataRoutes } from './account-data.js';
import { accountRoutes } from './account.js';
import { authFallbackRoutes } from './auth-fallback.js';
import { capabilitiesRoutes } from './capabilities.js';
import { deviceRoutes } from './devices.js';
import { filterRoutes } from './filters.js';
import { loginRoutes } from './login.js';
import { openIdRoutes } from './openid.js';
import { profileRoutes } from './profile.js';
import { refreshRoutes } from './refresh.js';
import { registrationRoutes } from './registration.js';
import { registrationTokenValidityRoutes } from './registration-token-validity.js';
import { roomTagRoutes } from './room-tags.js';
import { threepidRequestTokenRoutes } from './threepid-request-token.js';
import { wellKnownRoutes } from './well-known.js';

export const ACCOUNT_ROUTES = [
  registrationRoutes,
  registrationTokenValidityRoutes,
  authFallbackRoutes,
  loginRoutes,
  refreshRoutes,
  accountRoutes,
  deviceRoutes,
  profileRoutes,
  accountDataRoutes,
  roomTagRoutes,
  filterRoutes,
  openIdRoutes,
  threepidRequestTokenRoutes,
  capabilitiesRoutes,
  wellKnownRoutes,
  adminRegisterRoutes,
];

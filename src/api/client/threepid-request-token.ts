// The requestToken endpoints of email and phone verification (registration, password reset, adding a
// contact): Hearth sends no email or SMS, so each answers 400 M_THREEPID_MEDIUM_NOT_SUPPORTED ("the
// homeserver does not support adding a third party identifier of the given medium"), after the usual
// body checks, instead of M_UNRECOGNIZED: Element's "forgot password" and registration then show why.
// Synapse without an email configuration refuses them with 400 too (M_UNKNOWN and a sentence).
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { clientPaths } from './paths.js';
import { objectBody } from './params.js';

const REFUSALS: Record<string, string> = {
  '/register/email/requestToken': 'Registration with an email address is not supported on this server',
  '/register/msisdn/requestToken': 'Registration with a phone number is not supported on this server',
  '/account/password/email/requestToken':
    'Password resets by email are not supported on this server; ask its administrator',
  '/account/password/msisdn/requestToken':
    'Password resets by phone are not supported on this server; ask its administrator',
  '/account/3pid/email/requestToken': 'Adding an email address is not supported on this server',
  '/account/3pid/msisdn/requestToken': 'Adding a phone number is not supported on this server',
};

export async function threepidRequestTokenRoutes(app: FastifyInstance, _deps: AppDeps): Promise<void> {
  for (const [path, message] of Object.entries(REFUSALS)) {
    for (const url of clientPaths(path)) {
      app.post(url, async (request) => {
        objectBody(request);
        throw new MatrixError(400, 'M_THREEPID_MEDIUM_NOT_SUPPORTED', message);
      });
    }
  }
}

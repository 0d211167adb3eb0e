// Matrix errors the accounts services raise, beyond the common ones in src/matrix-error.ts.
import { MatrixError } from '../../matrix-error.js';

export { MatrixError, badJson, forbidden, invalidParam, notFound } from '../../matrix-error.js';

/**
 * A failed credential check: wrong password, unknown user, a captcha not solved. In UIA it is a failed
 * stage (its errcode and message go into the 401 answer), not a failed call.
 */
export class InvalidCredentials extends MatrixError {
  constructor(message = 'Invalid username or password', errcode = 'M_FORBIDDEN') {
    super(403, errcode, message);
  }
}

export const badRequest = (message: string, errcode = 'M_UNKNOWN') => new MatrixError(400, errcode, message);
export const missingParam = (message: string) => new MatrixError(400, 'M_MISSING_PARAM', message);

/** 401 M_UNKNOWN_TOKEN; soft_logout says whether the client may log in again keeping its state. */
export const unknownToken = (message = 'Unrecognised access token', softLogout = false) =>
  new MatrixError(401, 'M_UNKNOWN_TOKEN', message, { soft_logout: softLogout });

/** Spec "Account locking": every request of a locked account but logout, and no new session. */
export const userLocked = () =>
  new MatrixError(401, 'M_USER_LOCKED', 'This account has been locked', { soft_logout: true });

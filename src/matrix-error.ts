// Matrix errors (client-server-api, "Standard error response"): `{"errcode", "error"}` with an HTTP status.
// Layer-neutral so that services can throw them and the HTTP layer can answer them.

export class MatrixError extends Error {
  override name = 'MatrixError';
  constructor(
    readonly httpStatus: number,
    readonly errcode: string,
    message: string,
    /** Extra response fields some errors carry (retry_after_ms, soft_logout, ...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra };
  }
}

export const unrecognized = (message = 'Unrecognized request') =>
  new MatrixError(404, 'M_UNRECOGNIZED', message);
export const notJson = (message = 'Content not JSON.') => new MatrixError(400, 'M_NOT_JSON', message);
export const badJson = (message: string) => new MatrixError(400, 'M_BAD_JSON', message);
export const invalidParam = (message: string) => new MatrixError(400, 'M_INVALID_PARAM', message);
export const tooLarge = (message = 'Request body too large') => new MatrixError(413, 'M_TOO_LARGE', message);
export const notFound = (message: string) => new MatrixError(404, 'M_NOT_FOUND', message);
export const forbidden = (message: string) => new MatrixError(403, 'M_FORBIDDEN', message);

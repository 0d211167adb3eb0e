// The m.login.recaptcha UIA stage (client-server-api "Google ReCaptcha"): the client solves Google's
// widget with the server's public key and submits the response token; the server asks the configured
// siteverify endpoint (Google's wire format: a form-encoded POST of secret, response and remoteip,
// answered with JSON {success, challenge_ts, hostname, error-codes}) and accepts only success: true.
// As Synapse, the hostname is not checked: the captcha may be shown by whichever client the user has.
import type { Logger } from 'pino';
import { InvalidCredentials, MatrixError } from './errors.js';

export const LOGIN_RECAPTCHA = 'm.login.recaptcha';

/** Long enough for a slow siteverify, short enough that a registration does not hang on a dead one. */
const SITEVERIFY_TIMEOUT_MS = 10_000;

export interface RecaptchaDeps {
  privateKey: string;
  siteverifyApi: string;
  logger: Logger;
}

export class Recaptcha {
  constructor(private readonly deps: RecaptchaDeps) {}

  /** The stage checker: resolves when siteverify says success, throws a failed stage otherwise. */
  async checkStage(auth: Record<string, unknown>, clientIp: string | undefined): Promise<true> {
    const response = auth.response;
    if (typeof response !== 'string' || response === '') {
      throw new InvalidCredentials('Captcha response is required', 'M_CAPTCHA_NEEDED');
    }
    const answer = await this.siteverify(response, clientIp);
    if (answer.success === true) return true;
    // Google's error codes say why (timeout-or-duplicate, invalid-input-response, ...): worth a log
    // line for the operator; never the response token or the secret.
    this.deps.logger.info(
      { errorCodes: answer['error-codes'], hostname: answer.hostname },
      'reCAPTCHA response refused',
    );
    throw new InvalidCredentials('Captcha authentication failed', 'M_UNAUTHORIZED');
  }

  private async siteverify(response: string, clientIp: string | undefined): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ secret: this.deps.privateKey, response });
    if (clientIp) form.set('remoteip', clientIp);
    let body: unknown;
    try {
      const res = await fetch(this.deps.siteverifyApi, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(SITEVERIFY_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`siteverify answered HTTP ${res.status}`);
      body = await res.json();
    } catch (err) {
      // Unreachable, timed out, an HTTP error or not JSON: no verdict, so no account; the client may retry.
      this.deps.logger.warn({ err: { message: (err as Error).message } }, 'reCAPTCHA siteverify failed');
      throw new MatrixError(500, 'M_UNKNOWN', 'The captcha could not be verified; try again later');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
    return body as Record<string, unknown>;
  }
}

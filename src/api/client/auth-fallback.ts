// Fallback authentication (client-server-api, "Fallback"): a web page that completes one UIA stage for a
// client that cannot show it itself, here m.login.recaptcha (Google's widget with the server's public
// key; the form posts the widget's response back, which is verified as the stage is). On success the page
// tells its opener "authDone" as the spec prescribes; the client then resubmits with only the session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { MatrixError } from '../../matrix-error.js';
import { InvalidCredentials } from '../../services/accounts/errors.js';
import { LOGIN_RECAPTCHA } from '../../services/accounts/recaptcha.js';
import { clientPaths } from './paths.js';

const FORM = 'application/x-www-form-urlencoded';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>${head}
<style>body{font-family:sans-serif;max-width:30em;margin:3em auto;padding:0 1em}.error{color:#b00020}</style>
</head><body>${body}</body></html>
`;
}

function captchaPage(action: string, session: string, publicKey: string, error?: string): string {
  const head = '<script src="https://www.recaptcha.net/recaptcha/api.js" async defer></script>';
  return page(
    'Authentication',
    `<form method="post" action="${escapeHtml(action)}">
<p>Hello! We need to prevent computer programs and other automated things from creating accounts on this
server. Please verify that you're not a robot.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<input type="hidden" name="session" value="${escapeHtml(session)}">
<div class="g-recaptcha" data-sitekey="${escapeHtml(publicKey)}"></div>
<p><input type="submit" value="Continue"></p>
</form>`,
    head,
  );
}

const SUCCESS = page(
  'Success!',
  `<p>Thank you. You may now close this window and return to the application.</p>
<script>
if (window.onAuthDone) {
  window.onAuthDone();
} else if (window.opener && window.opener.postMessage) {
  window.opener.postMessage("authDone", "*");
}
</script>`,
);

function html(reply: FastifyReply, text: string): FastifyReply {
  // No other site may frame the page (clickjacking: a hidden frame over a decoy), as Synapse's HTML pages.
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "frame-ancestors 'none';")
    .send(text);
}

export async function authFallbackRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { uia } = deps.accounts;
  const publicKey = deps.config.recaptcha_public_key;
  const enabled = deps.config.enable_registration_captcha && publicKey !== undefined;
  // The page's form posts form-encoded fields; only this plugin's routes accept them.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const fields = (request: FastifyRequest): Record<string, unknown> => ({
    ...(request.query as Record<string, unknown>),
    ...(typeof request.body === 'object' && request.body !== null ? request.body : {}),
  });
  const stageOf = (request: FastifyRequest) => {
    const { stage } = request.params as { stage: string };
    if (stage !== LOGIN_RECAPTCHA || !enabled)
      throw new MatrixError(404, 'M_UNKNOWN', 'Unknown auth stage type');
    const session = fields(request).session;
    if (typeof session !== 'string' || session === '') {
      throw new MatrixError(400, 'M_MISSING_PARAM', 'No session supplied');
    }
    return session;
  };

  for (const url of clientPaths('/auth/:stage/fallback/web')) {
    // GET /_matrix/client/v3/auth/{authType}/fallback/web
    app.get(url, async (request, reply) => {
      const session = stageOf(request);
      return html(reply, captchaPage(request.url.split('?')[0]!, session, publicKey!));
    });

    // POST /_matrix/client/v3/auth/{authType}/fallback/web
    app.post(url, async (request, reply) => {
      const session = stageOf(request);
      const response = fields(request)['g-recaptcha-response'];
      if (typeof response !== 'string' || response === '') {
        throw new MatrixError(400, 'M_MISSING_PARAM', 'No captcha response supplied');
      }
      const action = request.url.split('?')[0]!;
      try {
        await uia.completeStage(session, LOGIN_RECAPTCHA, { response }, { clientIp: request.ip });
      } catch (err) {
        // A refused captcha: show the form again, as Synapse does, so the user may try again.
        if (err instanceof InvalidCredentials)
          return html(reply, captchaPage(action, session, publicKey!, err.message));
        throw err;
      }
      return html(reply, SUCCESS);
    });
  }
}

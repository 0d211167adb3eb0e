// Synapse's captcha keys: enable_registration_captcha puts the m.login.recaptcha stage into /register's
// flows; the private key is sent to recaptcha_siteverify_api to check a response, the public key is
// what clients show the widget with. Each key may come inline or from a file (the `_path` forms, read
// once at start and trimmed, as Synapse does); giving both forms is an error, as in Synapse.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigValueError, boolean, map, optional, string, withDefault, type Parser } from './schema.js';

/** Synapse's default: Google's siteverify, on the domain that is reachable where google.com is not. */
export const DEFAULT_SITEVERIFY_API = 'https://www.recaptcha.net/recaptcha/api/siteverify';

const httpUrl: Parser<string> = map(string({ nonEmpty: true }), (value, path) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigValueError(path, 'an http or https URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigValueError(path, 'an http or https URL', value);
  return value;
});

export const captchaKeys = {
  enable_registration_captcha: withDefault(boolean(), false),
  recaptcha_public_key: optional(string({ nonEmpty: true })),
  recaptcha_public_key_path: optional(string({ nonEmpty: true })),
  recaptcha_private_key: optional(string({ nonEmpty: true })),
  recaptcha_private_key_path: optional(string({ nonEmpty: true })),
  recaptcha_siteverify_api: withDefault(httpUrl, DEFAULT_SITEVERIFY_API),
};

interface RawCaptcha {
  enable_registration_captcha: boolean;
  recaptcha_public_key?: string;
  recaptcha_public_key_path?: string;
  recaptcha_private_key?: string;
  recaptcha_private_key_path?: string;
}

/** The effective keys (a `_path` form read), checked: both are required when the captcha is enabled. */
export function resolveCaptchaKeys(raw: RawCaptcha): {
  recaptcha_public_key?: string;
  recaptcha_private_key?: string;
  recaptcha_public_key_path?: string;
  recaptcha_private_key_path?: string;
} {
  const out = {
    recaptcha_public_key: keyOf(raw, 'recaptcha_public_key'),
    recaptcha_private_key: keyOf(raw, 'recaptcha_private_key'),
    recaptcha_public_key_path: absolute(raw.recaptcha_public_key_path),
    recaptcha_private_key_path: absolute(raw.recaptcha_private_key_path),
  };
  if (raw.enable_registration_captcha) {
    for (const key of ['recaptcha_public_key', 'recaptcha_private_key'] as const) {
      if (out[key] === undefined)
        throw new ConfigValueError(
          [key],
          `a key (or ${key}_path) when enable_registration_captcha is true`,
          undefined,
        );
    }
  }
  return out;
}

function absolute(path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(path);
}

function keyOf(raw: RawCaptcha, key: 'recaptcha_public_key' | 'recaptcha_private_key'): string | undefined {
  const inline = raw[key];
  const path = raw[`${key}_path`];
  if (path === undefined) return inline;
  if (inline !== undefined)
    throw new ConfigValueError([`${key}_path`], `only one of ${key} and ${key}_path`, path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigValueError([`${key}_path`], `a readable file (${code})`, path);
  }
  const value = text.trim();
  if (value === '')
    throw new ConfigValueError([`${key}_path`], 'a file holding the key, not an empty one', path);
  return value;
}

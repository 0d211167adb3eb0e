// The captcha keys: defaults, keys from files (the _path forms), and errors naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText } from './load.js';

const minimal = 'server_name: example.com\nlisteners:\n  - port: 8008\n    resources: [{names: [client]}]\n';
const rejects = (yaml: string, message: RegExp) =>
  assert.throws(
    () => parseConfigText(`${minimal}${yaml}`, 'hs.yaml'),
    (err: Error) => err instanceof ConfigError && message.test(err.message),
    yaml,
  );

test("captcha keys default as in Synapse (off; Google's siteverify on recaptcha.net)", () => {
  const { config } = parseConfigText(minimal, 'hs.yaml');
  assert.equal(config.enable_registration_captcha, false);
  assert.equal(config.recaptcha_public_key, undefined);
  assert.equal(config.recaptcha_private_key, undefined);
  assert.equal(config.recaptcha_siteverify_api, 'https://www.recaptcha.net/recaptcha/api/siteverify');
});

test('enable_registration_captcha counts as verification for open registration, and needs both keys', () => {
  const { config } = parseConfigText(
    `${minimal}enable_registration: true
enable_registration_captcha: true
recaptcha_public_key: pub
recaptcha_private_key: priv
`,
    'hs.yaml',
  );
  assert.equal(config.enable_registration_captcha, true);
  rejects(
    'enable_registration_captcha: true\nrecaptcha_public_key: pub\n',
    /recaptcha_private_key: expected a key/,
  );
  rejects(
    'enable_registration_captcha: true\nrecaptcha_private_key: priv\n',
    /recaptcha_public_key: expected a key/,
  );
  rejects(
    'recaptcha_siteverify_api: ftp://example.com/x\n',
    /recaptcha_siteverify_api: expected an http or https URL/,
  );
  rejects('enable_registration_captcha: yes please\n', /enable_registration_captcha/);
});

test('the _path forms read a key from a file (trimmed); both forms at once, a missing or empty file are errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-captcha-'));
  try {
    await writeFile(join(dir, 'public'), 'pub-from-file\n');
    await writeFile(join(dir, 'private'), '  priv-from-file\n');
    await writeFile(join(dir, 'empty'), '\n');
    const { config } = parseConfigText(
      `${minimal}enable_registration_captcha: true
recaptcha_public_key_path: ${join(dir, 'public')}
recaptcha_private_key_path: ${join(dir, 'private')}
`,
      'hs.yaml',
    );
    assert.equal(config.recaptcha_public_key, 'pub-from-file');
    assert.equal(config.recaptcha_private_key, 'priv-from-file');
    rejects(
      `recaptcha_private_key: inline\nrecaptcha_private_key_path: ${join(dir, 'private')}\n`,
      /recaptcha_private_key_path: expected only one of recaptcha_private_key and recaptcha_private_key_path/,
    );
    rejects(
      `recaptcha_public_key_path: ${join(dir, 'missing')}\n`,
      /recaptcha_public_key_path: expected a readable file \(ENOENT\)/,
    );
    rejects(
      `recaptcha_private_key_path: ${join(dir, 'empty')}\n`,
      /recaptcha_private_key_path: expected a file holding the key/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

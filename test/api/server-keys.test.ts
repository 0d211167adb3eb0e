// GET /_matrix/key/v2/server (server-server-api, "Publishing Keys").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../support/app.js';
import { decodeBase64 } from '../../src/protocol/base64.js';
import { verifyJsonSignature, publicKeyBase64 } from '../../src/protocol/signing.js';

const NOW = 1_700_000_000_000;

test('the server key response verifies against its own published key', async () => {
  const t = await startTestApp({ clock: () => NOW });
  try {
    const res = await t.app.inject({ method: 'GET', url: '/_matrix/key/v2/server' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.server_name, 'test.local');
    assert.equal(body.valid_until_ts, NOW + 86_400_000);
    assert.deepEqual(Object.keys(body.verify_keys), [t.signingKey.keyId]);
    const published = body.verify_keys[t.signingKey.keyId].key as string;
    assert.equal(published, publicKeyBase64(t.signingKey.seed));
    assert.equal(verifyJsonSignature(body, 'test.local', t.signingKey.keyId, decodeBase64(published)), true);
    // A changed field breaks the signature: the check above is not vacuous.
    assert.equal(
      verifyJsonSignature(
        { ...body, valid_until_ts: 1 },
        'test.local',
        t.signingKey.keyId,
        decodeBase64(published),
      ),
      false,
    );
    // The deprecated per-key path answers the same document.
    const byId = await t.app.inject({ method: 'GET', url: `/_matrix/key/v2/server/${t.signingKey.keyId}` });
    assert.deepEqual(byId.json(), body);
  } finally {
    await t.close();
  }
});

test('old_signing_keys and key_refresh_interval from the config are published', async () => {
  const t = await startTestApp({
    clock: () => NOW,
    configYaml: `
server_name: test.local
key_refresh_interval: 2h
old_signing_keys:
  "ed25519:old1": { key: "l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ", expired_ts: 1600000000000 }
listeners:
  - port: 0
    resources: [{ names: [keys] }]
`,
  });
  try {
    const body = (await t.app.inject({ method: 'GET', url: '/_matrix/key/v2/server' })).json();
    assert.equal(body.valid_until_ts, NOW + 2 * 3_600_000);
    assert.deepEqual(body.old_verify_keys, {
      'ed25519:old1': { key: 'l8Hft5qXKn1vfHrg3p4+W8gELQVo8N13JkluMfmn2sQ', expired_ts: 1600000000000 },
    });
  } finally {
    await t.close();
  }
});

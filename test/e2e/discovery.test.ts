// matrix-js-sdk's server discovery, the step Element Web and Desktop run when a user types a server:
// it must accept Hearth (it refuses a server that lists none of the spec versions it supports).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdk } from '../support/matrix-sdk.js';
import { startHearth } from '../support/crypto-clients.js';

test('matrix-js-sdk AutoDiscovery accepts Hearth as a homeserver', async () => {
  const hearth = await startHearth();
  try {
    const config = await sdk.AutoDiscovery.fromDiscoveryConfig({
      'm.homeserver': { base_url: hearth.baseUrl },
    });
    assert.equal(config['m.homeserver'].error, null);
    assert.equal(config['m.homeserver'].state, sdk.AutoDiscovery.SUCCESS);
    assert.equal(config['m.homeserver'].base_url, hearth.baseUrl);
  } finally {
    await hearth.stop();
  }
});

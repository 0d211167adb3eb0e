// Event signing throughput and canonical JSON cost, for src/protocol.
// Run: node --import tsx bench/protocol-signing.ts   (about four seconds)
// The baseline for canonicalJson is JSON.stringify of the same PDU, measured in the same run.
import { performance } from 'node:perf_hooks';
import { canonicalJson } from '../src/protocol/canonical-json.js';
import { eventId } from '../src/protocol/event-id.js';
import { signEvent, verifyEventSignature } from '../src/protocol/hashes.js';
import { publicKeyFromSeed } from '../src/protocol/signing.js';
import type { Pdu } from '../src/protocol/pdu/types.js';

const ROOM_VERSION = '12';
const SEED = new Uint8Array(32).map((_, i) => i * 7 + 1);
const PUBLIC_KEY = publicKeyFromSeed(SEED);

/** A message as a client of today sends it: text plus HTML, a mention, a reply relation. */
const MESSAGE: Pdu = {
  type: 'm.room.message',
  room_id: '!hHxmArZogyxfywjX4jOmodq5sXclQs6Jmczyl3IfoJM',
  sender: '@alice:example.org',
  origin_server_ts: 1_700_000_000_000,
  content: {
    msgtype: 'm.text',
    body: '> <@bob:example.org> are we still on for tomorrow?\n\nYes! Let’s meet at the café at 10, I’ll bring the notes 📒',
    format: 'org.matrix.custom.html',
    formatted_body:
      '<mx-reply><blockquote><a href="https://matrix.to/#/@bob:example.org">@bob:example.org</a><br>are we still on for tomorrow?</blockquote></mx-reply>Yes! Let’s meet at the café at 10, I’ll bring the notes 📒',
    'm.mentions': { user_ids: ['@bob:example.org'] },
    'm.relates_to': { 'm.in_reply_to': { event_id: '$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg' } },
  },
  prev_events: ['$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg'],
  auth_events: [
    '$pW4GBnHk2ZlAPLy0kYCJm2nVb8QSk8FWl7mZ9G8jCmM',
    '$y_zbSvN6RnAHk8AOMZ2TT7Wa1S4UwXzqZ1jQ3cEQKtA',
    '$J9g9pQyWBAd2-3dTf0QrpnJvsqPKWcNYmqQzD7ftbYE',
  ],
  depth: 4242,
  hashes: { sha256: '' },
  signatures: {},
  unsigned: { age: 1234 },
};

interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
}

/** Runs `fn` in batches until `budgetMs` has passed (after a short warm-up) and returns its rate. */
function measure(fn: () => unknown, budgetMs: number): Rate {
  const warmUpEnd = performance.now() + Math.min(200, budgetMs / 4);
  while (performance.now() < warmUpEnd) fn();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < budgetMs) {
    for (let i = 0; i < 100; i++) fn();
    count += 100;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { count, seconds, perSecond: count / seconds };
}

function format(rate: Rate): string {
  return `${Math.round(rate.perSecond).toLocaleString('en-US').padStart(11)} /s  (${rate.count} in ${rate.seconds.toFixed(2)} s)`;
}

const signed = signEvent(MESSAGE, 'example.org', 'ed25519:1', SEED, ROOM_VERSION);
if (!verifyEventSignature(signed, ROOM_VERSION, 'example.org', 'ed25519:1', PUBLIC_KEY)) {
  throw new Error('the benchmark event does not verify');
}
let sink = 0;

const signing = measure(() => {
  sink += signEvent(MESSAGE, 'example.org', 'ed25519:1', SEED, ROOM_VERSION).depth;
}, 1000);
const verifying = measure(() => {
  if (verifyEventSignature(signed, ROOM_VERSION, 'example.org', 'ed25519:1', PUBLIC_KEY)) sink++;
}, 1000);
const ids = measure(() => {
  sink += eventId(signed, ROOM_VERSION).length;
}, 500);
const canonical = measure(() => {
  sink += canonicalJson(signed).length;
}, 600);
const stringify = measure(() => {
  sink += JSON.stringify(signed).length;
}, 600);

const bytes = Buffer.byteLength(canonicalJson(signed));
const ratio = stringify.perSecond / canonical.perSecond;
console.log(
  `protocol signing benchmark (room version ${ROOM_VERSION}, m.room.message PDU of ${bytes} bytes)`,
);
console.log(`  events signed     ${format(signing)}`);
console.log(`  events verified   ${format(verifying)}`);
console.log(`  event ids         ${format(ids)}`);
console.log(`  canonicalJson     ${format(canonical)}`);
console.log(`  JSON.stringify    ${format(stringify)}`);
console.log(`  canonicalJson takes ${ratio.toFixed(2)}x the time of JSON.stringify (target: within 2x)`);
if (sink === -1) console.log('unreachable');

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, CanonicalJsonError, compareCodePoints, MAX_SAFE_INTEGER } from './canonical-json.js';

// appendices.md, "Canonical JSON" > "Examples": each input as written in the spec, and the exact output.
const SPEC_VECTORS: Array<[input: string, expected: string]> = [
  ['{}', '{}'],
  ['{\n    "one": 1,\n    "two": "Two"\n}', '{"one":1,"two":"Two"}'],
  ['{\n    "b": "2",\n    "a": "1"\n}', '{"a":"1","b":"2"}'],
  ['{"b":"2","a":"1"}', '{"a":"1","b":"2"}'],
  [
    `{
    "auth": {
        "success": true,
        "mxid": "@john.doe:example.com",
        "profile": {
            "display_name": "John Doe",
            "three_pids": [
                {
                    "medium": "email",
                    "address": "john.doe@example.org"
                },
                {
                    "medium": "msisdn",
                    "address": "123456789"
                }
            ]
        }
    }
}`,
    '{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},"success":true}}',
  ],
  ['{\n    "a": "日本語"\n}', '{"a":"日本語"}'],
  ['{\n    "本": 2,\n    "日": 1\n}', '{"日":1,"本":2}'],
  ['{\n    "a": "\\u65E5"\n}', '{"a":"日"}'],
  ['{\n    "a": null\n}', '{"a":null}'],
  ['{\n    "a": -0,\n    "b": 1e10\n}', '{"a":0,"b":10000000000}'],
];

for (const [input, expected] of SPEC_VECTORS) {
  test(`spec vector: ${JSON.stringify(input).slice(0, 60)}`, () => {
    const output = canonicalJson(JSON.parse(input));
    assert.equal(output, expected);
    assert.deepEqual(Buffer.from(output, 'utf8'), Buffer.from(expected, 'utf8'));
  });
}

test('sorts keys by code point, not by UTF-16 unit', () => {
  // U+FFFF < U+10000 by code point; as UTF-16 the astral key (0xD800...) would come first.
  assert.equal(canonicalJson({ '\u{10000}': 2, '\uffff': 1 }), '{"\uffff":1,"\u{10000}":2}');
  assert.ok(compareCodePoints('\uffff', '\u{10000}') < 0);
  assert.ok(compareCodePoints('a', 'ab') < 0);
  assert.equal(compareCodePoints('ab', 'ab'), 0);
});

test('escapes only what the grammar requires, with the short forms where they exist', () => {
  const text = '"\\/\b\t\n\f\r\u0000\u000b\u001f\u007f\u2028é😀';
  assert.equal(
    canonicalJson({ s: text }),
    '{"s":"\\"\\\\/\\b\\t\\n\\f\\r\\u0000\\u000b\\u001f\u007f\u2028é😀"}',
  );
});

test('refuses floats, out-of-range integers and values JSON cannot carry', () => {
  assert.throws(() => canonicalJson({ a: 1.5 }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ a: MAX_SAFE_INTEGER + 1 }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ a: -MAX_SAFE_INTEGER - 1 }), CanonicalJsonError);
  assert.throws(() => canonicalJson({ a: Number.NaN }), CanonicalJsonError);
  assert.throws(() => canonicalJson([undefined]), CanonicalJsonError);
  assert.equal(
    canonicalJson({ a: MAX_SAFE_INTEGER, b: -MAX_SAFE_INTEGER }),
    `{"a":${MAX_SAFE_INTEGER},"b":-${MAX_SAFE_INTEGER}}`,
  );
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
});

test("keeps a parsed '__proto__' key as the data it is", () => {
  assert.equal(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}')), '{"__proto__":{"x":1},"b":1}');
});

/** JSON values canonical JSON can represent: integers in range, full-Unicode strings and keys. */
const canonicalValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -MAX_SAFE_INTEGER, max: MAX_SAFE_INTEGER }).filter((n) => !Object.is(n, -0)),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
})).value;

/** A copy of `value` whose objects have their keys inserted in another order, chosen by `seed`. */
function reorderKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorderKeys(item, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  let state = seed >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    // defineProperty, so that a '__proto__' key stays an own key as JSON.parse makes it.
    const item = reorderKeys((value as Record<string, unknown>)[key], seed + 7);
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

test('property: canonical JSON does not depend on key order', () => {
  fc.assert(
    fc.property(canonicalValue, fc.integer(), (value, seed) => {
      assert.equal(canonicalJson(reorderKeys(value, seed)), canonicalJson(value));
    }),
    { numRuns: 500 },
  );
});

test('property: canonical JSON parses back to an equal value', () => {
  fc.assert(
    fc.property(canonicalValue, (value) => {
      assert.deepStrictEqual(JSON.parse(canonicalJson(value)), value);
    }),
    { numRuns: 500 },
  );
});

test('property: canonical JSON is a fixed point, as long as JSON.stringify (format.ts relies on it)', () => {
  fc.assert(
    fc.property(canonicalValue, (value) => {
      const once = canonicalJson(value);
      assert.equal(canonicalJson(JSON.parse(once)), once);
      assert.equal(Buffer.byteLength(once), Buffer.byteLength(JSON.stringify(value)));
    }),
    { numRuns: 300 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonicalJson,
  CanonicalJsonError,
  compareCodePoints,
  compareKeys,
  MAX_SAFE_INTEGER,
} from './canonical-json.js';

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

test('names the path of the refused value in the error, the first one in key order', () => {
  const refusal = (value: unknown): string => {
    try {
      canonicalJson(value);
    } catch (error) {
      assert.ok(error instanceof CanonicalJsonError);
      return error.message;
    }
    assert.fail('expected a CanonicalJsonError');
  };
  assert.equal(refusal(1.5), 'non-integer number at <root>');
  assert.equal(refusal(undefined), 'cannot represent undefined at <root>');
  assert.equal(refusal({ a: { b: [1, 2 ** 53] } }), 'integer out of range at a.b[1]');
  assert.equal(refusal({ b: 1.5, a: [{ c: () => 1 }] }), 'cannot represent function at a[0].c');
  assert.equal(refusal({ b: 1n, a: undefined }), 'cannot represent bigint at b');
  assert.equal(refusal([[], [Number.POSITIVE_INFINITY]]), 'non-integer number at [1][0]');
  assert.equal(refusal({ '\u{10000}': 0.5, '\uffff': Symbol('s') }), 'cannot represent symbol at \uffff');
});

test('refuses the holes of a sparse array as the undefined they read as', () => {
  const sparse: unknown[] = new Array<unknown>(2);
  sparse[1] = 1;
  assert.throws(() => canonicalJson(sparse), { name: 'CanonicalJsonError', message: /undefined at \[0\]/ });
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

/**
 * Strings that stress the key comparison: shared prefixes, and units on both sides of the surrogate range
 * (U+D7FF, U+E000-U+FFFF), surrogate pairs and lone surrogates, in any order.
 */
const trickyUnit = fc.oneof(
  fc.constantFrom('a', 'b', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{10ffff}', '\u{1f4d2}'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
  fc.string({ unit: 'binary', maxLength: 1 }),
);
const trickyString = fc.string({ unit: trickyUnit, maxLength: 6 });

test('property: the fast key comparison agrees with compareCodePoints', () => {
  fc.assert(
    fc.property(trickyString, trickyString, trickyString, (prefix, x, y) => {
      const a = prefix + x;
      const b = prefix + y;
      assert.equal(Math.sign(compareKeys(a, b)), Math.sign(compareCodePoints(a, b)));
      assert.equal(Math.sign(compareKeys(b, a)), Math.sign(compareCodePoints(b, a)));
    }),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      assert.equal(Math.sign(compareKeys(a, b)), Math.sign(compareCodePoints(a, b)));
    }),
    { numRuns: 2000 },
  );
});

test('property: object members come out in code-point order of their keys, and undefined ones not at all', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(trickyString, fc.option(fc.integer(), { nil: undefined })), {
        selector: ([key]) => key,
        maxLength: 20,
      }),
      (members) => {
        const object: Record<string, unknown> = {};
        for (const [key, value] of members) {
          Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        }
        const expected = members
          .filter(([, value]) => value !== undefined)
          .sort(([a], [b]) => compareCodePoints(a, b))
          .map(([key, value]) => `${JSON.stringify(key)}:${value}`)
          .join(',');
        assert.equal(canonicalJson(object), `{${expected}}`);
      },
    ),
    { numRuns: 1000 },
  );
});

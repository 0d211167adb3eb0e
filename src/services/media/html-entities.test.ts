import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities } from './html-entities.js';

test('named references with a semicolon decode; unknown names stay as written', () => {
  assert.equal(
    decodeEntities('Fish &amp; Chips &lt;3 &mdash; caf&eacute; &apos;x&apos;'),
    "Fish & Chips <3 — café 'x'",
  );
  assert.equal(decodeEntities('&bogus; &AMP;x'), '&bogus; &AMP;x');
  assert.equal(decodeEntities('no references here'), 'no references here');
});

test('numeric references: decimal, hex, out of range and C1 controls as windows-1252', () => {
  assert.equal(decodeEntities('&#65;&#x42;&#X43;&#x1F600;'), 'ABC😀');
  assert.equal(decodeEntities('&#0;&#xD800;&#x110000;&#99999999999;'), '\ufffd\ufffd\ufffd\ufffd');
  // &#150; is an en dash in every browser, not a C1 control.
  assert.equal(decodeEntities('1990&#150;2000 &#128;5'), '1990–2000 €5');
  assert.equal(decodeEntities('&#; &#x; &'), '&#; &#x; &');
});

test('legacy names without a semicolon decode in text, but not before letters, digits or = in attributes', () => {
  assert.equal(decodeEntities('&copy 2024 &amp &notit;'), '© 2024 & ¬it;');
  assert.equal(decodeEntities('?a=1&copy=2&ampx', true), '?a=1&copy=2&ampx');
  assert.equal(decodeEntities('?a=1&amp;b=2&copy 3', true), '?a=1&b=2© 3');
  // Names added after HTML 3.2 always need their semicolon.
  assert.equal(decodeEntities('&hellip and &hellip;'), '&hellip and …');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, globText, literalGlob, matchesWhole, matchesWords } from './glob.js';

const whole = (pattern: string, value: string) => matchesWhole(compileGlob(pattern), value);
const words = (pattern: string, value: string) => matchesWords(compileGlob(pattern), globText(value));

test('glob: the spec example lunc?* matches the whole value, case-insensitively', () => {
  assert.ok(whole('lunc?*', 'Lunch plans'));
  assert.ok(whole('lunc?*', 'LUNCH'));
  assert.ok(!whole('lunc?*', ' lunch'), 'leading space');
  assert.ok(!whole('lunc?*', 'lunc'), '? needs a character');
});

test('glob: whole values, literals and wildcards', () => {
  assert.ok(whole('m.room.message', 'M.Room.Message'));
  assert.ok(!whole('m.room.message', 'm.room.message2'));
  assert.ok(!whole('m.room', 'm.room.message'), 'no implicit prefix match');
  assert.ok(whole('*', ''));
  assert.ok(whole('a*b*c', 'aXXbYYc'));
  assert.ok(whole('a*b*c', 'abc'));
  assert.ok(!whole('a*b*c', 'aXXbYYcd'));
  assert.ok(whole('a**b', 'ab'), 'runs of stars are one star');
  assert.ok(whole('??', '😀é'), '? is one character, also outside the BMP');
  assert.ok(!whole('?', '😀é'));
  assert.ok(whole('a.c', 'a.c'));
  assert.ok(!whole('a.c', 'abc'), 'regex characters are literal');
  assert.ok(whole('[ab]', '[AB]'), 'brackets are literal (the spec has only * and ?)');
});

test('glob: content.body matches words, per the spec examples', () => {
  assert.ok(words('ex*ple', 'An example event.'));
  assert.ok(words('ex*ple', 'exple'), 'at the start and end of the body');
  assert.ok(words('ex*ple', 'An exciting triple-whammy'), 'across words; - separates words');
  assert.ok(!words('ex*ple', 'An examples event'), 'must end at a boundary');
  assert.ok(!words('ample', 'An example'), 'must start at a boundary');
});

test('glob: word boundaries are any character outside [A-Za-z0-9_]', () => {
  assert.ok(words('alice', 'hey alice!'));
  assert.ok(words('alice', 'alice: hi'));
  assert.ok(words('alice', '(ALICE)'));
  assert.ok(words('alice', 'élan alice'));
  assert.ok(!words('alice', 'alice_b'), '_ is a word character');
  assert.ok(!words('alice', 'malice'));
  assert.ok(!words('alice', 'alice2'));
  assert.ok(words('alice', 'bob\nalice'));
  // A pattern that starts or ends with a non-word character may touch a word (as Synapse's \b does).
  assert.ok(words(':)', 'great:)'));
  assert.ok(words('@alice:example.org', 'ping @alice:example.org.'));
  assert.ok(!words('cake', 'cakes are great'));
  assert.ok(words('cake*', 'cakes are great'));
  assert.ok(words('*', 'anything'));
  assert.ok(!words('a', ''));
});

test('glob: a literal (display name) keeps * and ? as text', () => {
  assert.ok(matchesWords(literalGlob('Who?'), globText('hey who? there')));
  assert.ok(!matchesWords(literalGlob('Who?'), globText('hey whom there')));
  assert.ok(matchesWords(literalGlob('Ali Ce'), globText('hi ali ce, hi')));
});

// A backtracking regex would run for hours on this; the timeout only catches such a hang.
test('glob: adversarial patterns do not blow up', { timeout: 30_000 }, () => {
  const body = 'a'.repeat(60_000) + '!';
  assert.ok(!words('*a*a*a*a*a*a*a*a*b', body));
  assert.ok(!whole('*a*a*a*a*a*a*a*a*b', body));
  assert.ok(words('*a*a*a*a*a*a*a*a*!', body));
});

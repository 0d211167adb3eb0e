import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHtmlBody, openGraphFromHtml, summarizeParagraphs } from './html-preview.js';
import { tokenizeHtml } from './html-tokens.js';

test('og: tags are taken as given, entities decoded; article: and profile: too', () => {
  const og = openGraphFromHtml(`<!doctype html><html><head>
    <meta property="og:title" content="Caf&eacute; &amp; Bar">
    <meta property='og:description' content='Open &quot;late&quot;'>
    <meta property=og:image content=/img/hero.png>
    <meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
    <meta property="article:author" content="Ada">
    <meta property="og:empty" content="">
    <title>Ignored title</title></head><body><p>Ignored body</p></body></html>`);
  assert.deepEqual(og, {
    'og:title': 'Café & Bar',
    'og:description': 'Open "late"',
    'og:image': '/img/hero.png',
    'og:image:width': '1200',
    'og:image:height': '630',
    'article:author': 'Ada',
  });
});

test('the first of repeated og: properties wins; Twitter cards fill only what Open Graph leaves out', () => {
  const og = openGraphFromHtml(`
    <meta property="og:image" content="first.png"><meta property="og:image" content="second.png">
    <meta name="twitter:title" content="Tweet title"><meta name="twitter:description" content="From twitter">
    <meta property="og:title" content="OG title">
    <meta name="twitter:card" content="summary"><meta name="twitter:site" content="@someone">`);
  assert.deepEqual(og, {
    'og:image': 'first.png',
    'og:title': 'OG title',
    'og:description': 'From twitter',
  });
});

test('a page with more than 50 og: properties gets none of them (Synapse: someone is gaming us)', () => {
  const tags = Array.from({ length: 51 }, (_, i) => `<meta property="og:x${i}" content="v">`).join('');
  const og = openGraphFromHtml(`${tags}<meta property="article:tag" content="kept"><title>T</title>`);
  assert.deepEqual(og, { 'article:tag': 'kept', 'og:title': 'T' });
});

test('without og:title: <title>, else the first <h1>-<h3> holding only text', () => {
  assert.equal(openGraphFromHtml('<title>  Just a title \n</title>')['og:title'], 'Just a title');
  // The RCDATA of <title> is text, markup included.
  assert.equal(
    openGraphFromHtml('<TITLE>a <b>bold</b> &lt;move&gt;</TITLE>')['og:title'],
    'a <b>bold</b> <move>',
  );
  assert.equal(
    openGraphFromHtml('<body><h1><a href="/">Mixed</a> text</h1><h2><span>Nested only</span></h2></body>')[
      'og:title'
    ],
    'Nested only',
  );
  assert.equal(
    openGraphFromHtml('<title>  </title><h3>Empty titles are skipped</h3>')['og:title'],
    'Empty titles are skipped',
  );
  assert.equal(openGraphFromHtml('<p>nothing</p>')['og:title'], undefined);
});

test('without og:image: microdata, then the largest <img> over 10×10, then any <img>, then the favicon', () => {
  const pick = (html: string) => openGraphFromHtml(html)['og:image'];
  assert.equal(
    pick('<img src="a.png" width=50 height=50><meta itemprop="image" content="micro.png">'),
    'micro.png',
  );
  assert.equal(
    pick(
      '<img src="pixel.gif" width=1 height=1><img src="small.png" width=20 height=20><img src="big.png" width="300" height="200"><img src="nosize.png">',
    ),
    'big.png',
  );
  assert.equal(pick('<img src="pixel.gif" width=1 height=1><img src="second.png">'), 'pixel.gif');
  assert.equal(
    pick('<link rel="stylesheet" href="x.css"><link rel="shortcut icon" href="/favicon.ico">'),
    '/favicon.ico',
  );
  assert.equal(pick('<p>no images</p>'), undefined);
});

test('without og:description: <meta name=description>, else the visible text of the page', () => {
  assert.equal(
    openGraphFromHtml('<meta name="Description" content="Meta said so"><p>Body text</p>')['og:description'],
    'Meta said so',
  );
  const og = openGraphFromHtml(`<html><head><title>T</title><style>p { color: red }</style></head><body>
    <nav>Home | About</nav><header>Site header</header>
    <div role="menu">Menu entry</div>
    <script>var s = "<p>not text</p>";</script>
    <p>First   paragraph
       of content.</p><!-- a comment --><p>Second &amp; last.</p>
    <footer>Copyright</footer></body></html>`);
  assert.equal(og['og:description'], 'First paragraph of content.\n\nSecond & last.');
});

test('long descriptions are cut at a word before 500 characters, with an ellipsis', () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
  const cut = summarizeParagraphs([words])!;
  assert.ok(cut.length <= 501, String(cut.length));
  assert.ok(cut.endsWith('…'));
  assert.ok(words.startsWith(cut.slice(0, -1)));
  assert.match(cut, /word\d+…$/);
  // Paragraphs are added until 200 characters, then no more.
  const paragraphs = ['a'.repeat(150), 'b'.repeat(100), 'never added'];
  assert.equal(summarizeParagraphs(paragraphs), `${'a'.repeat(150)}\n\n${'b'.repeat(100)}`);
  assert.equal(summarizeParagraphs(['', '  ']), undefined);
  // og:description from the page is summarized the same way.
  assert.ok(
    String(
      openGraphFromHtml(`<meta property="og:description" content="${words}">`)['og:description'],
    ).endsWith('…'),
  );
});

test('the tokenizer skips comments and scripts, reads odd attributes, and drops a tag cut off at the end', () => {
  const og = openGraphFromHtml(`
    <!-- <meta property="og:title" content="in a comment"> -->
    <script>document.write('<meta property="og:title" content="in a script">')</script>
    <META PROPERTY="og:title" CONTENT="a > b" property="og:ignored-duplicate-attribute">
    <meta property="og:site_name" content="Site" / >
    <meta property="og:url" content="https://example.org/?a=1&copy=2">
    <meta property="og:type" content="cut off`);
  assert.deepEqual(og, {
    'og:title': 'a > b',
    'og:site_name': 'Site',
    'og:url': 'https://example.org/?a=1&copy=2',
  });
  const tokens = [...tokenizeHtml('<a href=x>1 < 2</a></b x>')];
  assert.deepEqual(tokens, [
    { type: 'start', name: 'a', attributes: new Map([['href', 'x']]) },
    { type: 'text', text: '1 ' },
    { type: 'text', text: '<' },
    { type: 'text', text: ' 2' },
    { type: 'end', name: 'a' },
    { type: 'end', name: 'b' },
  ]);
});

test('a stray end tag changes nothing; an end tag closes the elements left open inside it', () => {
  const og = openGraphFromHtml('<body><nav><ul><li>Menu</nav></span><p>Visible again</p></body>');
  assert.equal(og['og:description'], 'Visible again');
});

test('charset: the header, then the page, each only if the bytes are valid in it; else UTF-8 or windows-1252', () => {
  const cyrillic = Buffer.from([0xe4, 0xea, 0xe0]); // "дка" in windows-1251
  const page = (meta: string) =>
    Buffer.concat([
      Buffer.from(`<html><head>${meta}<title>`),
      cyrillic,
      Buffer.from('</title></head></html>'),
    ]);
  const title = (body: Buffer, contentType: string | null) =>
    openGraphFromHtml(decodeHtmlBody(body, contentType))['og:title'];
  assert.equal(title(page('<meta charset="windows-1251">'), 'text/html'), 'дка');
  assert.equal(title(page(''), 'text/html; charset="windows-1251"'), 'дка');
  assert.equal(
    title(
      page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'),
      'text/html; charset=utf-8',
    ),
    'дка',
  );
  // A valid declaration in the header beats the page's, as in browsers.
  assert.equal(title(page('<meta charset="koi8-r">'), 'text/html; charset=windows-1251'), 'дка');
  // Undeclared: UTF-8 when valid, else windows-1252 (with its curly quotes, which Node's decoder lacks).
  assert.equal(title(Buffer.from('<title>naïve — ok</title>'), 'text/html'), 'naïve — ok');
  assert.equal(
    title(Buffer.from([...Buffer.from('<title>'), 0x93, 0x63, 0x61, 0x66, 0xe9, 0x94]), null),
    '“café”',
  );
  // A byte order mark decides over everything.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>wide</title>', 'utf16le')]);
  assert.equal(title(utf16, 'text/html; charset=iso-8859-1'), 'wide');
  // Unknown labels are passed over.
  assert.equal(title(Buffer.from('<meta charset="no-such-thing"><title>ok</title>'), 'text/html'), 'ok');
});

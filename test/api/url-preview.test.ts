// URL previews against real HTTP servers on loopback: one on 127.0.0.1 (whitelisted) serving pages and
// images, one on 127.0.0.2 (blacklisted) that must never see a request. Host names resolve through the
// service's resolver provider, so redirects to names and DNS answers with blocked addresses are tested
// without a DNS server; the connections themselves are real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { BASE_CONFIG, startTestApp, type TestApp } from '../support/app.js';
import { createTestUser, type TestUser } from '../support/users.js';
import type { ResolvedAddress } from '../../src/services/media/guarded-fetch.js';

const PREVIEW_CONFIG = `${BASE_CONFIG}
url_preview_enabled: true
url_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '::1/128', 'fe80::/10', 'fc00::/7']
url_preview_ip_range_whitelist: ['127.0.0.1']
max_spider_size: 64K
url_preview_accept_language: ['en-GB', 'fr;q=0.8']
`;

let now = 1_700_000_000_000;
let t: TestApp;
let alice: TestUser;
let site: Server;
let blocked: Server;
let base: string;
let blockedBase: string;
/** Requests each server saw, by path. */
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
const blockedSeen: string[] = [];
const dns = new Map<string, string[]>();
const lookups: string[] = [];
let png: Buffer;

const listen = (server: Server, host: string) =>
  new Promise<string>((resolve) =>
    server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

before(async () => {
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
    .png()
    .toBuffer();
  site = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.push({ path: url.pathname, headers: req.headers });
    const html = (body: string | Buffer, type = 'text/html; charset=utf-8') => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    switch (url.pathname) {
      case '/og':
        return html(`<!doctype html><html><head>
          <meta property="og:title" content="Hearth &amp; Home">
          <meta property="og:description" content="A homeserver">
          <meta property="og:image" content="/image.png">
          <meta property="og:image:width" content="999">
          <title>Not this</title></head><body>Body</body></html>`);
      case '/title-only':
        return html(
          '<html><head><title>Only a title</title></head><body><nav>menu</nav><p>Some text.</p></body></html>',
        );
      case '/cp1251':
        return html(
          Buffer.concat([Buffer.from('<title>'), Buffer.from([0xe4, 0xea, 0xe0]), Buffer.from('</title>')]),
          'text/html; charset=windows-1251',
        );
      case '/redirect':
        res.writeHead(302, { location: '/dir/page' });
        return res.end();
      case '/dir/page':
        return html('<title>Moved</title><img src="pic.png">');
      case '/dir/pic.png':
      case '/image.png':
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-disposition': 'inline; filename="red.png"',
        });
        return res.end(png);
      case '/redirect-to-blocked':
        res.writeHead(301, { location: `${blockedBase}/secret` });
        return res.end();
      case '/redirect-to-name':
        res.writeHead(307, { location: `http://${url.searchParams.get('host')}/og` });
        return res.end();
      case '/redirect-loop':
        res.writeHead(302, { location: '/redirect-loop' });
        return res.end();
      case '/blocked-image':
        return html(
          `<title>Image elsewhere</title><meta property="og:image" content="${blockedBase}/pic.png">`,
        );
      case '/big': {
        // 80 KiB in chunks without a Content-Length: refused while streaming.
        res.writeHead(200, { 'content-type': 'text/html' });
        for (let i = 0; i < 80; i++) res.write(`<p>${'x'.repeat(1017)}</p>`);
        return res.end();
      }
      case '/big-declared':
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(200 * 1024) });
        return res.end('x'.repeat(200 * 1024));
      case '/video':
        res.writeHead(200, { 'content-type': 'video/mp4' });
        return res.end('not really');
      case '/inline-image':
        return html(`<title>Inline</title><img src="data:image/png;base64,${png.toString('base64')}">`);
      case '/slow':
        // Headers at once, then a body that never ends.
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.write('<title>Never finished');
      case '/counted':
        return html(`<title>Count ${seen.filter((s) => s.path === '/counted').length}</title>`);
      default:
        res.writeHead(404, { 'content-type': 'text/html' });
        return res.end('<title>Not found</title>');
    }
  });
  blocked = createServer((req, res) => {
    blockedSeen.push(req.url!);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<title>internal secret</title>');
  });
  base = await listen(site, '127.0.0.1');
  blockedBase = await listen(blocked, '127.0.0.2');

  t = await startTestApp({ clock: () => now, configYaml: PREVIEW_CONFIG });
  alice = await createTestUser(t, 'alice');
  t.deps.media.previews.resolveHost = async (hostname): Promise<ResolvedAddress[]> => {
    lookups.push(hostname);
    const addresses = dns.get(hostname);
    if (!addresses) throw Object.assign(new Error(`unknown host ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
});

after(async () => {
  await t.close();
  site.closeAllConnections();
  await close(site);
  await close(blocked);
});

/** `user` null sends no access token. */
const preview = (url: string, user: TestUser | null = alice, path = '/_matrix/client/v1/media/preview_url') =>
  t.app.inject({ method: 'GET', url: `${path}?url=${encodeURIComponent(url)}`, headers: user?.auth ?? {} });
const port = (url: string) => new URL(url).port;

test('url preview: og tags, og:image stored as media (size, type, dimensions) and downloadable', async () => {
  const res = await preview(`${base}/og`);
  assert.equal(res.statusCode, 200, res.body);
  const og = res.json();
  assert.equal(og['og:title'], 'Hearth & Home');
  assert.equal(og['og:description'], 'A homeserver');
  assert.match(og['og:image'], /^mxc:\/\/test\.local\/[A-Za-z]{24}$/);
  assert.equal(og['og:image:type'], 'image/png');
  assert.equal(og['matrix:image:size'], png.length);
  // The stored image's own dimensions replace what the page claimed.
  assert.equal(og['og:image:width'], 40);
  assert.equal(og['og:image:height'], 30);
  const mediaId = (og['og:image'] as string).split('/').pop()!;
  const download = await t.app.inject({
    method: 'GET',
    url: `/_matrix/client/v1/media/download/test.local/${mediaId}`,
    headers: alice.auth,
  });
  assert.equal(download.statusCode, 200);
  assert.deepEqual(download.rawPayload, png);
  assert.equal(download.headers['content-type'], 'image/png');
  // What the site was sent: a bot User-Agent, the configured languages, nothing of the user's.
  const request = seen.find((s) => s.path === '/og')!;
  assert.match(String(request.headers['user-agent']), /^Hearth \(bot; /);
  assert.equal(request.headers['accept-language'], 'en-GB, fr;q=0.8');
  assert.equal(request.headers.authorization, undefined);
  assert.equal(request.headers.host, `127.0.0.1:${port(base)}`);
});

test('url preview: a page with only a <title>, a windows-1251 page, a redirect with a relative image', async () => {
  const titleOnly = await preview(`${base}/title-only`);
  assert.deepEqual(titleOnly.json(), { 'og:title': 'Only a title', 'og:description': 'Some text.' });
  const cyrillic = await preview(`${base}/cp1251`);
  assert.equal(cyrillic.json()['og:title'], 'дка');
  // The image's relative URL resolves against where the redirect led (/dir/), not the URL asked for.
  const moved = await preview(`${base}/redirect`);
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(moved.json()['og:title'], 'Moved');
  assert.match(moved.json()['og:image'], /^mxc:\/\//);
  assert.ok(seen.some((s) => s.path === '/dir/pic.png'));
});

test('url preview: an image inlined as a data: URL is stored like a fetched one', async () => {
  const res = await preview(`${base}/inline-image`);
  assert.equal(res.statusCode, 200, res.body);
  assert.match(res.json()['og:image'], /^mxc:\/\//);
  assert.equal(res.json()['og:image:width'], 40);
  assert.equal(res.json()['matrix:image:size'], png.length);
});

test('url preview: a page that does not finish within the timeout is 504, and the connection is dropped', async () => {
  const previews = t.deps.media.previews;
  const saved = previews.fetchTimeoutMs;
  previews.fetchTimeoutMs = 300;
  try {
    const res = await preview(`${base}/slow`);
    assert.equal(res.statusCode, 504, res.body);
    assert.deepEqual(res.json(), { errcode: 'M_UNKNOWN', error: 'Timed out fetching the URL' });
  } finally {
    previews.fetchTimeoutMs = saved;
  }
  // The server's side of the connection is gone (otherwise closing the server would wait for it).
  const openConnections = () => new Promise<number>((resolve) => site.getConnections((_, n) => resolve(n)));
  for (let i = 0; i < 50 && (await openConnections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await openConnections(), 0);
});

test('url preview: a URL that is an image previews as that image, its file name as description', async () => {
  const res = await preview(`${base}/image.png`);
  assert.equal(res.statusCode, 200, res.body);
  const og = res.json();
  assert.match(og['og:image'], /^mxc:\/\/test\.local\//);
  assert.equal(og['og:image:type'], 'image/png');
  assert.equal(og['og:image:width'], 40);
  assert.equal(og['og:description'], 'red.png');
  assert.equal(og['matrix:image:size'], png.length);
});

test('url preview: blacklisted addresses are refused with 403 before any connection, however spelled', async () => {
  const blockedPort = port(blockedBase);
  for (const url of [
    `${blockedBase}/secret`,
    `http://[::ffff:127.0.0.2]:${blockedPort}/secret`,
    // The URL parser reads these as 127.0.0.2 too.
    `http://2130706434:${blockedPort}/secret`,
    `http://0x7f.0.0.2:${blockedPort}/secret`,
    `http://[::1]:${blockedPort}/`,
    `http://0.0.0.0:${port(base)}/og`,
  ]) {
    const res = await preview(url);
    assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
    assert.deepEqual(res.json(), { errcode: 'M_UNKNOWN', error: 'IP address blocked' });
  }
  // A whitelisted page redirecting to a blacklisted address: the redirect is checked like the URL.
  const redirected = await preview(`${base}/redirect-to-blocked`);
  assert.equal(redirected.statusCode, 403, redirected.body);
  // An og:image on a blacklisted address: the preview stands, without the image.
  const image = await preview(`${base}/blocked-image`);
  assert.equal(image.statusCode, 200);
  assert.deepEqual(image.json(), { 'og:title': 'Image elsewhere' });
  assert.deepEqual(blockedSeen, []);
});

test('url preview: a host name with ANY blacklisted address is refused (502, as Synapse) and nothing is fetched', async () => {
  dns.set('mixed.test', ['127.0.0.1', '127.0.0.2']);
  dns.set('internal.test', ['10.1.2.3']);
  dns.set('ok.test', ['127.0.0.1']);
  const before = seen.length;
  for (const url of [`http://mixed.test:${port(base)}/og`, `http://internal.test/`, 'http://unknown.test/']) {
    const res = await preview(url);
    assert.equal(res.statusCode, 502, `${url}: ${res.body}`);
    assert.deepEqual(res.json(), {
      errcode: 'M_UNKNOWN',
      error: 'DNS resolution failure during URL preview generation',
    });
  }
  assert.equal(seen.length, before, 'no request reached the whitelisted server either');
  // A redirect to such a name is refused the same way.
  const redirect = await preview(`${base}/redirect-to-name?host=mixed.test:${port(base)}`);
  assert.equal(redirect.statusCode, 502);
  assert.equal(seen.filter((s) => s.path === '/og' && s.headers.host?.startsWith('mixed')).length, 0);
  assert.deepEqual(blockedSeen, []);
});

test('url preview: the connection goes to the address that was checked, resolved once per hop', async () => {
  // ok.test exists only in the resolver given to the service: reaching the site proves the connection used
  // the checked address rather than a second lookup (which could answer differently: DNS rebinding).
  lookups.length = 0;
  const res = await preview(`http://ok.test:${port(base)}/og`);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json()['og:title'], 'Hearth & Home');
  // One lookup for the page, one for its og:image (same host): each fetch checks what it connects to.
  assert.deepEqual(lookups, ['ok.test', 'ok.test']);
  assert.equal(seen[seen.length - 2]!.headers.host, `ok.test:${port(base)}`);
});

test('url preview: bodies past max_spider_size, other content types and upstream errors are 502', async () => {
  for (const path of ['/big', '/big-declared']) {
    const res = await preview(`${base}${path}`);
    assert.equal(res.statusCode, 502, path);
    assert.deepEqual(res.json(), {
      errcode: 'M_TOO_LARGE',
      error: 'Requested file is too large > 65536 bytes',
    });
  }
  const video = await preview(`${base}/video`);
  assert.equal(video.statusCode, 502);
  assert.equal(video.json().error, "Requested file's content type not allowed for this operation: video/mp4");
  const missing = await preview(`${base}/nowhere`);
  assert.equal(missing.statusCode, 502);
  assert.deepEqual(missing.json(), { errcode: 'M_UNKNOWN', error: 'Got error 404' });
  const loop = await preview(`${base}/redirect-loop`);
  assert.equal(loop.statusCode, 502);
  assert.equal(loop.json().error, 'Too many redirects');
  assert.equal(seen.filter((s) => s.path === '/redirect-loop').length, 6);
});

test('url preview: answers are cached per URL for an hour, then fetched again', async () => {
  const url = `${base}/counted`;
  assert.equal((await preview(url)).json()['og:title'], 'Count 1');
  const [a, b] = await Promise.all([preview(url), preview(url)]);
  assert.equal(a.json()['og:title'], 'Count 1');
  assert.equal(b.json()['og:title'], 'Count 1');
  assert.equal(seen.filter((s) => s.path === '/counted').length, 1);
  now += 3_600_001;
  assert.equal((await preview(url)).json()['og:title'], 'Count 2');
});

test('url preview: parameters, authentication and the deprecated endpoints', async () => {
  const get = (query: string) =>
    t.app.inject({ method: 'GET', url: `/_matrix/client/v1/media/preview_url${query}`, headers: alice.auth });
  const missing = await get('');
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().errcode, 'M_MISSING_PARAM');
  for (const url of [
    'ftp://example.org/',
    'file:///etc/passwd',
    'data:text/html,<title>x</title>',
    'not a url',
  ]) {
    const res = await preview(url);
    assert.equal(res.statusCode, 400, url);
    assert.equal(res.json().errcode, 'M_INVALID_PARAM');
  }
  const badTs = await get(`?url=${encodeURIComponent(`${base}/og`)}&ts=yesterday`);
  assert.equal(badTs.statusCode, 400);
  assert.equal(badTs.json().errcode, 'M_INVALID_PARAM');
  assert.equal((await get(`?url=${encodeURIComponent(`${base}/og`)}&ts=1510610716656`)).statusCode, 200);
  for (const path of [
    '/_matrix/client/v1/media/preview_url',
    '/_matrix/media/v3/preview_url',
    '/_matrix/media/r0/preview_url',
  ]) {
    const anonymous = await preview(`${base}/og`, null, path);
    assert.equal(anonymous.statusCode, 401, path);
    assert.equal(anonymous.json().errcode, 'M_MISSING_TOKEN');
    const res = await preview(`${base}/og`, alice, path);
    assert.equal(res.statusCode, 200, path);
    assert.equal(res.json()['og:title'], 'Hearth & Home');
  }
});

test('url preview: off by default, the endpoints do not exist (404 M_UNRECOGNIZED) and nothing is fetched', async () => {
  const off = await startTestApp({ configYaml: BASE_CONFIG });
  try {
    const bob = await createTestUser(off, 'bob');
    const before = seen.length;
    for (const path of ['/_matrix/client/v1/media/preview_url', '/_matrix/media/v3/preview_url']) {
      const res = await off.app.inject({
        method: 'GET',
        url: `${path}?url=${encodeURIComponent(`${base}/og`)}`,
        headers: bob.auth,
      });
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.json().errcode, 'M_UNRECOGNIZED');
    }
    assert.equal(seen.length, before);
  } finally {
    await off.close();
  }
});

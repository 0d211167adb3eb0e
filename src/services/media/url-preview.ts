// URL previews (client-server-api, "GET /_matrix/client/v1/media/preview_url"): Open Graph data for a
// URL a user posted, as Synapse builds it. An HTML page gives its metadata (html-preview.ts) and its
// og:image is fetched and stored as media (mxc) with its size and dimensions; a URL that is itself an
// image becomes that image. Every fetch goes through guardedFetch under url_preview_ip_range_blacklist /
// _whitelist. Results are cached in memory per URL for an hour (in-flight ones too, so a room full of
// clients asking at once costs one fetch); failures for a few minutes, so a dead or refused URL is not
// hammered either.
import { lookup } from 'node:dns/promises';
import { Readable } from 'node:stream';
import { loadSharp } from './load-sharp.js';
import { MatrixError } from '../../matrix-error.js';
import { essence } from './content-headers.js';
import {
  guardedFetch,
  isHttpUrl,
  tooLargeUpstream,
  type FetchPolicy,
  type FetchedResource,
  type HostResolver,
} from './guarded-fetch.js';
import { decodeHtmlBody, openGraphFromHtml, type OpenGraph } from './html-preview.js';
import { AddressPolicy } from './ip-ranges.js';
import type { Media, MediaDeps } from './media.js';

export type { OpenGraph };

/**
 * Sent as User-Agent: some sites only give Open Graph tags to crawlers, and the version is left out so as
 * not to tell every linked site what to attack.
 */
export const PREVIEW_USER_AGENT = 'Hearth (bot; Matrix homeserver URL previews)';

const ONE_HOUR = 3_600_000;
/** How long a failed preview is answered from the cache. */
const FAILURE_TTL = 5 * 60_000;
/** Cached URLs at most; the oldest go first. */
const MAX_CACHED = 1000;
/** Previews fetching at once; more wait. Each may hold up to max_spider_size in memory. */
const MAX_CONCURRENT = 8;
const MAX_REDIRECTS = 5;
/** Synapse's limits: longer keys or values are dropped from the answer, not cut. */
const MAX_KEY_LENGTH = 50;
const MAX_VALUE_LENGTH = 1000;

const isHtml = (type: string) => type === 'text/html' || type.startsWith('application/xhtml');
const isImage = (type: string) => type.startsWith('image/');

interface CacheEntry {
  expires: number;
  result: Promise<OpenGraph>;
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` wins over `filename`). */
function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*(?:utf-8|UTF-8)''([^;\s]+)/.exec(disposition)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended);
    } catch {
      // Malformed percent-encoding: fall back to the plain parameter.
    }
  }
  return (
    /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(disposition)?.slice(1).find(Boolean) ?? null
  );
}

/** A `data:` URL's bytes and media type (RFC 2397), for images pages inline. */
function parseDataUrl(url: URL, maxBytes: number): FetchedResource {
  const match = /^data:([^,]*?)(;base64)?,(.*)$/is.exec(url.href);
  if (!match) throw new MatrixError(502, 'M_UNKNOWN', 'Malformed data: URL');
  const [, type, base64, data] = match as unknown as [string, string, string | undefined, string];
  if (data.length > maxBytes * 3) throw tooLargeUpstream(maxBytes);
  // Percent-escapes stand for bytes (not UTF-8 text), in both forms.
  const bytes = data.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  const body = base64 ? Buffer.from(bytes, 'base64') : Buffer.from(bytes, 'latin1');
  if (body.length > maxBytes) throw tooLargeUpstream(maxBytes);
  return { url, contentType: type || 'text/plain', contentDisposition: null, body };
}

export class UrlPreviews {
  /** DNS for the guarded fetches (a provider, so tests can name hosts without a DNS server). */
  resolveHost: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });
  /** For one fetch with its redirects, headers and body. */
  fetchTimeoutMs = 30_000;
  private readonly addresses: AddressPolicy | undefined;
  private readonly cache = new Map<string, CacheEntry>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly deps: MediaDeps,
    private readonly media: Media,
  ) {
    const config = deps.config;
    // Non-public ranges are blocked even without a configured blacklist (ip-ranges.ts).
    if (config.url_preview_enabled)
      this.addresses = new AddressPolicy(
        config.url_preview_ip_range_blacklist ?? [],
        config.url_preview_ip_range_whitelist,
      );
  }

  get enabled(): boolean {
    return this.addresses !== undefined;
  }

  /** The preview of `url` for `userId` (whose name the og:image media is stored under). */
  async preview(userId: string, url: string): Promise<OpenGraph> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new MatrixError(400, 'M_INVALID_PARAM', 'url is not a valid URL');
    }
    if (!isHttpUrl(target))
      throw new MatrixError(400, 'M_INVALID_PARAM', 'Only http and https URLs are previewed');

    const now = this.deps.clock();
    const cached = this.cache.get(url);
    if (cached && cached.expires > now) return { ...(await cached.result) };
    if (cached) this.cache.delete(url);

    const entry: CacheEntry = {
      expires: now + ONE_HOUR,
      result: this.limited(() => this.generate(userId, target)),
    };
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(url, entry);
    entry.result.catch(() => {
      entry.expires = Math.min(entry.expires, this.deps.clock() + FAILURE_TTL);
    });
    return { ...(await entry.result) };
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= MAX_CONCURRENT) await new Promise<void>((wake) => this.waiting.push(wake));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private policy(accepts: (type: string) => boolean): FetchPolicy {
    const config = this.deps.config;
    return {
      addresses: this.addresses!,
      resolve: this.resolveHost,
      maxBytes: config.max_spider_size,
      timeoutMs: this.fetchTimeoutMs,
      maxRedirects: MAX_REDIRECTS,
      accepts,
      headers: {
        'User-Agent': PREVIEW_USER_AGENT,
        'Accept-Language': config.url_preview_accept_language.join(', '),
        Accept: 'text/html, application/xhtml+xml, image/*;q=0.9, */*;q=0.1',
        // Bodies are parsed as they come; the byte limit counts what is parsed.
        'Accept-Encoding': 'identity',
      },
    };
  }

  private async generate(userId: string, url: URL): Promise<OpenGraph> {
    const page = await guardedFetch(
      url,
      this.policy((type) => isHtml(type) || isImage(type)),
    );
    const type = essence(page.contentType!);
    let og: OpenGraph;
    if (isImage(type)) {
      const fileName = fileNameOf(page.contentDisposition);
      og = await this.storeImage(userId, page, fileName);
      // Synapse's answer for a bare image: its file name, if the server gave one, as the description.
      if (fileName) og['og:description'] = fileName;
    } else {
      og = openGraphFromHtml(decodeHtmlBody(page.body, page.contentType));
      await this.attachImage(userId, og, page.url);
    }
    for (const [key, value] of Object.entries(og))
      if (key.length > MAX_KEY_LENGTH || String(value).length > MAX_VALUE_LENGTH) delete og[key];
    return og;
  }

  /**
   * Replaces the page's og:image URL with the image stored as media. An image that cannot be fetched or
   * stored takes its og:image:* properties with it; the rest of the preview stands.
   */
  private async attachImage(userId: string, og: OpenGraph, page: URL): Promise<void> {
    const raw = og['og:image'];
    if (typeof raw !== 'string') return;
    try {
      const url = new URL(raw.trim(), page);
      const image =
        url.protocol === 'data:'
          ? parseDataUrl(url, this.deps.config.max_spider_size)
          : await guardedFetch(url, this.policy(isImage));
      if (!image.contentType || !isImage(essence(image.contentType)))
        throw new MatrixError(502, 'M_UNKNOWN', 'og:image is not an image');
      Object.assign(og, await this.storeImage(userId, image, fileNameOf(image.contentDisposition)));
    } catch (err) {
      this.deps.logger.debug(
        { err: { message: (err as Error).message }, page: page.host },
        'URL preview: og:image not stored',
      );
      for (const key of Object.keys(og))
        if (key === 'og:image' || key.startsWith('og:image:')) delete og[key];
    }
  }

  /** Stores an image as media: its mxc URI, type, size and (when sharp can read them) dimensions. */
  private async storeImage(
    userId: string,
    image: FetchedResource,
    fileName: string | null,
  ): Promise<OpenGraph> {
    const type = essence(image.contentType!);
    let mxc: string;
    try {
      mxc = await this.media.upload(userId, {
        body: Readable.from([image.body]),
        contentType: type,
        fileName,
        declaredLength: image.body.length,
      });
    } catch (err) {
      // Larger than max_upload_size: the page's fault, not the requester's.
      if (err instanceof MatrixError && err.errcode === 'M_TOO_LARGE')
        throw tooLargeUpstream(this.deps.config.max_upload_size);
      throw err;
    }
    const og: OpenGraph = { 'og:image': mxc, 'og:image:type': type, 'matrix:image:size': image.body.length };
    try {
      const meta = await (
        await loadSharp()
      )(image.body, {
        limitInputPixels: this.deps.config.max_image_pixels,
      }).metadata();
      if (meta.width && meta.height) {
        // EXIF orientations 5–8 turn the picture a quarter: it is shown with width and height swapped.
        const turned = (meta.orientation ?? 1) >= 5;
        og['og:image:width'] = turned ? meta.height : meta.width;
        og['og:image:height'] = turned ? meta.width : meta.height;
      }
    } catch {
      // Not an image sharp can read (or a broken one): stored and offered without dimensions, as Synapse.
    }
    return og;
  }
}

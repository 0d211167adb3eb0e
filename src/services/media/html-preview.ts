// From a fetched HTML page to Open Graph data (https://ogp.me/), the way Synapse previews pages: the
// page's own og:, article: and profile: properties, Twitter card tags where Open Graph is silent, and
// fallbacks for pages with neither (the first <title>/<h1>/<h2>/<h3> holding only text, a microdata or
// large <img> or the favicon, <meta name="description"> or the start of the visible text). Pure: bytes and
// a Content-Type in, a flat map of strings out; fetching and storing images is url-preview.ts's business.
import { tokenizeHtml } from './html-tokens.js';
import { decodeWindows1252 } from './windows-1252.js';

export type OpenGraph = Record<string, string | number>;

// ---------------------------------------------------------------------------------------------------
// Decoding the bytes

/** The encoding a label names, as TextDecoder knows it, or undefined for labels it does not support. */
function encodingOf(label: string): string | undefined {
  try {
    const encoding = new TextDecoder(label.trim()).encoding;
    // A page that declares UTF-16 in ASCII-compatible bytes is not UTF-16 (WHATWG: treat as UTF-8).
    return encoding.startsWith('utf-16') ? 'utf-8' : encoding;
  } catch {
    return undefined;
  }
}

/** The charset parameter of a Content-Type value. */
export function charsetParameter(contentType: string | null): string | undefined {
  return contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1] : undefined;
}

/** How far into the page a <meta charset> or XML declaration is looked for. */
const PRESCAN_BYTES = 4096;

function declaredInPage(body: Buffer): string | undefined {
  const head = body.subarray(0, PRESCAN_BYTES).toString('latin1');
  return (
    // <meta charset="…"> and <meta http-equiv="Content-Type" content="text/html; charset=…">
    /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)/i.exec(head)?.[1] ??
    /^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:+-]+)["']/i.exec(head)?.[1]
  );
}

function byteOrderMark(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/**
 * The page as text. A byte order mark decides; then the Content-Type header's charset, then the page's
 * own declaration, each used only if the bytes are valid in it (so a server that labels every page
 * UTF-8 does not garble a page that says windows-1251 and is); undeclared pages are UTF-8 when valid,
 * else windows-1252. If every declaration fails, the first is used with replacement characters.
 */
export function decodeHtmlBody(body: Buffer, contentType: string | null): string {
  const bom = byteOrderMark(body);
  if (bom) return new TextDecoder(bom).decode(body);
  const declared = [charsetParameter(contentType), declaredInPage(body)]
    .map((label) => (label ? encodingOf(label) : undefined))
    .filter((encoding): encoding is string => encoding !== undefined);
  const tries = declared.length > 0 ? declared : ['utf-8', 'windows-1252'];
  for (const encoding of new Set(tries)) {
    // Every byte means something in windows-1252: it never fails.
    if (encoding === 'windows-1252') return decodeWindows1252(body);
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(body);
    } catch {
      // Not valid in this encoding: try the next.
    }
  }
  return new TextDecoder(tries[0]).decode(body);
}

// ---------------------------------------------------------------------------------------------------
// Summaries

/**
 * A description from paragraphs: whole paragraphs until `min` characters, then cut at a word boundary
 * before `max` with an ellipsis (Synapse's rule, so previews read the same from either server).
 */
export function summarizeParagraphs(paragraphs: Iterable<string>, min = 200, max = 500): string | undefined {
  let description = '';
  for (const paragraph of paragraphs) {
    if (description.length >= min) break;
    description += `${paragraph.replace(/[\t \r\n]+/g, ' ')}\n\n`;
  }
  description = description
    .trim()
    .replace(/[\t ]+/g, ' ')
    .replace(/[\t \r\n]*[\r\n]+/g, '\n\n');
  if (description.length > max) {
    let cut = '';
    for (const [word] of description.matchAll(/\s*\S+/g)) {
      if (cut.length + word.length < max) {
        cut += word;
        continue;
      }
      // One huge word at the start is kept (and cut below) rather than leaving almost nothing.
      if (cut.length < min) cut += word;
      break;
    }
    description = `${cut.slice(0, max).trim()}…`;
  }
  return description === '' ? undefined : description;
}

// ---------------------------------------------------------------------------------------------------
// Extraction

/** Synapse's limit: a page with more tags of one prefix than this is gaming us; none of them count. */
const MAX_TAGS_PER_PREFIX = 50;
/** Elements whose text is not the page's visible content. */
const NOT_CONTENT = new Set([
  'head',
  'title',
  'header',
  'nav',
  'aside',
  'footer',
  'script',
  'noscript',
  'style',
  'template',
  'svg',
  'iframe',
  'video',
  'canvas',
  'img',
  'picture',
]);
/** ARIA roles of navigation rather than content. */
const NOT_CONTENT_ROLES = new Set(['directory', 'menu', 'menubar', 'toolbar']);
const TITLE_ELEMENTS = new Set(['title', 'h1', 'h2', 'h3']);
/** Elements without content or end tag. */
const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Nesting kept track of; deeper elements are treated as empty (bounds memory on hostile pages). */
const MAX_DEPTH = 1024;
/** Twitter card properties with no Open Graph counterpart. */
const TWITTER_ONLY = new Set(['twitter:card', 'twitter:creator', 'twitter:site']);

/** `<meta>` tags of one prefix, first occurrence of a property winning (as ogp.me prefers the first). */
class PrefixedTags {
  readonly values = new Map<string, string>();
  private overflow = false;

  constructor(private readonly prefix: string) {}

  offer(property: string | undefined, content: string | undefined): void {
    if (!property?.startsWith(this.prefix) || !content || this.overflow) return;
    if (this.values.size >= MAX_TAGS_PER_PREFIX) {
      this.overflow = true;
      this.values.clear();
      return;
    }
    if (!this.values.has(property)) this.values.set(property, content);
  }
}

interface OpenElement {
  name: string;
  order: number;
  hidden: boolean;
  children: number;
  /** The element's only child's text (bs4's `.string`), while it has exactly one. */
  onlyText: string | null;
}

function number(text: string | undefined): number {
  const value = Number(text);
  return Number.isNaN(value) ? 0 : value;
}

/** Open Graph data of an HTML page (already decoded to text). Values are strings as the page gave them. */
export function openGraphFromHtml(html: string): OpenGraph {
  const og = new PrefixedTags('og:');
  const article = new PrefixedTags('article:');
  const profile = new PrefixedTags('profile:');
  const twitter = new PrefixedTags('twitter:');
  let microdataImage: string | undefined;
  let metaDescription: string | undefined;
  let firstImage: string | undefined;
  let largestImage: { src: string; area: number } | undefined;
  let favicon: string | undefined;
  let title: { order: number; text: string } | undefined;
  const paragraphs: string[] = [];
  let paragraphLength = 0;

  const stack: OpenElement[] = [];
  // How many elements of each name are open, so a stray end tag costs nothing to ignore.
  const openCount = new Map<string, number>();
  let hiddenDepth = 0;
  let order = 0;
  const addChild = (text: string | null) => {
    const parent = stack[stack.length - 1];
    if (!parent) return;
    parent.children += 1;
    parent.onlyText = parent.children === 1 ? text : null;
  };
  const close = () => {
    const element = stack.pop()!;
    openCount.set(element.name, openCount.get(element.name)! - 1);
    if (element.hidden) hiddenDepth -= 1;
    const text = element.children === 1 ? element.onlyText : null;
    const trimmed = text?.trim();
    if (TITLE_ELEMENTS.has(element.name) && trimmed && (!title || element.order < title.order))
      title = { order: element.order, text: trimmed };
    addChild(text);
  };

  for (const token of tokenizeHtml(html)) {
    if (token.type === 'text') {
      addChild(token.text);
      // Only as much visible text as a summary can use (it stops adding paragraphs past 200 characters).
      if (hiddenDepth === 0 && paragraphLength < 200) {
        const paragraph = token.text.replace(/\s+/g, ' ').trim();
        if (paragraph) {
          paragraphs.push(paragraph);
          paragraphLength += paragraph.length + 2;
        }
      }
      continue;
    }
    if (token.type === 'end') {
      // Closing an element closes what is still open inside it; a stray end tag changes nothing.
      if (openCount.get(token.name)) {
        while (stack[stack.length - 1]!.name !== token.name) close();
        close();
      }
      continue;
    }

    const { name, attributes: a } = token;
    order += 1;
    if (name === 'meta') {
      const content = a.get('content');
      og.offer(a.get('property'), content);
      article.offer(a.get('property'), content);
      profile.offer(a.get('property'), content);
      twitter.offer(a.get('name'), content);
      if (content && microdataImage === undefined && /image/i.test(a.get('itemprop') ?? ''))
        microdataImage = content;
      if (content && metaDescription === undefined && /description/i.test(a.get('name') ?? ''))
        metaDescription = content;
    } else if (name === 'img') {
      const src = a.get('src');
      if (src) {
        firstImage ??= src;
        const width = number(a.get('width'));
        const height = number(a.get('height'));
        // Images of a few pixels are spacers and tracking pixels; the largest real one stands for the page.
        if (a.get('width') && a.get('height') && width > 10 && height > 10) {
          if (!largestImage || width * height > largestImage.area)
            largestImage = { src, area: width * height };
        }
      }
    } else if (name === 'link' && favicon === undefined) {
      const rel = (a.get('rel') ?? '').toLowerCase().split(/\s+/);
      const href = a.get('href');
      if (href && rel.includes('icon')) favicon = href;
    }

    if (VOID.has(name) || stack.length >= MAX_DEPTH) {
      addChild(null);
      continue;
    }
    const hidden = NOT_CONTENT.has(name) || NOT_CONTENT_ROLES.has(a.get('role') ?? '');
    if (hidden) hiddenDepth += 1;
    openCount.set(name, (openCount.get(name) ?? 0) + 1);
    stack.push({ name, order, hidden, children: 0, onlyText: null });
  }
  while (stack.length > 0) close();

  const result: OpenGraph = {};
  for (const tags of [og, article, profile]) for (const [key, value] of tags.values) result[key] = value;
  for (const [key, value] of twitter.values) {
    if (TWITTER_ONLY.has(key)) continue;
    const mapped = `og:${key.slice('twitter:'.length)}`;
    if (!(mapped in result)) result[mapped] = value;
  }

  if (!('og:title' in result) && title) result['og:title'] = title.text;
  if (!('og:image' in result)) {
    const image = microdataImage ?? largestImage?.src ?? firstImage ?? favicon;
    if (image) result['og:image'] = image;
  }
  const given = result['og:description'] ?? metaDescription;
  const description =
    given !== undefined ? summarizeParagraphs([String(given)]) : summarizeParagraphs(paragraphs);
  if (description !== undefined) result['og:description'] = description;
  else delete result['og:description'];
  return result;
}

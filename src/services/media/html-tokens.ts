// A small HTML tokenizer for URL previews: start tags with their attributes, end tags and text, in document
// order. It follows the WHATWG tokenizer where that matters for reading metadata (comments, doctypes and
// processing instructions are skipped; <script> and <style> hold raw text; <title> and <textarea> hold
// text with character references; attribute values are quoted, single-quoted or bare; the first of two
// equal attribute names wins) and builds no tree, so a page costs one pass over its text.
import { decodeEntities } from './html-entities.js';

export type HtmlToken =
  | { type: 'start'; name: string; attributes: Map<string, string> }
  | { type: 'end'; name: string }
  | { type: 'text'; text: string };

/** Elements whose content is text up to their end tag (raw: no character references). */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes']);
const ESCAPABLE_RAW_TEXT = new Set(['title', 'textarea']);

const TAG_NAME = /[A-Za-z][^\s/>]*/y;
const ATTRIBUTE_NAME = /[^\s/>][^\s/>=]*/y;
const SPACE = /[\s/]*/y;
const BARE_VALUE = /[^\s>]*/y;

function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** The index where `</name` (any case) ends a raw text element, or the end of the text. */
function endOfRawText(html: string, from: number, name: string): number {
  const pattern = new RegExp(`</${name}[\\s/>]`, 'ig');
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match ? match.index : html.length;
}

export function* tokenizeHtml(html: string): Generator<HtmlToken> {
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      yield { type: 'text', text: decodeEntities(html.slice(i)) };
      return;
    }
    if (lt > i) yield { type: 'text', text: decodeEntities(html.slice(i, lt)) };
    i = lt;
    const next = html[i + 1];

    if (html.startsWith('<!--', i)) {
      // `<!-->` and `<!--->` close at once, as in browsers.
      const close = html.indexOf('-->', i + 2);
      i = close === -1 ? html.length : close + 3;
      continue;
    }
    if (next === '!' || next === '?') {
      // Doctype, CDATA outside foreign content, processing instruction: all skipped up to `>`.
      const close = html.indexOf('>', i);
      i = close === -1 ? html.length : close + 1;
      continue;
    }
    if (next === '/') {
      TAG_NAME.lastIndex = i + 2;
      const name = TAG_NAME.exec(html);
      const close = html.indexOf('>', i + 2);
      i = close === -1 ? html.length : close + 1;
      // An end tag cut off by the end of the page is dropped, like an unfinished start tag.
      if (name && close !== -1) yield { type: 'end', name: lowerAscii(name[0]) };
      continue;
    }

    TAG_NAME.lastIndex = i + 1;
    const nameMatch = TAG_NAME.exec(html);
    if (!nameMatch) {
      // A `<` that starts no tag is text.
      yield { type: 'text', text: '<' };
      i += 1;
      continue;
    }
    const name = lowerAscii(nameMatch[0]);
    const attributes = new Map<string, string>();
    let at = TAG_NAME.lastIndex;
    let complete = false;
    while (at < html.length) {
      SPACE.lastIndex = at;
      SPACE.exec(html);
      at = SPACE.lastIndex;
      if (html[at] === '>') {
        complete = true;
        at += 1;
        break;
      }
      ATTRIBUTE_NAME.lastIndex = at;
      const attributeName = ATTRIBUTE_NAME.exec(html);
      if (!attributeName) break;
      at = ATTRIBUTE_NAME.lastIndex;
      while (/\s/.test(html[at] ?? '')) at++;
      let value = '';
      if (html[at] === '=') {
        at++;
        while (/\s/.test(html[at] ?? '')) at++;
        const quote = html[at];
        if (quote === '"' || quote === "'") {
          const close = html.indexOf(quote, at + 1);
          if (close === -1) {
            at = html.length;
            break;
          }
          value = html.slice(at + 1, close);
          at = close + 1;
        } else {
          BARE_VALUE.lastIndex = at;
          value = BARE_VALUE.exec(html)![0];
          at = BARE_VALUE.lastIndex;
        }
      }
      const key = lowerAscii(attributeName[0]);
      if (!attributes.has(key)) attributes.set(key, decodeEntities(value, true));
    }
    // A tag cut off by the end of the page is no tag (WHATWG: "EOF in tag").
    if (!complete) return;
    i = at;
    yield { type: 'start', name, attributes };

    if (RAW_TEXT.has(name) || ESCAPABLE_RAW_TEXT.has(name)) {
      const end = endOfRawText(html, i, name);
      const text = html.slice(i, end);
      if (text) yield { type: 'text', text: RAW_TEXT.has(name) ? text : decodeEntities(text) };
      i = end;
    }
  }
}

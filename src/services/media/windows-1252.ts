// windows-1252 as WHATWG's Encoding standard defines it (what browsers use for pages labelled latin1,
// iso-8859-1 or windows-1252, and for undeclared legacy pages). Node 20's TextDecoder decodes this label
// as plain ISO-8859-1, turning curly quotes, dashes and € into invisible C1 controls, so it is done here.

/** What bytes 0x80–0x9F mean; the five the standard leaves unassigned stay C1 controls. */
const C1 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** The character windows-1252 maps a byte to. */
export function windows1252Char(byte: number): string {
  return byte >= 0x80 && byte <= 0x9f ? String.fromCharCode(C1[byte - 0x80]!) : String.fromCharCode(byte);
}

export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\x80-\x9f]/g, (c) => windows1252Char(c.charCodeAt(0)));
}

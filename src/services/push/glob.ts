// Glob patterns of push rules (appendices, "Glob-style matching": `*` is any run of characters, `?` exactly
// one), matched case-insensitively, either against a whole value or, for `content.body`, against any
// substring that starts and ends at a word boundary (push.md, event_match).
//
// Not a RegExp: JavaScript's backtracking engine takes polynomial time on patterns such as `*a*a*a*a*b`,
// and a content rule is user input evaluated on the event loop for every message (Synapse is safe there
// because Rust's regex crate is linear). Segments between stars are placed leftmost, which is optimal for
// globs, so a match costs at most O(value length × pattern length).

/** A value prepared once per event: its lower-cased code points and which of them are word characters. */
export interface GlobText {
  readonly chars: readonly string[];
  /** wordChar[i]: chars[i] is in [A-Za-z0-9_] (the spec's definition of what is not a word boundary). */
  readonly wordChar: readonly boolean[];
}

const WORD = /^[a-z0-9_]$/;

export function globText(value: string): GlobText {
  const chars = Array.from(value.toLowerCase());
  return { chars, wordChar: chars.map((c) => WORD.test(c)) };
}

/** Stands for `?` in a segment: two UTF-16 units, so no single character of a value can equal it. */
const ANY = '\u0000?';

/** A compiled pattern: segments between `*`s, ANY standing for any one character inside a segment. */
export interface Glob {
  readonly segments: readonly (readonly string[])[];
  /** Lower-cased pattern without wildcards, for the common exact comparison. */
  readonly literal: string | undefined;
}

export function compileGlob(pattern: string): Glob {
  const lowered = pattern.toLowerCase();
  const literal = /[*?]/.test(lowered) ? undefined : lowered;
  // Runs of stars are one star: `a**b` is `a*b`.
  const segments = lowered.split(/\*+/).map((s) => Array.from(s, (c) => (c === '?' ? ANY : c)));
  return { segments, literal };
}

/** Text to find as it is, wildcards and all (a display name). */
export function literalGlob(text: string): Glob {
  const lowered = text.toLowerCase();
  return { segments: [Array.from(lowered)], literal: lowered };
}

/** The whole value matches the pattern. */
export function matchesWhole(glob: Glob, value: string, text?: GlobText): boolean {
  if (glob.literal !== undefined) return value.toLowerCase() === glob.literal;
  const { chars } = text ?? globText(value);
  return find(
    glob,
    chars,
    (start) => start === 0,
    (end) => end === chars.length,
  );
}

/**
 * Some substring of the value that starts and ends at a word boundary matches the pattern. As Synapse
 * reads it, a boundary lies between two characters unless both are word characters, and at either end.
 */
export function matchesWords(glob: Glob, text: GlobText): boolean {
  const { chars, wordChar } = text;
  const n = chars.length;
  const startOk = (i: number) => i === 0 || i === n || !wordChar[i - 1] || !wordChar[i];
  return find(glob, chars, startOk, startOk);
}

function find(
  glob: Glob,
  chars: readonly string[],
  startOk: (i: number) => boolean,
  endOk: (i: number) => boolean,
): boolean {
  const { segments } = glob;
  const n = chars.length;
  const first = segments[0]!;
  if (segments.length === 1) {
    for (let s = 0; s + first.length <= n; s++) {
      if (startOk(s) && endOk(s + first.length) && segmentAt(first, chars, s)) return true;
    }
    return false;
  }
  // With a star, the earliest start that fits is the best one: later starts only push every following
  // segment further right, so if the earliest fails, all do.
  for (let s = 0; s + first.length <= n; s++) {
    if (!startOk(s) || !segmentAt(first, chars, s)) continue;
    let pos = s + first.length;
    for (let k = 1; k < segments.length - 1; k++) {
      const segment = segments[k]!;
      const at = indexOfSegment(segment, chars, pos);
      if (at < 0) return false;
      pos = at + segment.length;
    }
    const last = segments[segments.length - 1]!;
    for (let p = pos; p + last.length <= n; p++) {
      if (endOk(p + last.length) && segmentAt(last, chars, p)) return true;
    }
    return false;
  }
  return false;
}

function segmentAt(segment: readonly string[], chars: readonly string[], at: number): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c !== ANY && c !== chars[at + i]) return false;
  }
  return true;
}

function indexOfSegment(segment: readonly string[], chars: readonly string[], from: number): number {
  for (let p = from; p + segment.length <= chars.length; p++) {
    if (segmentAt(segment, chars, p)) return p;
  }
  return -1;
}

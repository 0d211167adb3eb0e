// Sync tokens: one position per stream, written `s<events>_<account_data>_<to_device>_<receipts>_
// <presence>_<device_lists>_<typing>` (the shape Synapse's tokens have). Positions come from the
// database's stream counters, so tokens stay valid across restarts. A pagination token for /messages is
// the same format; only its events position matters there.
import { MatrixError } from '../../matrix-error.js';

export const TOKEN_STREAMS = [
  'events',
  'account_data',
  'to_device',
  'receipts',
  'presence',
  'device_lists',
  'typing',
] as const;
export type TokenStream = (typeof TOKEN_STREAMS)[number];
export type StreamPositions = Record<TokenStream, number>;

export function emptyPositions(): StreamPositions {
  return { events: 0, account_data: 0, to_device: 0, receipts: 0, presence: 0, device_lists: 0, typing: 0 };
}

export function formatToken(positions: StreamPositions): string {
  return `s${TOKEN_STREAMS.map((s) => positions[s]).join('_')}`;
}

export function formatEventsToken(eventsPosition: number): string {
  return formatToken({ ...emptyPositions(), events: eventsPosition });
}

/** Parses a token; throws 400 M_INVALID_PARAM for anything that is not one. */
export function parseToken(text: string, param = 'since'): StreamPositions {
  const match = /^s(\d+(?:_\d+){0,6})$/.exec(text);
  if (!match) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid ${param} token`);
  const numbers = match[1]!.split('_').map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n)))
    throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid ${param} token`);
  const positions = emptyPositions();
  TOKEN_STREAMS.forEach((stream, i) => (positions[stream] = numbers[i] ?? 0));
  return positions;
}

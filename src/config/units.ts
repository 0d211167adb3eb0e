// Synapse's duration and size notations: a bare number (milliseconds / bytes) or a number with a unit.
import { ConfigValueError, type Parser } from './schema.js';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** "1d", "30m", "500ms" or a number of milliseconds. */
export function duration(): Parser<number> {
  const expected = 'a duration such as 30s, 10m, 1d or a number of milliseconds';
  return (value, path) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    if (typeof value === 'string') {
      const match = /^(\d+)\s*(ms|s|m|h|d|w|y)?$/.exec(value.trim());
      if (match) return Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!;
    }
    throw new ConfigValueError(path, expected, value);
  };
}

const SIZE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "50M", "10K", "1G" (powers of 1024, as Synapse) or a number of bytes. */
export function size(): Parser<number> {
  const expected = 'a size such as 50M, 512K, 1G or a number of bytes';
  return (value, path) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    if (typeof value === 'string') {
      const match = /^(\d+)\s*([KMGT])?B?$/i.exec(value.trim());
      if (match) return Number(match[1]) * (match[2] ? SIZE_UNITS[match[2].toUpperCase()]! : 1);
    }
    throw new ConfigValueError(path, expected, value);
  };
}

// The process logger: JSON lines on stdout (pino). Credentials never appear: request URLs are redacted
// before logging (http/request-log.ts) and these paths are censored as a second line of defence.
import pino, { type Logger } from 'pino';

export function createLogger(
  level = process.env.HEARTH_LOG_LEVEL ?? 'info',
  destination: pino.DestinationStream = pino.destination(1),
): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          'password',
          '*.password',
          'access_token',
          '*.access_token',
          'authorization',
          '*.authorization',
        ],
        censor: '<redacted>',
      },
    },
    destination,
  );
}

// sharp (libvips) is loaded on first use, not at start: its native libraries and thread pool add about
// 15 MiB to the resident memory of a server that may never see an image.
import type sharpType from 'sharp';

let loading: Promise<typeof sharpType> | undefined;

export function loadSharp(): Promise<typeof sharpType> {
  loading ??= import('sharp').then((m) => m.default);
  return loading;
}

// Media files on disk, under media_store_path in a fan-out layout so no directory grows huge:
//   local_content/ab/cd/efgh…            the upload itself
//   local_thumbnails/ab/cd/efgh…/W-H-method-type   its thumbnails
//   tmp/                                 uploads in progress
// A file appears under its final name only once it is complete and flushed (write to tmp, fsync,
// rename), so an interrupted upload or a full disk never leaves half a file where a download finds it.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MatrixError } from '../../matrix-error.js';

/** Media ids are ours: letters and digits only, so a path built from one cannot leave its directory. */
const MEDIA_ID = /^[A-Za-z0-9]{8,64}$/;

export function isStoredMediaId(mediaId: string): boolean {
  return MEDIA_ID.test(mediaId);
}

export const tooLarge = (limit: number) =>
  new MatrixError(413, 'M_TOO_LARGE', `Media may be at most ${limit} bytes`);

export const diskFull = () =>
  new MatrixError(507, 'M_RESOURCE_LIMIT_EXCEEDED', 'The server has no space left to store this file');

export interface WrittenFile {
  size: number;
  sha256: string;
}

export class FileStore {
  constructor(readonly root: string) {}

  private fanOut(base: string, mediaId: string): string {
    if (!MEDIA_ID.test(mediaId)) throw new Error('not a stored media id');
    return join(this.root, base, mediaId.slice(0, 2), mediaId.slice(2, 4), mediaId.slice(4));
  }

  contentPath(mediaId: string): string {
    return this.fanOut('local_content', mediaId);
  }

  thumbnailPath(
    mediaId: string,
    t: { width: number; height: number; method: string; contentType: string },
  ): string {
    const type = t.contentType.replace('/', '-');
    return join(this.fanOut('local_thumbnails', mediaId), `${t.width}-${t.height}-${t.method}-${type}`);
  }

  /**
   * Streams `source` into the file at `target`, refusing more than `maxBytes` (413, the rest unread).
   * Returns its size and SHA-256. On any failure nothing is left behind.
   */
  async write(source: Readable, target: string, maxBytes: number): Promise<WrittenFile> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(tooLarge(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // The source is piped by hand, not through pipeline(): a refused upload must leave the request
    // stream alive (unread) so the 413 can still be sent on its connection.
    const written = pipeline(meter, createWriteStream(tmp, { flags: 'wx' }));
    const abort = (err: Error) => meter.destroy(err);
    const closed = () => {
      if (!source.readableEnded) meter.destroy(new Error('upload interrupted'));
    };
    source.once('error', abort);
    source.once('close', closed);
    source.pipe(meter);
    try {
      await written.finally(() => {
        source.off('error', abort);
        source.off('close', closed);
        source.unpipe(meter);
      });
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw diskFull();
      throw err;
    }
    return { size, sha256: hash.digest('hex') };
  }

  /** Writes a buffer (a thumbnail) the same careful way. */
  async writeBuffer(data: Buffer, target: string): Promise<void> {
    await this.write(Readable.from([data]), target, data.length);
  }

  /** A stream of a stored file, or undefined when it is missing. */
  async read(path: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    try {
      const info = await stat(path);
      return { stream: createReadStream(path), size: info.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Deletes a media item's file and thumbnails. */
  async remove(mediaId: string): Promise<void> {
    await rm(this.contentPath(mediaId), { force: true });
    await rm(this.fanOut('local_thumbnails', mediaId), { recursive: true, force: true });
  }

  async removeFile(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  async move(from: string, to: string): Promise<void> {
    await rename(from, to);
  }

  async removeThumbnails(mediaId: string): Promise<void> {
    await rm(this.fanOut('local_thumbnails', mediaId), { recursive: true, force: true });
  }
}

/**
 * Object bytes on disk for the local Storage API. Each upload writes a new version file
 * `<root>/<bucket>/<version>` (the version is a fresh uuid, recorded in storage.objects.version),
 * so replacing an object never exposes a half-written file and a rolled-back upload leaves the
 * previous content in place. Names never touch the file system, so any object key is safe.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";

export class TooLargeError extends Error {}

export interface StagedFile {
  version: string;
  tempPath: string;
  size: number;
  /** Quoted MD5, as Storage reports `eTag`. */
  eTag: string;
}

function safeSegment(value: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(value) || value === "." || value === "..") {
    throw new Error(`Cannot use "${value}" in a storage file path`);
  }
  return value;
}

export class ObjectFiles {
  constructor(readonly root: string) {}

  #bucketDir(bucket: string): string {
    // Bucket ids are free text in Postgres; encode them for the file system.
    return path.join(this.root, "buckets", encodeURIComponent(bucket).replace(/\./g, "%2E"));
  }

  filePath(bucket: string, version: string): string {
    return path.join(this.#bucketDir(bucket), safeSegment(version));
  }

  /** Streams a body into a temporary file, enforcing the size limit while it arrives. */
  async stage(body: ReadableStream<Uint8Array> | Uint8Array | null, limit: number): Promise<StagedFile> {
    const tmpDir = path.join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const version = randomUUID();
    const tempPath = path.join(tmpDir, version);
    const md5 = createHash("md5");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) {
          done(
            new TooLargeError(
              `The object exceeded the maximum allowed size (${limit} bytes): raise the bucket's file_size_limit or the upload limit (locally: STORAGE_FILE_SIZE_LIMIT)`,
            ),
          );
          return;
        }
        md5.update(chunk);
        done(null, chunk);
      },
    });
    const source =
      body === null
        ? Readable.from([])
        : body instanceof Uint8Array
          ? Readable.from([Buffer.from(body)])
          : Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
    try {
      await pipeline(source, meter, createWriteStream(tempPath));
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return { version, tempPath, size, eTag: `"${md5.digest("hex")}"` };
  }

  async commit(bucket: string, staged: StagedFile): Promise<void> {
    const target = this.filePath(bucket, staged.version);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(staged.tempPath, target);
  }

  async discard(staged: StagedFile): Promise<void> {
    await rm(staged.tempPath, { force: true });
  }

  async remove(bucket: string, version: string | null): Promise<void> {
    if (!version) return;
    await rm(this.filePath(bucket, version), { force: true });
  }

  async open(
    bucket: string,
    version: string | null,
  ): Promise<{ stream: ReadableStream<Uint8Array>; size: number } | undefined> {
    if (!version) return undefined;
    const file = this.filePath(bucket, version);
    const info = await stat(file).catch(() => undefined);
    if (!info) return undefined;
    const stream = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;
    return { stream, size: info.size };
  }
}

/**
 * Spool, then upload (docs/architecture.md): the export stream is compressed (gzip by default), hashed
 * and written to a temporary file. Both destinations then read that file: Storage wants the size,
 * Graph's upload session needs the total in every Content-Range, and a restarted session must re-read
 * from byte 0. Memory stays at a few chunks whatever the backup's size.
 */
import type { Compression } from "./config.ts";
import { BackupHasher } from "./hashing.ts";

export interface SpooledFile {
  path: string;
  size: number;
  sha256: string;
  quickXorHash: string;
  /** Deletes the file; safe to call twice. */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  compression: Compression;
  /** Called as bytes are written: JSON bytes read, file bytes written. */
  onProgress?: (jsonBytes: number, fileBytes: number) => void;
  makeTempFile?: () => Promise<string>;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await file.write(bytes.subarray(offset));
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

export async function spoolToTempFile(
  source: ReadableStream<Uint8Array>,
  options: SpoolOptions,
): Promise<SpooledFile> {
  const path =
    await (options.makeTempFile ?? (() => Deno.makeTempFile({ prefix: "backup-", suffix: ".spool" })))();
  const hasher = new BackupHasher();
  let jsonBytes = 0;
  const counted = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        jsonBytes += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const bytes = options.compression === "gzip"
    ? counted.pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    : counted;
  const file = await Deno.open(path, { write: true, truncate: true });
  try {
    for await (const chunk of bytes) {
      hasher.update(chunk);
      await writeAll(file, chunk);
      options.onProgress?.(jsonBytes, hasher.size);
    }
  } catch (error) {
    file.close();
    await removeQuietly(path);
    throw error;
  }
  file.close();
  const { sha256, quickXorHash } = hasher.digest();
  return { path, size: hasher.size, sha256, quickXorHash, remove: () => removeQuietly(path) };
}

/** A re-openable view of the spooled file, for uploads that resume from an offset. */
export function spooledSource(file: { path: string; size: number }) {
  return {
    size: file.size,
    open(offset: number): ReadableStream<Uint8Array> {
      let handle: Deno.FsFile | undefined;
      return new ReadableStream<Uint8Array>({
        async start() {
          handle = await Deno.open(file.path, { read: true });
          await handle.seek(offset, Deno.SeekMode.Start);
        },
        async pull(controller) {
          const buffer = new Uint8Array(256 * 1024);
          const n = await handle!.read(buffer);
          if (n === null) {
            handle!.close();
            controller.close();
          } else {
            controller.enqueue(buffer.subarray(0, n));
          }
        },
        cancel() {
          handle?.close();
        },
      });
    },
  };
}

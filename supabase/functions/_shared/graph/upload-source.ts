/** Re-openable byte sources for uploads: a file on disk (the pipeline's spool file) or bytes in memory. */
import type { UploadSource } from "./types.ts";

const FILE_CHUNK = 1024 * 1024;

/** A file as an UploadSource; each `open(offset)` opens the file again and seeks, so retries can re-read. */
export async function fileUploadSource(path: string): Promise<UploadSource> {
  const info = await Deno.stat(path);
  if (!info.isFile) throw new Error(`Cannot upload "${path}": it is not a file`);
  // One handle for `readAt`, kept open across fragments and closed by the upload when it ends.
  let handle: { file: Deno.FsFile; position: number } | undefined;
  return {
    size: info.size,
    async readAt(offset: number, into: Uint8Array): Promise<number> {
      if (!handle) handle = { file: await Deno.open(path, { read: true }), position: 0 };
      const current = handle;
      if (current.position !== offset) {
        await current.file.seek(offset, Deno.SeekMode.Start);
        current.position = offset;
      }
      const read = await current.file.read(into);
      if (read === null) return 0;
      current.position += read;
      return read;
    },
    close(): void {
      handle?.file.close();
      handle = undefined;
    },
    open(offset: number): ReadableStream<Uint8Array> {
      let file: Deno.FsFile | undefined;
      let closed = false;
      const close = () => {
        if (!closed && file) file.close();
        closed = true;
      };
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (closed) return controller.close();
          if (!file) {
            file = await Deno.open(path, { read: true });
            await file.seek(offset, Deno.SeekMode.Start);
          }
          const buffer = new Uint8Array(FILE_CHUNK);
          const read = await file.read(buffer);
          if (read === null) {
            close();
            controller.close();
            return;
          }
          controller.enqueue(buffer.subarray(0, read));
        },
        cancel() {
          close();
        },
      });
    },
  };
}

/** Bytes in memory as an UploadSource (tests, the probe file). */
export function bytesUploadSource(bytes: Uint8Array): UploadSource {
  return {
    size: bytes.length,
    open(offset: number): ReadableStream<Uint8Array> {
      let position = offset;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (position >= bytes.length) return controller.close();
          const end = Math.min(bytes.length, position + FILE_CHUNK);
          controller.enqueue(bytes.subarray(position, end));
          position = end;
        },
      });
    },
  };
}

/**
 * Reading what an upload sends: `SourceReader` reads a source sequentially, reopening it only when asked for
 * another offset; `FragmentReader` reads a session's fragments into two buffers reused for the whole upload,
 * one sent while the next fragment is read into the other, so reading and hashing overlap the network and
 * memory stays at two fragments.
 */
import { GraphError } from "./errors.ts";
import type { UploadSource } from "./types.ts";

export class SourceReader {
  readonly #source: UploadSource;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #position = 0;
  #leftover: Uint8Array | undefined;

  constructor(source: UploadSource) {
    this.#source = source;
  }

  /** Fills `buffer` with `length` bytes from `offset`. */
  async read(offset: number, length: number, buffer: Uint8Array): Promise<Uint8Array> {
    if (this.#source.readAt) {
      // Random access: no stream to keep open.
    } else if (!this.#reader || this.#position !== offset) {
      await this.close();
      this.#reader = this.#source.open(offset).getReader();
      this.#position = offset;
    }
    let filled = 0;
    const readAt = this.#source.readAt?.bind(this.#source);
    // Straight into the caller's buffer when the source can, without the stream's intermediate chunks.
    while (readAt && filled < length) {
      const read = await readAt(offset + filled, buffer.subarray(filled, length));
      if (read === 0) break;
      filled += read;
    }
    // A random-access source has no stream: a short read there means the file ended early.
    if (!readAt) filled = await this.#fromStream(buffer, filled, length);
    this.#position += filled;
    if (filled < length) {
      throw new GraphError(
        "upload_source_changed",
        `the file to upload ended after ${offset + filled} bytes instead of ${this.#source.size}`,
      );
    }
    return buffer.subarray(0, length);
  }

  /** Fills `buffer` from `filled` up to `length` with the open stream's chunks; resolves how far it got. */
  async #fromStream(buffer: Uint8Array, filled: number, length: number): Promise<number> {
    while (filled < length) {
      let chunk = this.#leftover;
      this.#leftover = undefined;
      if (!chunk) {
        const result = await this.#reader!.read();
        if (result.done) break;
        chunk = result.value;
      }
      const take = Math.min(chunk.length, length - filled);
      buffer.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.#leftover = chunk.subarray(take);
    }
    return filled;
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    this.#leftover = undefined;
    if (reader) await reader.cancel().catch(() => {});
    this.#source.close?.();
  }
}

export class FragmentReader {
  readonly #reader: SourceReader;
  readonly #size: number;
  readonly fragmentSize: number;
  readonly #buffers: Uint8Array[];
  /** The fragment after the one being sent, read ahead into the other buffer. */
  #prefetch: { position: number; length: number; buffer: number; bytes: Promise<Uint8Array> } | undefined;

  constructor(reader: SourceReader, size: number, fragmentSize: number) {
    this.#reader = reader;
    this.#size = size;
    this.fragmentSize = fragmentSize;
    const length = Math.min(fragmentSize, size);
    this.#buffers = size > fragmentSize
      ? [new Uint8Array(length), new Uint8Array(length)]
      : [new Uint8Array(length)];
  }

  /** The fragment at `position`: from the read-ahead when it holds those bytes, else read now. */
  async read(position: number, length: number): Promise<Uint8Array> {
    const ahead = this.#prefetch;
    this.#prefetch = undefined;
    let buffer = 0;
    if (ahead) {
      if (ahead.position === position && ahead.length === length) return await ahead.bytes;
      // The session asked for other bytes (a retry, a 416): drop the read-ahead and read again.
      await ahead.bytes.catch(() => {});
      buffer = ahead.buffer;
    }
    return await this.#reader.read(position, length, this.#buffers[buffer]);
  }

  /** Starts reading the fragment after `current` (at `position`, `length` bytes) into the other buffer. */
  readAhead(position: number, length: number, current: Uint8Array): void {
    const next = position + length;
    if (this.#buffers.length < 2 || next >= this.#size) return;
    const buffer = this.#buffers[0].buffer === current.buffer ? 1 : 0;
    const nextLength = Math.min(this.fragmentSize, this.#size - next);
    const bytes = this.#reader.read(next, nextLength, this.#buffers[buffer]);
    // Failures surface when the fragment is used (read again then); never as an unhandled rejection.
    bytes.catch(() => {});
    this.#prefetch = { position: next, length: nextLength, buffer, bytes };
  }

  /** Waits for a read still filling a buffer: it must finish before anyone reuses the buffers or closes. */
  async settle(): Promise<void> {
    await this.#prefetch?.bytes.catch(() => {});
    this.#prefetch = undefined;
  }
}

/**
 * Opens a backup file's bytes for readBackup (backup-reader.ts): hashes them as stored, detects and
 * undoes gzip, decodes UTF-8, and turns the errors of those layers into BackupFileErrors.
 */
import { BackupHasher, type FileHashes } from "../export/hashing.ts";
import { BackupFileError } from "./backup-file-error.ts";

export interface OpenedBackup {
  /** The decompressed document as text. */
  text: ReadableStream<string>;
  compressed: boolean;
  /** Hashes and size of the file's raw bytes; settles once the text was read to its end. */
  hashes: Promise<FileHashes & { size: number }>;
}

/**
 * Prepares a file's bytes for readBackup: hashes the raw bytes, detects gzip by its magic number and
 * decompresses it. Corrupt gzip data surfaces as a BackupFileError while reading.
 */
export async function openBackup(raw: ReadableStream<Uint8Array>): Promise<OpenedBackup> {
  const reader = raw.getReader();
  const firstRead = await reader.read();
  const first = firstRead.value ?? new Uint8Array();
  const compressed = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  const hasher = new BackupHasher();
  let settle!: (h: FileHashes & { size: number }) => void;
  let fail!: (e: unknown) => void;
  const hashes = new Promise<FileHashes & { size: number }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  hashes.catch(() => {});
  let pendingFirst: Uint8Array | null = firstRead.done ? null : first;
  const bytes = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (pendingFirst) {
          const chunk = pendingFirst;
          pendingFirst = null;
          hasher.update(chunk);
          controller.enqueue(chunk);
          return;
        }
        const { value, done } = await reader.read();
        if (done) {
          settle({ ...hasher.digest(), size: hasher.size });
          controller.close();
          return;
        }
        hasher.update(value);
        controller.enqueue(value);
      } catch (error) {
        fail(error);
        controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const plain = compressed
    ? bytes.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
    : bytes;
  const decoder = new TextDecoderStream("utf-8", { fatal: true });
  // Errors of the gzip or UTF-8 layers arrive as TypeErrors; give them a meaning.
  const explained = plain.pipeThrough(decoder as unknown as TransformStream<Uint8Array, string>).getReader();
  const wrapped = new ReadableStream<string>({
    async pull(controller) {
      try {
        const { value, done } = await explained.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        controller.error(
          compressed && !/utf-?8|decode/i.test(message)
            ? new BackupFileError("corrupt_gzip", `the gzip data is corrupt or truncated (${message})`)
            : new BackupFileError("not_json", `the file is not UTF-8 text (${message})`),
        );
      }
    },
    cancel(reason) {
      return explained.cancel(reason);
    },
  });
  return { text: wrapped, compressed, hashes };
}

/** Opens a file from disk for reading (Deno). */
export async function openBackupFile(path: string): Promise<OpenedBackup> {
  const file = await Deno.open(path, { read: true });
  return await openBackup(file.readable);
}

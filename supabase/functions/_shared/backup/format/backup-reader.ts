/**
 * Streaming reader of backup files (format v1), for `verify` and `restore`: it never holds the whole
 * file, and hands out each row as its raw JSON text (Postgres parses it again on restore, so types
 * round-trip exactly as they were exported).
 *
 * The scanner understands just enough JSON structure to find the document's keys, the tables and the
 * elements of each `rows` array; every other value is small and parsed with JSON.parse. It refuses,
 * with a message saying what is wrong: non-JSON input, another format or version, a truncated file
 * (no `"complete": true` at the end), row counts that differ from `row_count`, and corrupt gzip data.
 */
import { BackupHasher, type FileHashes } from "../export/hashing.ts";
import {
  type BackupHeader,
  FORMAT_NAME,
  FORMAT_VERSION,
  type SequenceMeta,
  type TableMeta,
} from "./file-format.ts";

export type BackupFileErrorCode =
  | "not_json"
  | "wrong_format"
  | "unsupported_version"
  | "truncated"
  | "incomplete"
  | "count_mismatch"
  | "invalid_table"
  | "corrupt_gzip"
  | "too_large"
  | "hash_mismatch";

export class BackupFileError extends Error {
  constructor(readonly code: BackupFileErrorCode, message: string) {
    super(message);
    this.name = "BackupFileError";
  }
}

export type ReaderEvent =
  | { type: "header"; header: BackupHeader }
  | { type: "table"; table: TableMeta; index: number }
  | { type: "rows"; table: TableMeta; rows: string[] }
  | { type: "table_end"; table: TableMeta; rowCount: number }
  | { type: "end"; sequences: SequenceMeta[]; tableCount: number; rowCount: number };

export interface ReadOptions {
  /** JSON.parse every row (verify does; restore lets Postgres do it). */
  validateRows?: boolean;
  batchRows?: number;
  batchChars?: number;
  /**
   * Largest single value (a row, or a metadata value) accepted, in characters. Postgres' own limits
   * (1 GB per field, about 256 MB per jsonb value) and the JavaScript string limit (about 512 M
   * characters) put anything larger out of reach of a restore, so the reader refuses it clearly instead
   * of running out of memory. Default: 256 MiB.
   */
  maxValueChars?: number;
}

export const DEFAULT_MAX_VALUE_CHARS = 256 * 1024 * 1024;

function describeChars(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${n} characters`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Scanner {
  buf = "";
  pos = 0;
  /** Start of the value being captured, kept across refills; -1 when none. */
  anchor = -1;
  /** Characters dropped from the front of `buf` so far (for positions in messages). */
  dropped = 0;
  done = false;
  /** What is being read, for messages about a value that is too large (e.g. `row 3 of "public.t"`). */
  context = "a value";

  constructor(
    private readonly reader: ReadableStreamDefaultReader<string>,
    private readonly maxValueChars: number,
  ) {}

  get position(): number {
    return this.dropped + this.pos;
  }

  async refill(): Promise<boolean> {
    if (this.done) return false;
    const keep = this.anchor >= 0 ? this.anchor : this.pos;
    // While a value is being captured the buffer has to grow. Reading ahead at least as much as the
    // value already holds makes one concatenation per doubling instead of one per chunk: a 100 MB
    // value costs a few copies of itself, not thousands.
    const captured = this.anchor >= 0 ? this.buf.length - keep : 0;
    if (captured > this.maxValueChars) {
      throw new BackupFileError(
        "too_large",
        `${this.context} at character ${this.dropped + keep} is larger than ${
          describeChars(this.maxValueChars)
        }, more than a restore can handle: this file cannot be verified or restored by this tool`,
      );
    }
    // Never read ahead past the limit, so the buffer stays far below the string length limit.
    const ahead = Math.min(captured, this.maxValueChars - captured + 1);
    const chunks: string[] = [];
    let got = 0;
    do {
      const { value, done } = await this.reader.read();
      if (done) {
        this.done = true;
        break;
      }
      chunks.push(value);
      got += value.length;
    } while (got < ahead);
    if (chunks.length === 0) return false;
    const value = chunks.length === 1 ? chunks[0] : chunks.join("");
    this.buf = this.buf.slice(keep) + value;
    this.dropped += keep;
    this.pos -= keep;
    if (this.anchor >= 0) this.anchor -= keep;
    return true;
  }

  truncated(): BackupFileError {
    return new BackupFileError(
      "truncated",
      `the file ends abruptly after ${this.position} characters (truncated: an interrupted download or copy?)`,
    );
  }

  invalid(what: string): BackupFileError {
    return new BackupFileError(
      "not_json",
      `the file is not valid JSON at character ${this.position}: ${what}`,
    );
  }

  /** The next non-whitespace character (not consumed), or null at the end of the input. */
  async peek(): Promise<string | null> {
    for (;;) {
      while (this.pos < this.buf.length && isWhitespace(this.buf.charCodeAt(this.pos))) this.pos++;
      if (this.pos < this.buf.length) return this.buf[this.pos];
      if (!await this.refill()) return null;
    }
  }

  async expect(ch: string): Promise<void> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c !== ch) throw this.invalid(`expected "${ch}" but found "${c}"`);
    this.pos++;
  }

  /** Reads `,` or the closing character; true when more items follow. */
  async next(close: string): Promise<boolean> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c === ",") {
      this.pos++;
      return true;
    }
    if (c === close) {
      this.pos++;
      return false;
    }
    throw this.invalid(`expected "," or "${close}" but found "${c}"`);
  }

  async readKey(): Promise<string> {
    const c = await this.peek();
    if (c === null) throw this.truncated();
    if (c !== '"') throw this.invalid(`expected a key but found "${c}"`);
    const raw = await this.capture();
    await this.expect(":");
    return JSON.parse(raw);
  }

  /** Moves `pos` past the string starting at `pos` (which is a quote). */
  async skipString(): Promise<void> {
    let from = this.pos + 1;
    for (;;) {
      const end = this.buf.indexOf('"', from);
      if (end < 0) {
        from = this.buf.length;
        const before = this.pos;
        if (!await this.refill()) throw this.truncated();
        from -= before - this.pos;
        continue;
      }
      let backslashes = 0;
      for (let i = end - 1; i > this.pos && this.buf.charCodeAt(i) === BACKSLASH; i--) backslashes++;
      if (backslashes % 2 === 0) {
        this.pos = end + 1;
        return;
      }
      from = end + 1;
    }
  }

  /** The raw text of the JSON value starting at the next non-whitespace character. */
  async capture(): Promise<string> {
    const first = await this.peek();
    if (first === null) throw this.truncated();
    this.anchor = this.pos;
    let depth = 0;
    try {
      for (;;) {
        if (this.pos >= this.buf.length) {
          if (!await this.refill()) {
            if (depth === 0 && this.pos > this.anchor) break; // a scalar at the very end
            throw this.truncated();
          }
          continue;
        }
        const c = this.buf.charCodeAt(this.pos);
        if (c === QUOTE) {
          await this.skipString();
          if (depth === 0) break;
          continue;
        }
        if (c === 0x7b || c === 0x5b) { // { [
          depth++;
        } else if (c === 0x7d || c === 0x5d) { // } ]
          if (depth === 0) break; // end of the enclosing container: the scalar ended
          depth--;
          if (depth === 0) {
            this.pos++;
            break;
          }
        } else if (depth === 0 && (c === 0x2c || isWhitespace(c))) {
          break;
        }
        this.pos++;
      }
      const raw = this.buf.slice(this.anchor, this.pos);
      if (raw.length === 0) throw this.invalid("expected a value");
      return raw;
    } finally {
      this.anchor = -1;
    }
  }

  async value(): Promise<unknown> {
    const start = this.position;
    const raw = await this.capture();
    try {
      return JSON.parse(raw);
    } catch {
      throw new BackupFileError(
        "not_json",
        `the file is not valid JSON at character ${start}: a value cannot be read`,
      );
    }
  }
}

function tableLabel(t: { schema?: unknown; name?: unknown }): string {
  return `"${String(t.schema)}.${String(t.name)}"`;
}

function checkHeader(header: Partial<BackupHeader>): BackupHeader {
  if (header.format !== FORMAT_NAME) {
    throw new BackupFileError(
      "wrong_format",
      header.format === undefined
        ? `this is not a backup file of this tool (no "format": "${FORMAT_NAME}" at its start)`
        : `this is not a backup file of this tool (its format is ${
          JSON.stringify(header.format)
        }, expected "${FORMAT_NAME}")`,
    );
  }
  if (header.version !== FORMAT_VERSION) {
    throw new BackupFileError(
      "unsupported_version",
      `the file uses format version ${
        JSON.stringify(header.version)
      }, but this tool reads version ${FORMAT_VERSION}; use a matching version of the tool`,
    );
  }
  return header as BackupHeader;
}

function checkTable(meta: Record<string, unknown>, index: number): TableMeta {
  const ok = typeof meta.schema === "string" && typeof meta.name === "string" &&
    Array.isArray(meta.columns) &&
    meta.columns.every((c: { name?: unknown; type?: unknown }) =>
      typeof c?.name === "string" && typeof c?.type === "string"
    );
  if (!ok) {
    throw new BackupFileError(
      "invalid_table",
      `table number ${index + 1} lacks its "schema", "name" or "columns" before its rows`,
    );
  }
  const t = meta as unknown as TableMeta;
  return {
    ...t,
    kind: t.kind ?? "table",
    primary_key: t.primary_key ?? [],
    references: t.references ?? [],
    columns: t.columns.map((c) => ({
      ...c,
      nullable: c.nullable ?? true,
      generated: c.generated ?? false,
      identity: c.identity ?? null,
    })),
  };
}

/** Reads a decompressed backup document and yields its parts in order. */
export async function* readBackup(
  text: ReadableStream<string>,
  options: ReadOptions = {},
): AsyncGenerator<ReaderEvent> {
  const batchRows = options.batchRows ?? 2000;
  const batchChars = options.batchChars ?? 4 * 1024 * 1024;
  const reader = text.getReader();
  const s = new Scanner(reader, options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS);
  try {
    const first = await s.peek();
    if (first === null) throw new BackupFileError("truncated", "the file is empty");
    if (first !== "{") {
      throw new BackupFileError("not_json", "this is not a backup file of this tool (not a JSON document)");
    }
    s.pos++;
    const header: Partial<BackupHeader> & Record<string, unknown> = {};
    let sequences: SequenceMeta[] = [];
    let complete: unknown = undefined;
    let tableCount = 0;
    let rowCount = 0;
    let more = (await s.peek()) !== "}";
    if (!more) s.pos++;
    while (more) {
      const key = await s.readKey();
      if (complete !== undefined) {
        throw new BackupFileError("not_json", `unexpected key "${key}" after "complete"`);
      }
      if (key === "tables") {
        yield { type: "header", header: checkHeader(header) };
        await s.expect("[");
        let moreTables = (await s.peek()) !== "]";
        if (!moreTables) s.pos++;
        while (moreTables) {
          await s.expect("{");
          const meta: Record<string, unknown> = {};
          let table: TableMeta | null = null;
          let count = 0;
          let declared: unknown = undefined;
          let moreKeys = (await s.peek()) !== "}";
          if (!moreKeys) s.pos++;
          while (moreKeys) {
            const k = await s.readKey();
            if (k === "rows") {
              table = checkTable(meta, tableCount);
              yield { type: "table", table, index: tableCount };
              await s.expect("[");
              let batch: string[] = [];
              let chars = 0;
              let moreRows = (await s.peek()) !== "]";
              if (!moreRows) s.pos++;
              while (moreRows) {
                const at = s.position;
                s.context = `row ${count + 1} of ${tableLabel(table)}`;
                const raw = await s.capture();
                s.context = "a value";
                if (raw[0] !== "{") throw s.invalid(`a row of ${tableLabel(table)} is not a JSON object`);
                if (options.validateRows) {
                  try {
                    JSON.parse(raw);
                  } catch {
                    throw new BackupFileError(
                      "not_json",
                      `the file is not valid JSON at character ${at}: row ${count + 1} of ${
                        tableLabel(table)
                      } is corrupt`,
                    );
                  }
                }
                batch.push(raw);
                chars += raw.length;
                count++;
                if (batch.length >= batchRows || chars >= batchChars) {
                  yield { type: "rows", table, rows: batch };
                  batch = [];
                  chars = 0;
                }
                moreRows = await s.next("]");
              }
              if (batch.length) yield { type: "rows", table, rows: batch };
            } else if (k === "row_count") {
              declared = await s.value();
            } else {
              meta[k] = await s.value();
            }
            moreKeys = await s.next("}");
          }
          if (!table) {
            throw new BackupFileError("invalid_table", `table ${tableLabel(meta)} has no "rows" array`);
          }
          if (declared !== count) {
            throw new BackupFileError(
              "count_mismatch",
              `table ${tableLabel(table)} holds ${count} rows but its "row_count" says ${
                JSON.stringify(declared)
              }`,
            );
          }
          yield { type: "table_end", table, rowCount: count };
          tableCount++;
          rowCount += count;
          moreTables = await s.next("]");
        }
      } else if (key === "sequences") {
        const v = await s.value();
        if (!Array.isArray(v)) throw new BackupFileError("not_json", `"sequences" is not a list`);
        sequences = v as SequenceMeta[];
      } else if (key === "complete") {
        complete = await s.value();
      } else {
        header[key] = await s.value();
        if (key === "format" || key === "version") {
          // Refuse another format as early as possible, before reading anything big.
          if (key === "format" && header.format !== FORMAT_NAME) checkHeader(header);
          if (key === "version" && header.format === FORMAT_NAME) checkHeader(header);
        }
      }
      more = await s.next("}");
    }
    if (complete !== true) {
      if (header.format === undefined) checkHeader(header);
      throw new BackupFileError(
        "incomplete",
        `the file is incomplete: it does not end with "complete": true (the backup that wrote it was interrupted)`,
      );
    }
    if ((await s.peek()) !== null) throw s.invalid("unexpected content after the end of the document");
    yield { type: "end", sequences, tableCount, rowCount };
  } finally {
    await reader.cancel().catch(() => {});
  }
}

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

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
import { BackupFileError } from "./backup-file-error.ts";
import { Scanner } from "./json-scanner.ts";
import {
  type BackupHeader,
  FORMAT_NAME,
  FORMAT_VERSION,
  type SequenceMeta,
  type TableMeta,
} from "./file-format.ts";

export { BackupFileError, type BackupFileErrorCode } from "./backup-file-error.ts";
export { openBackup, openBackupFile, type OpenedBackup } from "./open-backup.ts";

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

/** The options readBackup's steps need, with their defaults applied. */
interface ReadSettings {
  validateRows: boolean;
  batchRows: number;
  batchChars: number;
}

/** What the document has told so far, filled in as its keys are read. */
interface DocumentState {
  header: Partial<BackupHeader> & Record<string, unknown>;
  sequences: SequenceMeta[];
  complete: unknown;
  tableCount: number;
  rowCount: number;
}

/** Reads a decompressed backup document and yields its parts in order. */
export async function* readBackup(
  text: ReadableStream<string>,
  options: ReadOptions = {},
): AsyncGenerator<ReaderEvent> {
  const settings: ReadSettings = {
    validateRows: options.validateRows ?? false,
    batchRows: options.batchRows ?? 2000,
    batchChars: options.batchChars ?? 4 * 1024 * 1024,
  };
  const reader = text.getReader();
  const s = new Scanner(reader, options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS);
  try {
    yield* readDocument(s, settings);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The top-level object: header keys, then `tables`, `sequences` and `complete`. */
async function* readDocument(s: Scanner, settings: ReadSettings): AsyncGenerator<ReaderEvent> {
  const first = await s.peek();
  if (first === null) throw new BackupFileError("truncated", "the file is empty");
  if (first !== "{") {
    throw new BackupFileError("not_json", "this is not a backup file of this tool (not a JSON document)");
  }
  const doc: DocumentState = { header: {}, sequences: [], complete: undefined, tableCount: 0, rowCount: 0 };
  let more = await s.enter("{", "}");
  while (more) {
    const key = await s.readKey();
    if (doc.complete !== undefined) {
      throw new BackupFileError("not_json", `unexpected key "${key}" after "complete"`);
    }
    if (key === "tables") {
      yield { type: "header", header: checkHeader(doc.header) };
      yield* readTables(s, doc, settings);
    } else {
      await readDocumentValue(s, doc, key);
    }
    more = await s.next("}");
  }
  if (doc.complete !== true) {
    if (doc.header.format === undefined) checkHeader(doc.header);
    throw new BackupFileError(
      "incomplete",
      `the file is incomplete: it does not end with "complete": true (the backup that wrote it was interrupted)`,
    );
  }
  if ((await s.peek()) !== null) throw s.invalid("unexpected content after the end of the document");
  yield { type: "end", sequences: doc.sequences, tableCount: doc.tableCount, rowCount: doc.rowCount };
}

/** Any top-level key but `tables`: small values, parsed whole. */
async function readDocumentValue(s: Scanner, doc: DocumentState, key: string): Promise<void> {
  if (key === "sequences") {
    const v = await s.value();
    if (!Array.isArray(v)) throw new BackupFileError("not_json", `"sequences" is not a list`);
    doc.sequences = v as SequenceMeta[];
  } else if (key === "complete") {
    doc.complete = await s.value();
  } else {
    doc.header[key] = await s.value();
    if (key === "format" || key === "version") {
      // Refuse another format as early as possible, before reading anything big.
      if (key === "format" && doc.header.format !== FORMAT_NAME) checkHeader(doc.header);
      if (key === "version" && doc.header.format === FORMAT_NAME) checkHeader(doc.header);
    }
  }
}

/** The `tables` array; adds each table's rows to the document's totals. */
async function* readTables(
  s: Scanner,
  doc: DocumentState,
  settings: ReadSettings,
): AsyncGenerator<ReaderEvent> {
  let more = await s.enter("[", "]");
  while (more) {
    const count = yield* readTable(s, doc.tableCount, settings);
    doc.tableCount++;
    doc.rowCount += count;
    more = await s.next("]");
  }
}

/** One table object: its metadata, then its rows; returns how many rows it held. */
async function* readTable(
  s: Scanner,
  index: number,
  settings: ReadSettings,
): AsyncGenerator<ReaderEvent, number> {
  const meta: Record<string, unknown> = {};
  let table: TableMeta | null = null;
  let count = 0;
  let declared: unknown = undefined;
  let more = await s.enter("{", "}");
  while (more) {
    const k = await s.readKey();
    if (k === "rows") {
      table = checkTable(meta, index);
      yield { type: "table", table, index };
      count = yield* readRows(s, table, count, settings);
    } else if (k === "row_count") {
      declared = await s.value();
    } else {
      meta[k] = await s.value();
    }
    more = await s.next("}");
  }
  if (!table) {
    throw new BackupFileError("invalid_table", `table ${tableLabel(meta)} has no "rows" array`);
  }
  if (declared !== count) {
    throw new BackupFileError(
      "count_mismatch",
      `table ${tableLabel(table)} holds ${count} rows but its "row_count" says ${JSON.stringify(declared)}`,
    );
  }
  yield { type: "table_end", table, rowCount: count };
  return count;
}

/**
 * A table's `rows` array, handed out in batches of raw row texts; `count` rows of the table were read
 * before it. Returns the count after it.
 */
async function* readRows(
  s: Scanner,
  table: TableMeta,
  count: number,
  settings: ReadSettings,
): AsyncGenerator<ReaderEvent, number> {
  let batch: string[] = [];
  let chars = 0;
  let more = await s.enter("[", "]");
  while (more) {
    const raw = await readRow(s, table, count + 1, settings.validateRows);
    batch.push(raw);
    chars += raw.length;
    count++;
    if (batch.length >= settings.batchRows || chars >= settings.batchChars) {
      yield { type: "rows", table, rows: batch };
      batch = [];
      chars = 0;
    }
    more = await s.next("]");
  }
  if (batch.length) yield { type: "rows", table, rows: batch };
  return count;
}

/** Row number `n` of the table, as raw text: a JSON object, checked by JSON.parse when asked. */
async function readRow(s: Scanner, table: TableMeta, n: number, validate: boolean): Promise<string> {
  const at = s.position;
  s.context = `row ${n} of ${tableLabel(table)}`;
  const raw = await s.capture();
  s.context = "a value";
  if (raw[0] !== "{") throw s.invalid(`a row of ${tableLabel(table)} is not a JSON object`);
  if (validate) {
    try {
      JSON.parse(raw);
    } catch {
      throw new BackupFileError(
        "not_json",
        `the file is not valid JSON at character ${at}: row ${n} of ${tableLabel(table)} is corrupt`,
      );
    }
  }
  return raw;
}

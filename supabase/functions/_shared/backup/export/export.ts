/**
 * Exports the database as a format v1 document (docs/design.md §6), streamed.
 *
 * Everything is read in one `repeatable read, read only` transaction, so all tables come from one
 * snapshot. Postgres renders each row as JSON (`row_to_json`) and COPY streams it out; this module only
 * frames the bytes (see copy-rows.ts), so no row is ever parsed here and memory stays bounded by a few
 * chunks whatever the table sizes.
 *
 * The snapshot has its own single connection, and the transaction is driven by hand rather than by
 * postgres.js' `begin()`: when a backend dies mid-transaction, `begin()` sends its ROLLBACK on the dead
 * socket and crashes the process (porsager/postgres#1208, open in 3.4.9). Here nothing more is sent
 * once the connection is gone, and a lost connection fails the export even if the driver reconnected
 * in between (a query on a new connection would silently leave the snapshot).
 *
 * Why row_to_json and not to_jsonb: measured here on 500,000 rows (PostgreSQL 15, 2 shared cores),
 * COPY of row_to_json took 2.4 to 2.9 s for 112 MB, to_jsonb 3.2 to 7.4 s for 119 MB (jsonb adds a
 * space after every colon and comma). row_to_json also keeps the columns in table order and embeds
 * `json` columns verbatim, where to_jsonb rewrites them (duplicate keys, whitespace), so a restore gives
 * back exactly the stored text.
 */
import postgres from "postgres";
import type { Queryable, Sql } from "../lib/db.ts";
import type { ExcludedTable } from "../lib/config.ts";
import { type Catalog, type CatalogTable, readCatalog } from "./catalog.ts";
import { ChunkBuffer, CopyRowFramer } from "./copy-rows.ts";
import { FORMAT_NAME, FORMAT_VERSION, type TableMeta } from "../format/file-format.ts";

export interface TableCount {
  schema: string;
  name: string;
  rows: number;
}

export interface ExportSummary {
  createdAt: string;
  tables: TableCount[];
  rowCount: number;
  tableCount: number;
  notExported: Catalog["notExported"];
}

export interface ExportOptions {
  /** Connection string of the database to export (a dedicated connection is opened for the snapshot). */
  dbUrl: string;
  schemas: string[];
  exclude: ExcludedTable[];
  /** Called after each table with the running totals (for progress lines and heartbeats). */
  onTable?: (table: TableCount, done: number, total: number) => void;
  /** Size of the chunks handed to the consumer. */
  chunkSize?: number;
  /** Longest wait for a table another session holds locked (default 60 s); then the export fails. */
  lockTimeoutMs?: number;
}

/** A migration or maintenance rarely holds a table longer; past this the run fails with a clear reason. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface ExportHandle {
  stream: ReadableStream<Uint8Array>;
  /** Resolves once the whole document was written and the transaction ended; rejects on any error. */
  summary: Promise<ExportSummary>;
}

/** Session settings that make every value's JSON text unambiguous and restorable. */
const SNAPSHOT_SETTINGS = [
  // Non-catalog types come out schema-qualified from format_type(), e.g. "public.mood".
  "set local search_path = ''",
  "set local timezone = 'UTC'",
  // ISO 8601 intervals parse the same whatever IntervalStyle the restoring session uses.
  "set local intervalstyle = 'iso_8601'",
  "set local bytea_output = 'hex'",
  "set local extra_float_digits = 3",
  // A backup reads whole tables, for as long as that takes: timeouts meant for the app's queries (a
  // role's statement_timeout, Supabase's global 2-minute limit) must not cut it short, as pg_dump also
  // makes sure. The run's heartbeat and the platform's wall clock bound it instead, and a lock held by
  // someone else is bounded by lock_timeout (set per export below).
  "set local statement_timeout = 0",
  "set local idle_in_transaction_session_timeout = 0",
];

/**
 * Builds the COPY statement for one table. The text is assembled by Postgres' format() so every
 * identifier goes through %I and every literal through %L.
 */
async function copyStatement(tx: Queryable, table: CatalogTable): Promise<string> {
  const jsonColumns = table.columns
    .filter((c) => table.jsonColumns.includes(c.name))
    .map((c) => ({ name: c.name, fn: c.type === "jsonb" ? "jsonb_typeof" : "json_typeof" }));
  const [{ statement }] = await tx<Array<{ statement: string }>>`
    with cols as (
      select c->>'name' as name, c->>'fn' as fn, ord
      from json_array_elements(${JSON.stringify(jsonColumns)}::text::json) with ordinality as e(c, ord)
    ),
    rel as (
      select case when ${table.kind} = 'table' then 'only ' else '' end || format('%I.%I', ${table.schema}::text, ${table.name}::text) as source
    )
    select format(
      'copy (%s) to stdout with (format csv, quote e''\\x01'', delimiter e''\\x02'')',
      case when not exists (select 1 from cols)
        then format('select row_to_json(t) from %s t', (select source from rel))
        else format(
          'select case when x.m is null then x.r else left(x.r, -1) || %L || array_to_json(x.m)::text || ''}'' end '
          'from (select row_to_json(t)::text as r, '
          'nullif(array_remove(array[%s]::text[], null), ''{}'') as m from %s t) x',
          ',' || to_json(${table.json_null_key ?? ""}::text)::text || ':',
          (select string_agg(format('case when %s(t.%I) = ''null'' then %L end', fn, name, name), ', ' order by ord) from cols),
          (select source from rel))
      end) as statement`;
  return statement;
}

function tableHeader(table: CatalogTable): string {
  const meta: TableMeta = {
    schema: table.schema,
    name: table.name,
    kind: table.kind,
    columns: table.columns,
    primary_key: table.primary_key,
    references: table.references,
  };
  if (table.json_null_key) meta.json_null_key = table.json_null_key;
  const json = JSON.stringify(meta);
  // Reopen the object to append the rows: {"schema":…,"references":[…],"rows":[
  return `${json.slice(0, -1)},"rows":[`;
}

/**
 * postgres.js pauses the socket when a COPY chunk finds the stream's buffer full and resumes it in the
 * stream's read(); if that happens on the last chunk, the end of the COPY arrives while paused and
 * nothing resumes the socket, so the next query on the connection waits forever. The stream's own read
 * hook resumes it (a no-op when the socket is already flowing).
 */
function resumeAfterCopy(stream: unknown): void {
  const read = (stream as { _read?: (size: number) => void })._read;
  if (typeof read === "function") read.call(stream, 0);
}

/**
 * Feeds COPY's chunks (one per row) to the framer synchronously and only waits when a full chunk has to
 * go downstream: awaiting per row would cost a promise round trip for each of millions of rows.
 */
function pumpCopy(
  rows: NodeJS.ReadableStream & { destroy(error?: Error): void },
  framer: CopyRowFramer,
  buffer: ChunkBuffer,
  drain: () => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    rows.on("data", (chunk: Uint8Array) => {
      if (failed) return;
      framer.push(chunk);
      if (buffer.full) {
        rows.pause();
        drain().then(() => rows.resume(), (error) => {
          fail(error);
          rows.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      }
    });
    rows.on("end", () => {
      if (!failed) resolve();
    });
    rows.on("error", fail);
    rows.on("close", () => {
      if (!failed && !(rows as { readableEnded?: boolean }).readableEnded) {
        fail(
          Object.assign(new Error("the COPY stream closed before its end"), { code: "CONNECTION_CLOSED" }),
        );
      }
    });
  });
}

/** One connection, one transaction; `lost` turns true as soon as the connection closes. */
function openSnapshotSession(dbUrl: string): { sql: Sql; lost: () => boolean } {
  let lost = false;
  const sql = postgres(dbUrl, {
    prepare: false,
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 10,
    onnotice: () => {},
    onclose: () => {
      lost = true;
    },
    connection: { application_name: "auto-backup-export" },
  });
  return { sql, lost: () => lost };
}

/** What the steps of one export share: the snapshot's connection and the output. */
interface ExportContext {
  tx: Sql;
  buffer: ChunkBuffer;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Hands the buffered bytes downstream once a chunk is full, or whatever is buffered when forced. */
  flush(force?: boolean): Promise<void>;
  /** Throws once the snapshot's connection is gone, even if the driver reconnected since. */
  ensureSameConnection(): void;
}

export function exportBackup(options: ExportOptions): ExportHandle {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(
    undefined,
    { highWaterMark: 2 },
    { highWaterMark: 2 },
  );
  const writer = writable.getWriter();
  const session = openSnapshotSession(options.dbUrl);
  const ctx = exportContext(session, writer, new ChunkBuffer(options.chunkSize ?? 64 * 1024));
  const tx = session.sql;
  const summary = writeDocument(ctx, options).then(
    async (result) => {
      await tx.end({ timeout: 5 });
      return result;
    },
    async (error) => {
      await writer.abort(error).catch(() => {});
      // Closing the connection rolls the transaction back; nothing else is sent on it.
      await tx.end({ timeout: 0 }).catch(() => {});
      throw error;
    },
  );
  // The consumer may only look at the stream; the error reaches it there too.
  summary.catch(() => {});
  return { stream: readable, summary };
}

function exportContext(
  session: { sql: Sql; lost: () => boolean },
  writer: WritableStreamDefaultWriter<Uint8Array>,
  buffer: ChunkBuffer,
): ExportContext {
  return {
    tx: session.sql,
    buffer,
    writer,
    async flush(force = false) {
      if (!force && !buffer.full) return;
      const chunk = buffer.take();
      if (chunk) await writer.write(chunk);
    },
    ensureSameConnection() {
      if (session.lost()) {
        throw Object.assign(
          new Error("the database connection was lost during the export, so the snapshot is gone"),
          { code: "CONNECTION_CLOSED" },
        );
      }
    },
  };
}

/** Starts the snapshot transaction with its settings; returns its time, as the file's `created_at`. */
async function beginSnapshot(tx: Sql, lockTimeoutMs: number): Promise<string> {
  await tx.unsafe("begin isolation level repeatable read read only");
  for (const setting of SNAPSHOT_SETTINGS) await tx.unsafe(setting);
  const lockTimeout = `${lockTimeoutMs}ms`;
  await tx`select set_config('lock_timeout', ${lockTimeout}, true)`;
  const [{ now }] = await tx<Array<{ now: string }>>`
    select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`;
  return now;
}

/** The document's opening: its header, reopened to append the tables: {"format":…,"tables":[ */
function documentHeader(createdAt: string, schemas: string[], catalog: Catalog): string {
  const header = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    created_at: createdAt,
    source: {
      postgres_version: catalog.postgresVersion,
      schemas,
      not_exported: catalog.notExported,
      excluded_tables: catalog.excluded,
    },
  };
  const headerJson = JSON.stringify(header);
  return `${headerJson.slice(0, -1)},"tables":[`;
}

/** Writes the whole document from the snapshot, then commits and closes the stream. */
async function writeDocument(ctx: ExportContext, options: ExportOptions): Promise<ExportSummary> {
  const { tx, buffer } = ctx;
  const now = await beginSnapshot(tx, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const catalog = await readCatalog(tx, { schemas: options.schemas, exclude: options.exclude });
  ctx.ensureSameConnection();
  buffer.pushText(documentHeader(now, options.schemas, catalog));

  const counts: TableCount[] = [];
  for (const [index, table] of catalog.tables.entries()) {
    buffer.pushText(`${index === 0 ? "\n" : ",\n"}${tableHeader(table)}`);
    const rows = await exportRows(ctx, table);
    buffer.pushText(`${rows ? "\n" : ""}],"row_count":${rows}}`);
    const count = { schema: table.schema, name: table.name, rows };
    counts.push(count);
    options.onTable?.(count, index + 1, catalog.tables.length);
    await ctx.flush();
  }

  await tx.unsafe("commit");
  ctx.ensureSameConnection();
  buffer.pushText(
    `${catalog.tables.length ? "\n" : ""}],"sequences":${
      JSON.stringify(catalog.sequences)
    },"complete":true}\n`,
  );
  await ctx.flush(true);
  await ctx.writer.close();
  return {
    createdAt: now,
    tables: counts,
    rowCount: counts.reduce((s, t) => s + t.rows, 0),
    tableCount: counts.length,
    notExported: catalog.notExported,
  };
}

/** Streams one table's rows through COPY into the buffer; returns how many rows it wrote. */
async function exportRows(ctx: ExportContext, table: CatalogTable): Promise<number> {
  const framer = new CopyRowFramer(ctx.buffer);
  const statement = await copyStatement(ctx.tx, table);
  ctx.ensureSameConnection();
  const rows = await ctx.tx.unsafe(statement).readable();
  await pumpCopy(rows, framer, ctx.buffer, () => ctx.flush(true));
  resumeAfterCopy(rows);
  ctx.ensureSameConnection();
  if (!framer.balanced) {
    throw new Error(
      `Cannot export table "${table.schema}.${table.name}": COPY output ended inside a quoted row`,
    );
  }
  return framer.rows;
}

/**
 * Helpers for the bad-input data tests: real backup files of a scratch database (the product's export,
 * gzip or plain, with exclusions), the product's own readers, and row-for-row comparison of tables.
 */
import type { Compression, ExcludedTable } from "../../supabase/functions/_shared/backup/lib/config.ts";
import { exportBackup } from "../../supabase/functions/_shared/backup/export/export.ts";
import { spoolToTempFile } from "../../supabase/functions/_shared/backup/export/spool.ts";
import { ident } from "./awkward-fixture.ts";
import type { Sql } from "../../supabase/functions/_shared/backup/lib/db.ts";
import { verifyBackup, type VerifyReport } from "../../cli/lib/verify-file.ts";

export { ident };

export interface BackupFile {
  path: string;
  size: number;
  sha256: string;
  quickXorHash: string;
  remove(): Promise<void>;
}

export async function backupFile(
  dbUrl: string,
  schemas: string[],
  options: { exclude?: ExcludedTable[]; compression?: Compression } = {},
): Promise<BackupFile> {
  const handle = exportBackup({ dbUrl, schemas, exclude: options.exclude ?? [] });
  const file = await spoolToTempFile(handle.stream, { compression: options.compression ?? "gzip" });
  await handle.summary;
  return { ...file, remove: () => Deno.remove(file.path).catch(() => {}) };
}

export async function verifyFile(
  path: string,
  options: { maxValueChars?: number } = {},
): Promise<VerifyReport> {
  const file = await Deno.open(path, { read: true });
  return await verifyBackup(file.readable, options);
}

/** The decompressed document of a plain (uncompressed) backup file. */
export async function readPlain(path: string): Promise<string> {
  return await Deno.readTextFile(path);
}

/**
 * Rows of a missing from b plus rows of b missing from a, as multisets (`except all`, both ways);
 * json columns compare as text (json has no equality).
 */
export async function difference(sql: Sql, a: [string, string], b: [string, string]): Promise<number> {
  const cols = await sql<Array<{ name: string; type: string }>>`
    select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
    where attrelid = to_regclass(format('%I.%I', ${a[0]}::text, ${a[1]}::text))
      and attnum > 0 and not attisdropped
    order by attnum`;
  if (cols.length === 0) throw new Error(`No columns for ${a.join(".")}: does it exist?`);
  const list = cols.map((c) => (c.type === "json" ? `${ident(c.name)}::text` : ident(c.name))).join(", ");
  const qa = `${ident(a[0])}.${ident(a[1])}`;
  const qb = `${ident(b[0])}.${ident(b[1])}`;
  const [{ n }] = await sql.unsafe(`
    select (select count(*) from (select ${list} from ${qa} except all select ${list} from ${qb}) x)
         + (select count(*) from (select ${list} from ${qb} except all select ${list} from ${qa}) y) as n`);
  return Number(n);
}

export async function count(sql: Sql, schema: string, table: string): Promise<number> {
  const [{ n }] = await sql.unsafe(`select count(*)::int as n from ${ident(schema)}.${ident(table)}`);
  return n as number;
}

export async function schemaExists(sql: Sql, schema: string): Promise<boolean> {
  const [{ found }] = await sql<Array<{ found: boolean }>>`
    select exists (select 1 from pg_namespace where nspname = ${schema}) as found`;
  return found;
}

/** Tables (relkind r or p) of a schema, by name. */
export async function tablesOf(sql: Sql, schema: string): Promise<string[]> {
  const rows = await sql<Array<{ name: string }>>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schema} and c.relkind in ('r', 'p') order by 1`;
  return rows.map((r) => r.name);
}

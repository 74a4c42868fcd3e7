/**
 * Backup file format v1 (docs/design.md §6): names, content types and the shapes of the metadata that
 * surround the rows. Rows themselves are never modelled here: they are Postgres' own JSON text.
 */
import type { Compression } from "../lib/config.ts";

export const FORMAT_NAME = "supabase-backup";
export const FORMAT_VERSION = 1;

/** Only files matching this pattern were written by this tool, so only those are ever pruned. */
export const BACKUP_NAME_PATTERN = /^backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.json(\.gz)?$/;

/**
 * Rows of tables with json/jsonb columns carry this extra key when a column holds a JSON `null`
 * (as opposed to SQL NULL): Postgres renders both as `null` in a row's JSON, and restore needs to tell
 * them apart. The key's value lists the affected columns. When a table has a real column of this name,
 * the exporter picks another key and records it in the table's `json_null_key`.
 */
export const JSON_NULL_KEY = "$json_null";

export interface ColumnMeta {
  name: string;
  /** format_type() text, schema-qualified for non-catalog types (e.g. "public.mood", "numeric(12,2)"). */
  type: string;
  nullable: boolean;
  /** Stored generated column: restore lets Postgres compute it instead of inserting the value. */
  generated: boolean;
  identity: "always" | "by default" | null;
}

export interface TableMeta {
  schema: string;
  name: string;
  kind: "table" | "partitioned table";
  columns: ColumnMeta[];
  primary_key: string[];
  /** Tables this one references (foreign keys), as "schema.name"; restore inserts them first. */
  references: Array<{ schema: string; name: string }>;
  /** Present when the table has json/jsonb columns (see JSON_NULL_KEY). */
  json_null_key?: string;
}

export interface SkippedRelation {
  schema: string;
  name: string;
  kind: "view" | "materialized view" | "foreign table";
}

export interface SequenceMeta {
  schema: string;
  name: string;
  /** null when the sequence was never used (restore then resets it to its start). */
  last_value: string | null;
}

export interface BackupSource {
  postgres_version: string;
  schemas: string[];
  /** Relations found in the schemas but not exported as tables (their data lives elsewhere). */
  not_exported: SkippedRelation[];
  excluded_tables: Array<{ schema: string; name: string }>;
}

export interface BackupHeader {
  format: string;
  version: number;
  created_at: string;
  source: BackupSource;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `backup-YYYY-MM-DDTHH-MM-SSZ.json(.gz)` in UTC, with `-` where ISO has `:` (OneDrive forbids it). */
export function backupFileName(at: Date, compression: Compression): string {
  const stamp = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T${
    pad(at.getUTCHours())
  }-${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}Z`;
  return `backup-${stamp}.json${compression === "gzip" ? ".gz" : ""}`;
}

export function contentTypeFor(fileName: string): string {
  return fileName.endsWith(".gz") ? "application/gzip" : "application/json";
}

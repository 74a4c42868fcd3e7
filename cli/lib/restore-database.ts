/**
 * Restores a backup file (format v1) into Postgres, in ONE transaction: either everything is restored or
 * nothing is.
 *
 * - Into a new schema (default, safe): the schema is created, each table is created from the file's
 *   column list (plain columns and the primary key: a copy to inspect or to copy from), then filled.
 * - In place (`replace`): the existing tables are emptied and refilled, parents before children, with
 *   `session_replication_role = replica` so neither triggers nor foreign-key checks fire twice (the
 *   file is one consistent snapshot); generated columns are left to Postgres; identity columns get their
 *   values back (`overriding system value`) and sequences are reset to the backup's values, so the app
 *   keeps inserting afterwards.
 *
 * Before anything is written, the file's names are checked (restore-scope.ts: reserved schemas, the
 * header's declared schemas, `schemas`), an in-place restore must be of a file whose SHA-256 was recorded
 * in public.backup_runs or passed explicitly (restore-trust.ts), and `confirm` sees the plan: tables,
 * their rows now and in the file, and which ones hold access rights. After loading in place, every
 * foreign key touching a restored table is checked (foreign-key-check.ts) and dangling references roll
 * the whole restore back unless `allowDangling`. Sequences are reset last, only when the transaction is
 * about to commit (setval is not undone by a rollback).
 *
 * Rows travel as their JSON text in batches and Postgres converts them back itself
 * (json_populate_recordset), so every type round-trips as it was exported. All SQL text built from the
 * file's names goes through format('%I'); type names are checked by a strict tokenizer and to_regtype()
 * before they reach a CREATE TABLE.
 */
import { createHash } from "node:crypto";
import type postgres from "postgres";
import {
  BackupFileError,
  type OpenedBackup,
  readBackup,
} from "../../supabase/functions/_shared/backup/format/backup-reader.ts";
import type {
  BackupHeader,
  SequenceMeta,
  TableMeta,
} from "../../supabase/functions/_shared/backup/format/file-format.ts";
import type { FileHashes } from "../../supabase/functions/_shared/backup/export/hashing.ts";
import { type DanglingReference, danglingReferences, describeDangling } from "./foreign-key-check.ts";
import { RestoreError } from "./restore-error.ts";
import { DEFAULT_RESTORE_SCHEMAS, scopeProblems, targetSchemaProblem } from "./restore-scope.ts";
import { type Trust, trustForReplace } from "./restore-trust.ts";

export { RestoreError };

type Sql = postgres.Sql;
type Tx = postgres.TransactionSql;

export type RestoreMode = { kind: "schema"; schema: string } | { kind: "replace" };

export interface ExpectedHashes {
  /** Hex SHA-256 of the file's bytes (the run's `sha256`, shown in the Settings page's run details). */
  sha256?: string;
  /** Base64 QuickXorHash (the run's `quick_xor_hash`, OneDrive's `file.hashes.quickXorHash`). */
  quickXorHash?: string;
}

export interface RestoreOptions {
  mode: RestoreMode;
  dryRun: boolean;
  onProgress?: (message: string) => void;
  /** Refuse the file unless its hashes are these (checked before anything is written). */
  expected?: ExpectedHashes;
  /** Largest row accepted, in characters (see ReadOptions.maxValueChars). */
  maxRowChars?: number;
  /** Schemas the restore may write (the file's tables must all be in them). Default: public. */
  schemas?: string[];
  /** The file's base name, to look its recorded hash up in public.backup_runs (in place). */
  fileName?: string;
  /** Keep the restore even when foreign keys dangle afterwards (reported as warnings). */
  allowDangling?: boolean;
  /**
   * Called once every check passed and before anything is written, with what the restore will do;
   * false cancels (RestoreCancelled).
   */
  confirm?: (plan: RestorePlan) => Promise<boolean>;
}

export interface PlannedTable {
  source: string;
  target: string;
  /** Rows in the file. */
  rows: number;
  /** Rows in the target table now (in place), or null (a new schema). */
  current: number | null;
  /** Why this table matters for access control (it grants roles or rights), or null. */
  security: string | null;
}

export interface RestorePlan {
  mode: RestoreMode;
  header: BackupHeader;
  tables: PlannedTable[];
  sequences: number;
  /** Why the file is trusted for an in-place restore; null for a copy into a new schema. */
  trust: Trust | null;
  sha256: string;
}

export interface RestoredTable {
  source: string;
  target: string;
  rows: number;
}

export interface RestoreReport {
  header: BackupHeader;
  tables: RestoredTable[];
  rowCount: number;
  sequences: number;
  dryRun: boolean;
  warnings: string[];
  plan: RestorePlan;
  /** Foreign keys left dangling (only ever non-empty with allowDangling). */
  dangling: DanglingReference[];
  foreignKeysChecked: number;
}

/** The user answered no to the confirmation: nothing was written. */
export class RestoreCancelled extends RestoreError {}

class DryRunRollback extends Error {}

/**
 * Accepts type names as format_type() writes them: words, quoted identifiers, digits, dots, commas,
 * parentheses, brackets and spaces. Nothing else (no quotes outside identifiers, no semicolons, no
 * comments) can reach the DDL.
 */
export function isSafeTypeName(type: string): boolean {
  if (type.length === 0 || type.length > 200) return false;
  const token = /\s+|"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|\d+|[.,()[\]]/y;
  let at = 0;
  while (at < type.length) {
    token.lastIndex = at;
    const m = token.exec(type);
    if (!m) return false;
    at += m[0].length;
  }
  return true;
}

/** The default schema name for a restore: restore_YYYYMMDD_HHMMSS (UTC). */
export function defaultRestoreSchema(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `restore_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${
    p(now.getUTCHours())
  }${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

const label = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
/** Map key of a table: unlike the label, unambiguous when names hold dots. */
export const tableKey = (t: { schema: string; name: string }) => JSON.stringify([t.schema, t.name]);

/**
 * Differences between a file's hashes and the expected ones, as sentences (empty when they match or
 * nothing was expected). Shared by `verify` and `restore`.
 */
export function hashMismatches(actual: FileHashes, expected: ExpectedHashes | undefined): string[] {
  const out: string[] = [];
  const sha = expected?.sha256?.trim().toLowerCase();
  if (sha && sha !== actual.sha256) out.push(`its SHA-256 is ${actual.sha256}, expected ${sha}`);
  const qxh = expected?.quickXorHash?.trim();
  if (qxh && qxh !== actual.quickXorHash) {
    out.push(`its QuickXorHash is ${actual.quickXorHash}, expected ${qxh}`);
  }
  return out;
}

/** First pass, without the database: the whole file is sound before anything is written. */
async function checkFile(
  open: () => Promise<OpenedBackup>,
  options: RestoreOptions,
): Promise<
  {
    header: BackupHeader;
    tables: Array<TableMeta & { rows: number }>;
    sequences: SequenceMeta[];
    hashes: FileHashes;
  }
> {
  const opened = await open();
  let header: BackupHeader | null = null;
  const tables: Array<TableMeta & { rows: number }> = [];
  let sequences: SequenceMeta[] = [];
  // Rows are parsed here too (verify does the same): a damaged row is reported with its table and
  // position before the database is touched, rather than as a Postgres error mid-transaction.
  const read = readBackup(opened.text, { validateRows: true, maxValueChars: options.maxRowChars });
  for await (const event of read) {
    if (event.type === "header") header = event.header;
    else if (event.type === "table") tables.push({ ...event.table, rows: 0 });
    else if (event.type === "table_end") tables[tables.length - 1].rows = event.rowCount;
    else if (event.type === "end") sequences = event.sequences;
  }
  if (!header) throw new BackupFileError("wrong_format", "the file has no tables section");
  const hashes = await opened.hashes;
  const mismatches = hashMismatches(hashes, options.expected);
  if (mismatches.length) {
    throw new BackupFileError(
      "hash_mismatch",
      `the file is not the expected backup (corrupted or another file): ${mismatches.join("; ")}`,
    );
  }
  return { header, tables, sequences, hashes };
}

/** The longest prefix of `text` that fits in `bytes` UTF-8 bytes, never cutting a character. */
function utf8Prefix(text: string, bytes: number): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const size = new TextEncoder().encode(ch).length;
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/**
 * Target names: one schema from the backup keeps its table names; several get `schema__table`. A
 * combined name over Postgres' 63 bytes is shortened and given a hash of the original, so it stays
 * unique and recognisable (the progress lines show the mapping).
 */
export function targetNames(
  tables: Array<{ schema: string; name: string }>,
  mode: RestoreMode,
): Map<string, { schema: string; name: string }> {
  const multi = new Set(tables.map((t) => t.schema)).size > 1;
  const out = new Map<string, { schema: string; name: string }>();
  const used = new Set<string>();
  for (const t of tables) {
    if (mode.kind === "replace") out.set(tableKey(t), { schema: t.schema, name: t.name });
    else {
      let name = multi ? `${t.schema}__${t.name}` : t.name;
      // Too long, or taken by another pair (schema "a", table "b__c" and schema "a__b", table "c").
      if (new TextEncoder().encode(name).length > 63 || used.has(name)) {
        const hash = createHash("sha256").update(tableKey(t)).digest("hex");
        name = `${utf8Prefix(name, 54)}_${hash.slice(0, 8)}`;
      }
      used.add(name);
      out.set(tableKey(t), { schema: mode.schema, name });
    }
  }
  return out;
}

async function createTable(
  tx: Tx,
  table: TableMeta,
  target: { schema: string; name: string },
): Promise<void> {
  for (const c of table.columns) {
    if (!isSafeTypeName(c.type)) {
      throw new RestoreError(
        `Cannot restore table "${label(table)}": column "${c.name}" has an unusable type name ${
          JSON.stringify(c.type)
        }`,
      );
    }
  }
  const [{ missing }] = await tx<Array<{ missing: string | null }>>`
    select (select string_agg(format('"%s" (%s)', c->>'name', c->>'type'), ', ')
            from json_array_elements(${JSON.stringify(table.columns)}::text::json) c
            where to_regtype(c->>'type') is null) as missing`;
  if (missing) {
    throw new RestoreError(
      `Cannot restore table "${
        label(table)
      }": these column types do not exist in this database: ${missing} (create them first, e.g. the enums from your migrations)`,
    );
  }
  const [{ statement }] = await tx<Array<{ statement: string }>>`
    select format('create table %I.%I (%s%s)', ${target.schema}::text, ${target.name}::text,
      (select string_agg(format('%I %s%s', c->>'name', c->>'type',
                                case when (c->>'nullable')::boolean then '' else ' not null' end), ', ' order by ord)
       from json_array_elements(${JSON.stringify(table.columns)}::text::json) with ordinality as e(c, ord)),
      case when json_array_length(${JSON.stringify(table.primary_key)}::text::json) > 0
        then format(', primary key (%s)',
               (select string_agg(format('%I', k), ', ' order by ord)
                from json_array_elements_text(${JSON.stringify(table.primary_key)}::text::json)
                     with ordinality as p(k, ord)))
        else '' end) as statement`;
  await tx.unsafe(statement);
}

interface InsertPlan {
  statement: string;
}

/**
 * The INSERT for one table, fed a JSON array of rows as $1. Columns: the file's, minus generated ones
 * in place (Postgres computes them), minus those the current table no longer has (reported).
 */
async function insertPlan(
  tx: Tx,
  table: TableMeta,
  target: { schema: string; name: string },
  mode: RestoreMode,
  warnings: string[],
): Promise<InsertPlan> {
  let columns = table.columns.filter((c) => mode.kind === "schema" || !c.generated);
  let overriding = false;
  if (mode.kind === "replace") {
    const present = await tx<Array<{ name: string; generated: boolean; identity: string }>>`
      select a.attname as name, a.attgenerated <> '' as generated, a.attidentity::text as identity
      from pg_catalog.pg_attribute a
      where a.attrelid = to_regclass(format('%I.%I', ${target.schema}::text, ${target.name}::text))
        and a.attnum > 0 and not a.attisdropped`;
    const byName = new Map(present.map((c) => [c.name, c]));
    const gone = columns.filter((c) => !byName.has(c.name)).map((c) => c.name);
    if (gone.length) {
      warnings.push(
        `Table "${label(table)}" no longer has the column(s) ${
          gone.map((g) => `"${g}"`).join(", ")
        }: their values were not restored`,
      );
    }
    columns = columns.filter((c) => byName.has(c.name) && !byName.get(c.name)!.generated);
    overriding = columns.some((c) => byName.get(c.name)!.identity === "a");
  }
  const jsonNullKey = table.json_null_key ?? null;
  const spec = columns.map((c) => ({
    name: c.name,
    json: jsonNullKey !== null && (c.type === "json" || c.type === "jsonb") ? c.type : null,
  }));
  const [{ statement }] = await tx<Array<{ statement: string }>>`
    with cols as (
      select c->>'name' as name, c->>'json' as json, ord
      from json_array_elements(${JSON.stringify(spec)}::text::json) with ordinality as e(c, ord)
    ),
    target as (select format('%I.%I', ${target.schema}::text, ${target.name}::text) as rel)
    select case when ${jsonNullKey}::text is null then
      format('insert into %s (%s) %s select %s from json_populate_recordset(null::%s, $1::text::json) as p',
        (select rel from target),
        (select string_agg(format('%I', name), ', ' order by ord) from cols),
        ${overriding ? "overriding system value" : ""}::text,
        (select string_agg(format('p.%I', name), ', ' order by ord) from cols),
        (select rel from target))
    else
      format('insert into %s (%s) %s select %s from json_array_elements($1::text::json) as e(v) '
             'cross join lateral json_populate_record(null::%s, e.v) as p',
        (select rel from target),
        (select string_agg(format('%I', name), ', ' order by ord) from cols),
        ${overriding ? "overriding system value" : ""}::text,
        (select string_agg(
           case when json is null then format('p.%I', name)
                else format('case when coalesce((e.v -> %L)::jsonb ? %L, false) then ''null''::%s else p.%I end',
                            ${jsonNullKey}::text, name, json, name)
           end, ', ' order by ord) from cols),
        (select rel from target))
    end as statement`;
  return { statement };
}

/**
 * What kind of relation each table is in the database (in place): only tables may be written, never a
 * partition on its own (the exporter lists a partitioned table through its parent, and a partition's
 * foreign keys are its parent's), nor a partitioned table with partitions outside `allowed` or foreign
 * ones (deleting from it and routing rows into it write them too).
 */
async function checkTargets(
  sql: Sql,
  tables: TableMeta[],
  allowed: string[],
): Promise<Map<string, "r" | "p">> {
  const found = await sql<
    Array<
      { schema: string; name: string; relkind: string | null; parent: string | null; outside: string | null }
    >
  >`
    select t.schema, t.name, c.relkind::text as relkind,
      (select format('%I.%I', pn.nspname, pc.relname)
       from pg_catalog.pg_inherits i
       join pg_catalog.pg_class pc on pc.oid = i.inhparent
       join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
       where c.relispartition and i.inhrelid = c.oid) as parent,
      (select string_agg(format('%I.%I', dn.nspname, dc.relname), ', ' order by dn.nspname, dc.relname)
       from pg_catalog.pg_partition_tree(c.oid) tree
       join pg_catalog.pg_class dc on dc.oid = tree.relid
       join pg_catalog.pg_namespace dn on dn.oid = dc.relnamespace
       where c.relkind = 'p' and (dn.nspname <> all(${allowed}::text[]) or dc.relkind = 'f')) as outside
    from json_array_elements(${
    JSON.stringify(tables.map((t) => ({ schema: t.schema, name: t.name })))
  }::text::json) as j(v)
    cross join lateral (select j.v->>'schema' as schema, j.v->>'name' as name) t
    left join pg_catalog.pg_class c on c.oid = to_regclass(format('%I.%I', t.schema, t.name))`;
  const missing = found.filter((f) => f.relkind === null).map((f) => `"${label(f)}"`);
  if (missing.length) {
    throw new RestoreError(
      `Cannot restore in place: these tables do not exist in the database: ${
        missing.join(", ")
      }; apply your migrations first or restore into a new schema`,
    );
  }
  const kinds: Record<string, string> = { v: "a view", m: "a materialized view", f: "a foreign table" };
  const notTables = found.filter((f) => f.relkind !== "r" && f.relkind !== "p");
  if (notTables.length) {
    throw new RestoreError(
      `Cannot restore in place: ${
        notTables.map((f) => `"${label(f)}" is ${kinds[f.relkind!] ?? `a relation of kind "${f.relkind}"`}`)
          .join(", ")
      } in this database, not a table: a restore writes only tables (writing through a view or a foreign table would change data elsewhere)`,
    );
  }
  const partitions = found.filter((f) => f.parent !== null);
  if (partitions.length) {
    throw new RestoreError(
      `Cannot restore in place: ${
        partitions.map((f) => `"${label(f)}" is a partition of "${f.parent}"`).join(", ")
      } in this database: a backup lists a partitioned table through its parent, never its partitions (the file was changed after the backup wrote it)`,
    );
  }
  const spread = found.filter((f) => f.outside !== null);
  if (spread.length) {
    throw new RestoreError(
      `Cannot restore in place: ${
        spread.map((f) =>
          `"${label(f)}" has partitions outside the schemas this restore may write (${f.outside})`
        )
          .join(", ")
      }: restoring it would empty and fill them too; add their schemas to --schemas if that is intended (foreign partitions are never written)`,
    );
  }
  return new Map(found.map((f) => [tableKey(f), f.relkind as "r" | "p"]));
}

const ACCESS_CONTROL_NAME = /(^|_)(roles?|permissions?|privileges?|admins?|grants?|acls?)$/i;

/** Why a table matters for access control in this database, or null. */
async function securityRelevance(sql: Sql, table: { schema: string; name: string }): Promise<string | null> {
  const word = `(^|[^[:alnum:]_])${table.name.replace(/[\\^$.*+?()[\]{}|-]/g, "\\$&")}([^[:alnum:]_]|$)`;
  const [r] = await sql<Array<{ definers: string | null; policies: string | null }>>`
    select
      (select string_agg(distinct format('%I.%I', n.nspname, p.proname), ', ')
       from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')
         and p.prosrc ~ ${word}) as definers,
      (select string_agg(distinct format('%I.%I', pn.nspname, pc.relname), ', ')
       from pg_catalog.pg_policy pol
       join pg_catalog.pg_class pc on pc.oid = pol.polrelid
       join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
       where pol.polrelid <> to_regclass(format('%I.%I', ${table.schema}::text, ${table.name}::text))
         and (coalesce(pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), '') ~ ${word}
              or coalesce(pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid), '') ~ ${word})) as policies`;
  const reasons: string[] = [];
  if (r.definers) reasons.push(`read by security definer function(s) ${r.definers}`);
  if (r.policies) reasons.push(`named in the row level security policies of ${r.policies}`);
  if (!reasons.length && ACCESS_CONTROL_NAME.test(table.name)) reasons.push("its name says it grants rights");
  return reasons.length ? reasons.join("; ") : null;
}

async function currentRows(sql: Sql, table: { schema: string; name: string }, relkind: "r" | "p") {
  const [{ statement }] = await sql<Array<{ statement: string }>>`
    select format('select count(*)::bigint as n from %s%I.%I', ${relkind === "p" ? "" : "only "}::text,
                  ${table.schema}::text, ${table.name}::text) as statement`;
  const [{ n }] = await sql.unsafe(statement);
  return Number(n);
}

export async function restoreBackup(
  sql: Sql,
  open: () => Promise<OpenedBackup>,
  options: RestoreOptions,
): Promise<RestoreReport> {
  const progress = options.onProgress ?? (() => {});
  const { mode } = options;

  progress("Checking the file (format, completeness, row counts)…");
  const checked = await checkFile(open, options);
  const problems = scopeProblems({
    declared: checked.header.source?.schemas,
    allowed: options.schemas ?? DEFAULT_RESTORE_SCHEMAS,
    tables: checked.tables,
    sequences: checked.sequences,
  });
  if (mode.kind === "schema") {
    const target = targetSchemaProblem(mode.schema);
    if (target) problems.unshift(`cannot restore into schema "${mode.schema}": ${target}`);
  }
  if (problems.length) {
    throw new RestoreError(`Cannot restore: ${problems.join("; ")}; nothing was written`);
  }
  const targets = targetNames(checked.tables, mode);

  // Refuse early, before opening the transaction.
  let kinds = new Map<string, "r" | "p">();
  let trust: Trust | null = null;
  if (mode.kind === "schema") {
    const [{ exists, role }] = await sql<Array<{ exists: boolean; role: boolean }>>`
      select exists (select 1 from pg_catalog.pg_namespace where nspname = ${mode.schema}::text) as exists,
             exists (select 1 from pg_catalog.pg_roles where rolname = ${mode.schema}::text) as role`;
    if (exists) {
      throw new RestoreError(
        `Cannot restore into schema "${mode.schema}": it already exists; choose a new name with --into-schema`,
      );
    }
    // A copy is of a file nobody vouched for: in a schema named like a role (postgres above all, the
    // owner of most security definer functions), search_path's "$user" would resolve unqualified names
    // to the copy's tables before public's.
    if (role) {
      throw new RestoreError(
        `Cannot restore into schema "${mode.schema}": a role of this database has that name, and search_path's "$user" would put the copy's tables ahead of public's for that role; choose another name with --into-schema`,
      );
    }
  } else {
    kinds = await checkTargets(sql, checked.tables, options.schemas ?? DEFAULT_RESTORE_SCHEMAS);
    trust = await trustForReplace(sql, {
      fileName: options.fileName ?? "the file",
      sha256: checked.hashes.sha256,
      explicitSha256: options.expected?.sha256,
    });
  }

  const plan: RestorePlan = {
    mode,
    header: checked.header,
    tables: [],
    sequences: checked.sequences.length,
    trust,
    sha256: checked.hashes.sha256,
  };
  for (const t of checked.tables) {
    const relkind = kinds.get(tableKey(t));
    plan.tables.push({
      source: label(t),
      target: label(targets.get(tableKey(t))!),
      rows: t.rows,
      current: relkind ? await currentRows(sql, t, relkind) : null,
      security: mode.kind === "replace" ? await securityRelevance(sql, t) : null,
    });
  }
  if (options.confirm && !await options.confirm(plan)) {
    throw new RestoreCancelled("Restore cancelled: nothing was written");
  }

  const report: RestoreReport = {
    header: checked.header,
    tables: [],
    rowCount: 0,
    sequences: 0,
    dryRun: options.dryRun,
    warnings: [],
    plan,
    dangling: [],
    foreignKeysChecked: 0,
  };

  try {
    await sql.begin(async (tx) => {
      await tx`set local statement_timeout = 0`;
      if (mode.kind === "schema") {
        const [{ statement }] = await tx<Array<{ statement: string }>>`
          select format('create schema %I', ${mode.schema}::text) as statement`;
        await tx.unsafe(statement);
        for (const t of checked.tables) await createTable(tx, t, targets.get(tableKey(t))!);
      } else {
        try {
          await tx`set local session_replication_role = replica`;
        } catch (error) {
          throw new RestoreError(
            `Cannot restore in place: this database user may not set session_replication_role (${
              (error as Error).message
            }); connect as the database owner (postgres)`,
          );
        }
        // Children first, although with replica mode the order does not matter for deletes. The
        // database, not the file, says whether a table is partitioned (`only` spares inheritance
        // children that are not part of the restore).
        for (const t of [...checked.tables].reverse()) {
          const [{ statement }] = await tx<Array<{ statement: string }>>`
            select format('delete from %s%I.%I', ${kinds.get(tableKey(t)) === "p" ? "" : "only "}::text,
                          ${t.schema}::text, ${t.name}::text) as statement`;
          const deleted = await tx.unsafe(statement);
          progress(`Emptied ${label(t)} (${deleted.count} rows)`);
        }
      }

      const opened = await open();
      let plan: InsertPlan | null = null;
      let inserted = 0;
      let sequences: SequenceMeta[] = [];
      for await (const event of readBackup(opened.text, { maxValueChars: options.maxRowChars })) {
        if (event.type === "table") {
          plan = await insertPlan(
            tx,
            event.table,
            targets.get(tableKey(event.table))!,
            mode,
            report.warnings,
          );
          inserted = 0;
        } else if (event.type === "rows") {
          const result = await tx.unsafe(plan!.statement, [`[${event.rows.join(",")}]`]);
          inserted += result.count;
        } else if (event.type === "table_end") {
          if (inserted !== event.rowCount) {
            throw new RestoreError(
              `Cannot restore table "${
                label(event.table)
              }": ${inserted} rows were inserted instead of ${event.rowCount}`,
            );
          }
          const target = targets.get(tableKey(event.table))!;
          report.tables.push({ source: label(event.table), target: label(target), rows: inserted });
          report.rowCount += inserted;
          progress(`Restored ${label(event.table)} → ${label(target)}: ${inserted} rows`);
        } else if (event.type === "end") {
          sequences = event.sequences;
        }
      }
      // The second pass must have read the very bytes the first pass checked: a file replaced or
      // still being written in between is refused before the transaction commits.
      const again = await opened.hashes;
      if (again.sha256 !== checked.hashes.sha256) {
        throw new RestoreError(
          "Cannot restore: the file changed while it was being restored (it was replaced or is still being written); nothing was written",
        );
      }
      if (mode.kind === "replace") {
        const fk = await danglingReferences(tx, checked.tables);
        report.foreignKeysChecked = fk.checked;
        report.dangling = fk.dangling;
        progress(
          `Checked ${fk.checked} foreign keys touching the restored tables: ${
            fk.dangling.length ? `${fk.dangling.length} left dangling` : "all hold"
          }`,
        );
        if (fk.dangling.length && !options.allowDangling) {
          throw new RestoreError(
            `Cannot restore in place: the restored data would leave ${fk.dangling.length} foreign ${
              fk.dangling.length === 1 ? "key" : "keys"
            } dangling: ${
              fk.dangling.map(describeDangling).join("; ")
            }; nothing was written. Restore the referenced tables too, fix those rows first, or pass --allow-dangling to keep them`,
          );
        }
        for (const d of fk.dangling) {
          report.warnings.push(`Foreign key left dangling: ${describeDangling(d)}`);
        }
        // Last, as setval is not undone by a rollback: a dry run only checks the sequences exist.
        for (const s of sequences) {
          const [{ done }] = await tx<Array<{ done: boolean }>>`
            select case
              when to_regclass(format('%I.%I', ${s.schema}::text, ${s.name}::text)) is null then false
              when ${options.dryRun} then true
              when ${s.last_value}::text is null then
                (select setval(format('%I.%I', ${s.schema}::text, ${s.name}::text)::regclass, ps.start_value, false)
                 from pg_catalog.pg_sequences ps where ps.schemaname = ${s.schema} and ps.sequencename = ${s.name})
                 is not null
              else setval(format('%I.%I', ${s.schema}::text, ${s.name}::text)::regclass, ${s.last_value}::text::bigint, true)
                 is not null
            end as done`;
          if (done) report.sequences++;
          else report.warnings.push(`Sequence "${s.schema}.${s.name}" does not exist: not reset`);
        }
      }
      if (options.dryRun) throw new DryRunRollback();
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
  }
  return report;
}

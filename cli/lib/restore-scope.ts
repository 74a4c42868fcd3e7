/**
 * What a restore may touch, decided from the file's names alone (pure, no database): a backup file is
 * data that may have been planted, so its table and sequence names are checked against three rules
 * before anything is written.
 *
 * 1. Reserved schemas are never restored, whatever the flags: Supabase's and Postgres' own schemas
 *    (`auth`, `storage`, `vault`, `cron`, `net`, `realtime`, `supabase_*`, `pg_*`, `extensions`,
 *    `graphql*`, …). Writing `cron.job` as postgres is arbitrary SQL on a schedule; `auth.users` or
 *    `vault.secrets` hand over accounts and secrets. The target of `--into-schema` may not be one either.
 * 2. Every table and sequence must be in a schema the file's header declares (`source.schemas`): the
 *    exporter only ever writes tables of the schemas it lists there, so anything else was added by hand.
 * 3. Every schema must be allowed by `--schemas` (default `public`): the person restoring says which
 *    schemas the restore may write.
 *
 * Tables this tool never exports (`public.backup_runs`) are refused
 * too: a file that lists them was not written by `auto-backup`, and restoring them would rewrite the
 * very records a restore is checked against.
 */
import { ALWAYS_EXCLUDED } from "../../supabase/functions/_shared/backup/export/catalog.ts";
import { splitNames } from "../../supabase/functions/_shared/backup/lib/config.ts";

export interface QualifiedName {
  schema: string;
  name: string;
}

export const DEFAULT_RESTORE_SCHEMAS = ["public"];

/** Schemas owned by Supabase or Postgres, by exact name. */
const RESERVED_EXACT = new Set([
  "auth",
  "storage",
  "vault",
  "cron",
  "net",
  "realtime",
  "extensions",
  "information_schema",
  "pgbouncer",
  "pgsodium",
  "pgsodium_masks",
  "_realtime",
  "_analytics",
  "_supavisor",
]);

/** Schemas owned by Supabase or Postgres, by prefix (`pg_catalog`, `pg_toast`, `supabase_functions`…). */
const RESERVED_PREFIX = /^(pg_|supabase_|graphql)/;

/**
 * Tables in the app's schemas that `auto-backup` never exports (its own records): the exporter's own
 * list, so the two cannot drift (a table refused here but exported would make every backup unrestorable).
 */
const NEVER_EXPORTED: ReadonlyArray<QualifiedName> = ALWAYS_EXCLUDED;

/** True when `schema` belongs to Supabase or Postgres and is never restored. */
export function isReservedSchema(schema: string): boolean {
  const s = schema.toLowerCase();
  return RESERVED_EXACT.has(s) || RESERVED_PREFIX.test(s);
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Postgres names are 1 to 63 bytes; longer ones would be silently cut to another name. */
export function isPostgresName(name: string): boolean {
  return name.length > 0 && bytes(name) <= 63 && !name.includes("\0");
}

function unquote(item: string): string | null {
  if (!item.startsWith('"')) return item;
  if (!item.endsWith('"') || item.length < 2) return null;
  const inner = item.slice(1, -1);
  if (inner.replaceAll('""', "").includes('"')) return null;
  return inner.replaceAll('""', '"');
}

/**
 * Parses `--schemas` (a comma list; a name may be double-quoted to hold commas or quotes). Returns the
 * schemas, or a message saying what is wrong with the value.
 */
export function parseSchemasFlag(raw: string | undefined): { schemas: string[] } | { error: string } {
  if (raw === undefined) return { schemas: DEFAULT_RESTORE_SCHEMAS };
  const items = splitNames(raw);
  if (items === null) return { error: `--schemas has an unclosed double quote in "${raw}"` };
  const schemas: string[] = [];
  for (const item of items) {
    if (item === "") {
      return { error: `--schemas has an empty entry in "${raw}": list schema names separated by commas` };
    }
    const name = unquote(item);
    if (name === null || !isPostgresName(name)) {
      return { error: `--schemas has an invalid schema name "${item}": names are 1 to 63 bytes` };
    }
    if (isReservedSchema(name)) {
      return {
        error:
          `--schemas lists "${name}", a schema that belongs to Supabase or Postgres: this tool never restores it`,
      };
    }
    if (!schemas.includes(name)) schemas.push(name);
  }
  return { schemas };
}

const label = (t: QualifiedName) => `"${t.schema}.${t.name}"`;

/**
 * Every reason the file's tables and sequences may not be restored with these allowed schemas (empty
 * when all is in scope). `declared` is the header's `source.schemas` (anything but a list of strings
 * counts as declaring nothing).
 */
export function scopeProblems(input: {
  declared: unknown;
  allowed: string[];
  tables: QualifiedName[];
  sequences: QualifiedName[];
}): string[] {
  const declared = Array.isArray(input.declared) && input.declared.every((s) => typeof s === "string")
    ? input.declared as string[]
    : [];
  const problems: string[] = [];
  const missingAllowed = new Set<string>();
  const relations = [
    ...input.tables.map((t) => ({ ...t, what: "table" })),
    ...input.sequences.map((s) => ({ ...s, what: "sequence" })),
  ];
  for (const r of relations) {
    if (typeof r.schema !== "string" || typeof r.name !== "string") {
      problems.push(`a ${r.what} has no schema or name`);
    } else if (isReservedSchema(r.schema)) {
      problems.push(
        `${r.what} ${
          label(r)
        } is in "${r.schema}", a schema that belongs to Supabase or Postgres: this tool never restores it`,
      );
    } else if (!declared.includes(r.schema)) {
      problems.push(
        `${r.what} ${label(r)} is in schema "${r.schema}", which the file's header does not declare (${
          declared.length ? declared.map((s) => `"${s}"`).join(", ") : "none"
        }): the file was changed after the backup wrote it`,
      );
    } else if (!input.allowed.includes(r.schema)) {
      missingAllowed.add(r.schema);
    } else if (!isPostgresName(r.name)) {
      problems.push(`${r.what} ${label(r)} has a name longer than Postgres allows (63 bytes)`);
    } else if (
      r.what === "table" && NEVER_EXPORTED.some((n) => n.schema === r.schema && n.name === r.name)
    ) {
      problems.push(
        `table ${
          label(r)
        } holds this tool's own records, which a backup never contains: the file was not written by auto-backup`,
      );
    }
  }
  if (missingAllowed.size) {
    const extra = [...missingAllowed];
    problems.push(
      `the file has tables in ${
        extra.map((s) => `"${s}"`).join(", ")
      }, which --schemas does not allow (it allows ${
        input.allowed.map((s) => `"${s}"`).join(", ")
      }); pass --schemas ${
        shellWord([...input.allowed, ...extra].map(quoteForFlag).join(","))
      } to restore them`,
    );
  }
  return problems;
}

function quoteForFlag(name: string): string {
  return /^[^",\s]+$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/**
 * `value` as one shell word, single-quoted unless it is plain: the schema names come from the file,
 * and a suggested flag is made to be pasted (`app$(curl …|sh)` must stay text, not run).
 */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.,-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** Why `schema` cannot be the target of `--into-schema`, or null when it can. */
export function targetSchemaProblem(schema: string): string | null {
  if (!isPostgresName(schema)) return `the schema name "${schema}" is not 1 to 63 bytes`;
  if (isReservedSchema(schema)) {
    return `"${schema}" is a schema name that belongs to Supabase or Postgres; choose another name`;
  }
  return null;
}

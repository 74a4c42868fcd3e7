/**
 * Discovers what to export from Postgres' catalog, never from a hard-coded list: every ordinary and
 * partitioned table of the configured schemas (partitions are exported once, through their parent),
 * minus exclusions, `public.backup_runs` and `public.backup_downloads`; views, materialized views and
 * foreign tables are listed as not exported. Tables come out parents before children (foreign keys), so a restore can insert them in
 * file order.
 */
import type { Queryable } from "../lib/db.ts";
import type { ExcludedTable } from "../lib/config.ts";
import {
  JSON_NULL_KEY,
  type SequenceMeta,
  type SkippedRelation,
  type TableMeta,
} from "../format/file-format.ts";

export interface CatalogTable extends TableMeta {
  /** Columns of type json or jsonb, whose JSON nulls need marking (see JSON_NULL_KEY). */
  jsonColumns: string[];
}

export interface Catalog {
  postgresVersion: string;
  tables: CatalogTable[];
  notExported: SkippedRelation[];
  excluded: Array<{ schema: string; name: string }>;
  sequences: SequenceMeta[];
}

/**
 * Always left out: the run history and the download audit are the backup's own bookkeeping. Restore
 * refuses a file that lists one of them (cli/lib/restore-scope.ts), so this is the one list for both.
 */
export const ALWAYS_EXCLUDED: ReadonlyArray<{ schema: string; name: string }> = [
  { schema: "public", name: "backup_runs" },
  { schema: "public", name: "backup_downloads" },
];

interface RelationRow {
  schema: string;
  name: string;
  relkind: string;
  columns: Array<
    { name: string; type: string; nullable: boolean; generated: boolean; identity: string; json: boolean }
  >;
  primary_key: string[] | null;
  references: Array<{ schema: string; name: string }> | null;
}

function isExcluded(excludes: ExcludedTable[], schema: string, name: string): boolean {
  if (ALWAYS_EXCLUDED.some((t) => t.schema === schema && t.name === name)) return true;
  return excludes.some((e) => e.name === name && (e.schema === null || e.schema === schema));
}

const key = (t: { schema: string; name: string }) => JSON.stringify([t.schema, t.name]);

/**
 * Orders tables so that every referenced table comes before the tables referencing it. Cycles (and
 * self-references) cannot be ordered: the tables involved keep their name order after everything else
 * that could be placed. Restore tolerates that: it inserts with foreign-key triggers off.
 */
export function orderTables<
  T extends { schema: string; name: string; references: Array<{ schema: string; name: string }> },
>(
  tables: T[],
): T[] {
  const byKey = new Map(tables.map((t) => [key(t), t]));
  const sorted = [...tables].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const placed = new Set<string>();
  const out: T[] = [];
  let progress = true;
  while (out.length < sorted.length && progress) {
    progress = false;
    for (const t of sorted) {
      const k = key(t);
      if (placed.has(k)) continue;
      const ready = t.references.every((r) => {
        const rk = key(r);
        return rk === k || placed.has(rk) || !byKey.has(rk);
      });
      if (ready) {
        placed.add(k);
        out.push(t);
        progress = true;
      }
    }
  }
  for (const t of sorted) if (!placed.has(key(t))) out.push(t);
  return out;
}

/** Picks a marker key that no column of the table already uses. */
export function jsonNullKeyFor(columnNames: string[]): string {
  let k = JSON_NULL_KEY;
  while (columnNames.includes(k)) k = `$${k}`;
  return k;
}

/** Reads the catalog inside the export's snapshot transaction. */
export async function readCatalog(
  tx: Queryable,
  options: { schemas: string[]; exclude: ExcludedTable[] },
): Promise<Catalog> {
  const [{ version }] = await tx<
    Array<{ version: string }>
  >`select current_setting('server_version') as version`;
  await checkSchemasExist(tx, options.schemas);
  const { tables, notExported, excluded } = sortRelations(
    await readRelations(tx, options.schemas),
    options.exclude,
  );
  return {
    postgresVersion: version,
    tables: orderTables(tables),
    notExported,
    excluded,
    sequences: await readSequences(tx, options.schemas, tables),
  };
}

/**
 * A schema that does not exist is a typo in BACKUP_SCHEMAS (names are case-sensitive): exporting
 * "nothing" from it would look like a successful backup of data that was never read.
 */
async function checkSchemasExist(tx: Queryable, schemas: string[]): Promise<void> {
  const missing = await tx<Array<{ name: string }>>`
    select s.name from unnest(${schemas}::text[]) with ordinality as s(name, ord)
    where not exists (select 1 from pg_catalog.pg_namespace n where n.nspname = s.name)
    order by s.ord`;
  if (missing.length) {
    const names = missing.map((m) => `"${m.name}"`).join(", ");
    throw new Error(
      `BACKUP_SCHEMAS lists ${missing.length === 1 ? "a schema" : "schemas"} that ${
        missing.length === 1 ? "does" : "do"
      } not exist in the database: ${names}; fix the name${
        missing.length === 1 ? "" : "s"
      } (schema names are case-sensitive) or remove ${missing.length === 1 ? "it" : "them"}`,
    );
  }
}

/** Every table, view, materialized view and foreign table of the schemas, partitions left out. */
async function readRelations(tx: Queryable, schemas: string[]): Promise<RelationRow[]> {
  return await tx<RelationRow[]>`
    select n.nspname as schema,
           c.relname as name,
           c.relkind::text as relkind,
           coalesce((
             select json_agg(json_build_object(
                      'name', a.attname,
                      'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                      'nullable', not a.attnotnull,
                      'generated', a.attgenerated <> '',
                      'identity', a.attidentity::text,
                      'json', a.atttypid in ('pg_catalog.json'::regtype, 'pg_catalog.jsonb'::regtype))
                    order by a.attnum)
             from pg_catalog.pg_attribute a
             where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
           ), '[]'::json) as columns,
           (
             select json_agg(a.attname order by k.ord)
             from pg_catalog.pg_constraint pk
             cross join lateral unnest(pk.conkey) with ordinality as k(attnum, ord)
             join pg_catalog.pg_attribute a on a.attrelid = pk.conrelid and a.attnum = k.attnum
             where pk.conrelid = c.oid and pk.contype = 'p'
           ) as primary_key,
           (
             select json_agg(distinct jsonb_build_object('schema', rn.nspname, 'name', r.relname))
             from pg_catalog.pg_constraint fk
             join pg_catalog.pg_class r on r.oid = fk.confrelid
             join pg_catalog.pg_namespace rn on rn.oid = r.relnamespace
             where fk.conrelid = c.oid and fk.contype = 'f'
           ) as references
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${schemas}::text[])
      and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and not c.relispartition
    order by n.nspname, c.relname`;
}

/** Splits the relations into the tables to export, the relations not exported and the excluded tables. */
function sortRelations(
  relations: RelationRow[],
  exclude: ExcludedTable[],
): Pick<Catalog, "tables" | "notExported" | "excluded"> {
  const tables: CatalogTable[] = [];
  const notExported: SkippedRelation[] = [];
  const excluded: Array<{ schema: string; name: string }> = [];
  for (const r of relations) {
    if (r.relkind === "v" || r.relkind === "m" || r.relkind === "f") {
      const kind = r.relkind === "v" ? "view" : r.relkind === "m" ? "materialized view" : "foreign table";
      notExported.push({ schema: r.schema, name: r.name, kind });
    } else if (isExcluded(exclude, r.schema, r.name)) {
      excluded.push({ schema: r.schema, name: r.name });
    } else {
      tables.push(catalogTable(r));
    }
  }
  return { tables, notExported, excluded };
}

function catalogTable(r: RelationRow): CatalogTable {
  const jsonColumns = r.columns.filter((c) => c.json && !c.generated).map((c) => c.name);
  const table: CatalogTable = {
    schema: r.schema,
    name: r.name,
    kind: r.relkind === "p" ? "partitioned table" : "table",
    columns: r.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      generated: c.generated,
      identity: c.identity === "a" ? "always" : c.identity === "d" ? "by default" : null,
    })),
    primary_key: r.primary_key ?? [],
    references: r.references ?? [],
    jsonColumns,
  };
  if (jsonColumns.length) table.json_null_key = jsonNullKeyFor(r.columns.map((c) => c.name));
  return table;
}

/**
 * Sequences of the schemas, except those owned by a table left out of the backup (restoring them could
 * move an excluded table's ids backwards).
 */
async function readSequences(
  tx: Queryable,
  schemas: string[],
  tables: CatalogTable[],
): Promise<SequenceMeta[]> {
  const exported = new Set(tables.map(key));
  const sequences = await tx<
    Array<SequenceMeta & { owner_schema: string | null; owner_name: string | null }>
  >`
    select s.schemaname as schema,
           s.sequencename as name,
           s.last_value::text as last_value,
           on_.nspname as owner_schema,
           oc.relname as owner_name
    from pg_catalog.pg_sequences s
    join pg_catalog.pg_namespace sn on sn.nspname = s.schemaname
    join pg_catalog.pg_class sc on sc.relnamespace = sn.oid and sc.relname = s.sequencename
    left join pg_catalog.pg_depend d
      on d.classid = 'pg_catalog.pg_class'::regclass and d.objid = sc.oid
     and d.refclassid = 'pg_catalog.pg_class'::regclass and d.deptype in ('a', 'i')
    left join pg_catalog.pg_class oc on oc.oid = d.refobjid
    left join pg_catalog.pg_namespace on_ on on_.oid = oc.relnamespace
    where s.schemaname = any(${schemas}::text[])
    order by s.schemaname, s.sequencename`;
  return sequences
    .filter((s) =>
      s.owner_name === null || exported.has(key({ schema: s.owner_schema!, name: s.owner_name }))
    )
    .map((s) => ({ schema: s.schema, name: s.name, last_value: s.last_value }));
}

/**
 * Foreign keys a restore in place may have broken. The load runs with
 * `session_replication_role = replica`, so Postgres' own foreign-key triggers do not fire: every
 * foreign key touching a restored table is checked here instead, in both directions (a restored table
 * referencing another, and another table referencing a restored one), with one anti-join per
 * constraint composed by Postgres' format('%I').
 *
 * MATCH SIMPLE (the default) ignores a row with any null in its key; MATCH FULL accepts only all-null
 * keys, so a partly null key counts as dangling. Partitioned tables are checked through their root
 * (constraints cloned onto partitions are skipped); plain tables with `only`, as foreign keys are not
 * inherited.
 */
import type postgres from "postgres";
import type { QualifiedName } from "./restore-scope.ts";

export interface DanglingReference {
  constraint: string;
  /** The referencing table, as schema.name (quoted where needed). */
  from: string;
  /** The referenced table. */
  to: string;
  rows: number;
}

export async function danglingReferences(
  tx: postgres.TransactionSql,
  tables: QualifiedName[],
): Promise<{ checked: number; dangling: DanglingReference[] }> {
  const checks = await tx<Array<{ name: string; child: string; parent: string; statement: string }>>`
    with restored as (
      select to_regclass(format('%I.%I', t->>'schema', t->>'name'))::oid as oid
      from json_array_elements(${JSON.stringify(tables)}::text::json) t
    ),
    fk as (
      select c.conname, c.conrelid, c.confrelid, c.confmatchtype, c.conkey, c.confkey
      from pg_catalog.pg_constraint c
      where c.contype = 'f' and c.conparentid = 0
        and (c.conrelid in (select oid from restored) or c.confrelid in (select oid from restored))
    )
    select fk.conname::text as name,
      format('%I.%I', cn.nspname, cr.relname) as child,
      format('%I.%I', pn.nspname, pr.relname) as parent,
      format('select count(*)::bigint as n from %s%I.%I as c where (%s) and not exists (select 1 from %s%I.%I as p where %s)',
        case when cr.relkind = 'p' then '' else 'only ' end, cn.nspname, cr.relname,
        (select string_agg(format('c.%I is not null', ca.attname),
                           case when fk.confmatchtype = 'f' then ' or ' else ' and ' end order by k.ord)
         from unnest(fk.conkey, fk.confkey) with ordinality as k(ck, pk, ord)
         join pg_catalog.pg_attribute ca on ca.attrelid = fk.conrelid and ca.attnum = k.ck),
        case when pr.relkind = 'p' then '' else 'only ' end, pn.nspname, pr.relname,
        (select string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' and ' order by k.ord)
         from unnest(fk.conkey, fk.confkey) with ordinality as k(ck, pk, ord)
         join pg_catalog.pg_attribute ca on ca.attrelid = fk.conrelid and ca.attnum = k.ck
         join pg_catalog.pg_attribute pa on pa.attrelid = fk.confrelid and pa.attnum = k.pk)) as statement
    from fk
    join pg_catalog.pg_class cr on cr.oid = fk.conrelid
    join pg_catalog.pg_namespace cn on cn.oid = cr.relnamespace
    join pg_catalog.pg_class pr on pr.oid = fk.confrelid
    join pg_catalog.pg_namespace pn on pn.oid = pr.relnamespace
    order by 2, 1`;
  const dangling: DanglingReference[] = [];
  for (const { name, child, parent, statement } of checks) {
    const [{ n }] = await tx.unsafe(statement);
    const rows = Number(n);
    if (rows > 0) dangling.push({ constraint: name, from: child, to: parent, rows });
  }
  return { checked: checks.length, dangling };
}

/** `"ledger_account_id_fkey" (public.ledger → public.accounts): 12 rows`, for messages. */
export function describeDangling(d: DanglingReference): string {
  return `"${d.constraint}" (${d.from} → ${d.to}): ${d.rows} ${d.rows === 1 ? "row" : "rows"} of ${d.from} ${
    d.rows === 1 ? "references" : "reference"
  } a missing row of ${d.to}`;
}

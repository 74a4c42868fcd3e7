/**
 * No SQL is built from settings or file contents by string concatenation: every identifier reaches
 * Postgres through format('%I') or as a bound parameter. Proven two ways: hostile BACKUP_SCHEMAS,
 * BACKUP_EXCLUDE_TABLES and --into-schema values run through `npm run backup` and `npm run restore`
 * against the stack and change nothing but what they name; and a scan of the product's code finds
 * `unsafe()` (the driver's raw-SQL door) only with constant text or statements Postgres itself wrote.
 */
import assert from "node:assert/strict";
import { ident } from "../support/awkward-fixture.ts";
import { downloadFromStorage, openStack, runRow, waitForIdle } from "../support/harness.ts";
import { runCli } from "../support/cli.ts";

const ROOT = new URL("../../", import.meta.url);

async function productFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) out.push(...await productFiles(`${path}/`));
    else if (entry.isFile && /\.ts$/.test(entry.name) && !/(_test|\.test)\.ts$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

Deno.test("unsafe() only ever runs constant SQL or statements composed by Postgres' format()", async () => {
  const files = [...await productFiles("supabase/functions/"), ...await productFiles("cli/")];
  const calls: string[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(new URL(file, ROOT));
    for (const match of source.matchAll(/\.unsafe\(\s*([^,)]*)/g)) {
      const argument = match[1].trim();
      calls.push(`${file}: ${argument}`);
      assert.match(
        argument,
        /^("[^"$`]*"|statement|setting|plan!?\.statement)$/,
        `${file}: unsafe(${argument}) must take constant text or a format()-built statement`,
      );
    }
    // Where a statement is built, Postgres builds it: `select format(…) as statement`.
    for (const match of source.matchAll(/const \[\{ statement \}\] = await tx<[^>]*>`([^`]*)`/g)) {
      assert.match(
        match[1],
        /^\s*(with [\s\S]*)?select[\s\S]*format\(/,
        `${file}: statement built by format()`,
      );
    }
    assert.doesNotMatch(source, /\.unsafe\(\s*`/, `${file}: no template literal handed to unsafe()`);
  }
  assert.ok(calls.length >= 6, `the scan found the unsafe() calls (${calls.length})`);
});

Deno.test("hostile schema, table and exclusion names are data, never SQL: backup and restore touch only what they name", async () => {
  const stack = await openStack();
  const tag = crypto.randomUUID().slice(0, 6);
  const canary = `canary_${tag}`;
  const hostileSchema = `x"; drop table public.${canary}; --${tag}`;
  const keptTable = `t'); delete from public.${canary}; --`;
  const excludedTable = `e"; truncate public.${canary}; --`;
  const target = `r"; drop table public.${canary}; --${tag}`;
  const file = await Deno.makeTempFile({ suffix: ".json.gz" });
  try {
    await waitForIdle(stack);
    await stack.sql.unsafe(`
      create table public.${canary} (id integer primary key);
      insert into public.${canary} select generate_series(1, 5);
      create schema ${ident(hostileSchema)};
      create table ${ident(hostileSchema)}.${ident(keptTable)} (id integer primary key, v text);
      insert into ${ident(hostileSchema)}.${ident(keptTable)} values (1, 'kept'), (2, $$it's "quoted"$$);
      create table ${ident(hostileSchema)}.${ident(excludedTable)} (id integer);
      insert into ${ident(hostileSchema)}.${ident(excludedTable)} values (1);`);
    const canaryRows = async () => {
      const [{ n }] = await stack.sql<Array<{ n: number | null }>>`
        select (select count(*)::int from pg_class where relname = ${canary}) as n`;
      if (!n) return -1;
      const [{ rows }] = await stack.sql.unsafe(`select count(*)::int as rows from public.${canary}`);
      return rows as number;
    };

    // A schema list that names nothing real: refused with the variable's name; nothing ran.
    const nowhere = await runCli(stack, "backup.ts", [], {
      BACKUP_SCHEMAS: `public, nope'); drop table public.${canary}; --`,
    });
    assert.equal(nowhere.code, 1, nowhere.stdout + nowhere.stderr);
    assert.match(
      nowhere.stdout,
      new RegExp(`BACKUP_SCHEMAS lists a schema that does not exist in the database: "nope'\\); drop table`),
    );
    assert.equal(await canaryRows(), 5);

    const backup = await runCli(stack, "backup.ts", [], {
      BACKUP_SCHEMAS: `public,${hostileSchema}`,
      // The schema's name holds a dot, so the entry quotes it (the table's quotes are doubled).
      BACKUP_EXCLUDE_TABLES: `${ident(hostileSchema)}.${
        ident(excludedTable)
      }, payments'); drop table ${canary}; --`,
    });
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.equal(await canaryRows(), 5, "the canary survived the backup");
    const id = /^Run ([0-9a-f-]{36}):/m.exec(backup.stdout)![1];
    const row = await runRow(stack, id);
    assert.equal(row.status, "success");
    const hostile = row.tables!.filter((t) => t.schema === hostileSchema);
    assert.deepEqual(hostile, [{ schema: hostileSchema, name: keptTable, rows: 2 }], "excluded exactly");
    assert.ok(row.tables!.some((t) => t.name === "payments"), "a look-alike exclusion excludes nothing");

    await Deno.writeFile(file, await downloadFromStorage(stack, row.storage_path!));
    const restore = await runCli(stack, "restore.ts", [
      file,
      "--into-schema",
      target,
      "--sha256",
      row.sha256!,
      // The hostile schema, quoted as a name in the comma list (its quotes doubled).
      "--schemas",
      `public,${ident(hostileSchema)}`,
    ]);
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    assert.equal(await canaryRows(), 5, "the canary survived the restore");
    // Two source schemas: tables are named schema__table, shortened with a hash past 63 bytes.
    const tables = await stack.sql<Array<{ name: string }>>`
      select relname as name from pg_class where relnamespace = to_regnamespace(${ident(target)})
        and relkind = 'r' and relname like ${`${hostileSchema.slice(0, 20)}%`}`;
    assert.equal(tables.length, 1, JSON.stringify(tables));
    assert.match(tables[0].name, /^x"; drop table public\.canary_\w+; --\w+__t'\); d.*_[0-9a-f]{8}$/);
    assert.ok(restore.stdout.includes(`→ ${target}.${tables[0].name}: 2 rows`), restore.stdout);
    const restored = await stack.sql.unsafe(
      `select id, v from ${ident(target)}.${ident(tables[0].name)} order by id`,
    );
    assert.deepEqual(restored.map((r) => r.v), ["kept", `it's "quoted"`]);
  } finally {
    await stack.sql.unsafe(`
      drop schema if exists ${ident(hostileSchema)} cascade;
      drop schema if exists ${ident(target)} cascade;
      drop table if exists public.${canary};`);
    await Deno.remove(file).catch(() => {});
    await stack.close();
  }
});

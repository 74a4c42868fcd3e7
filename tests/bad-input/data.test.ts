/**
 * Data that breaks naive backups, through the real export, verify and restore code against real
 * Postgres (a scratch database on the machine's server): names with quotes, spaces, capitals, unicode,
 * dots and reserved words; an empty database and a schema that does not exist; tables without a primary
 * key; partitioned tables; views and materialized views; generated, identity and serial columns; a
 * 10 MB jsonb value; and a value too large to restore.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseConfig } from "../../supabase/functions/_shared/backup/lib/config.ts";
import { openBackupFile } from "../../supabase/functions/_shared/backup/format/backup-reader.ts";
import { exportBackup } from "../../supabase/functions/_shared/backup/export/export.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database.ts";
import { restoreBackup } from "../../cli/lib/restore-database.ts";
import {
  backupFile,
  count,
  difference,
  ident,
  schemaExists,
  tablesOf,
  verifyFile,
} from "../support/round-trip.ts";

/** The SHA-256 an in-place restore is told to trust (as the run's recorded hash would be). */
async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await Deno.readFile(path)).digest("hex");
}

async function withDatabase(fn: (db: ScratchDatabase) => Promise<void>): Promise<void> {
  const db = await createScratchDatabase();
  try {
    await fn(db);
  } finally {
    await db.drop();
  }
}

const U = 'Ünïcode "Schéma" 表';
const RESERVED = "select";
const NAMED_TABLES: Array<[string, string]> = [
  [U, "User Table"],
  [U, "order"],
  [U, "CamelCase"],
  [U, '"quoted"'],
  [U, "données 表"],
  [RESERVED, "table"],
];

function namesFixture(): string {
  const s = ident(U);
  const r = ident(RESERVED);
  return `
    create schema ${s};
    create schema ${r};
    create table ${s}."User Table" ("Id" integer primary key, "Mixed Case" text, "from" text,
                                    """q""" text, "a.b" integer, "é" text);
    create table ${s}."order" (id bigint generated always as identity primary key,
                               "user" integer not null references ${s}."User Table" ("Id"), "select" jsonb);
    create table ${s}."CamelCase" ("order" bigint references ${s}."order" (id), note text);
    create table ${s}."""quoted""" (k text primary key);
    create table ${s}."données 表" (clé text primary key, valeur numeric);
    create table ${s}."a.b" (x integer);
    create table ${r}."table" (id integer primary key, owner integer references ${s}."User Table" ("Id"));
    insert into ${s}."User Table" select g, 'Name ' || g, 'from ' || g, 'q"' || g, g * 2, 'é' || g
      from generate_series(1, 40) g;
    insert into ${s}."order" ("user", "select") select 1 + g % 40, jsonb_build_object('n', g, 'k', 'it''s')
      from generate_series(1, 120) g;
    insert into ${s}."CamelCase" select 1 + g % 120, 'note ' || g from generate_series(1, 30) g;
    insert into ${s}."CamelCase" values (1, 'duplicate'), (1, 'duplicate'), (null, null);
    insert into ${s}."""quoted""" values ('a'), ('b"c'), ('d''e');
    insert into ${s}."données 表" values ('clé 1', 1.5), ('clé 2', null), ('表', 3);
    insert into ${s}."a.b" values (1);
    insert into ${r}."table" select g, g from generate_series(1, 10) g;`;
}

Deno.test("names with quotes, spaces, capitals, unicode, dots and reserved words: backed up, excluded and restored exactly", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(namesFixture());
    // The settings as an admin would type them: the dotted table name is double-quoted.
    const config = parseConfig({
      SUPABASE_URL: "https://x.supabase.co",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
      SUPABASE_DB_URL: db.url,
      BACKUP_SCHEMAS: `${U}, ${RESERVED}`,
      BACKUP_EXCLUDE_TABLES: `${U}."a.b"`,
    });
    assert.deepEqual(config.problems, []);
    assert.deepEqual(config.schemas, [U, RESERVED]);
    assert.deepEqual(config.excludeTables, [{ schema: U, name: "a.b" }]);

    const file = await backupFile(db.url, config.schemas, { exclude: config.excludeTables });
    try {
      const report = await verifyFile(file.path);
      assert.deepEqual(
        report.tables.map((t) => [t.schema, t.name]).sort(),
        [...NAMED_TABLES].sort(),
        "every table once, the excluded one left out",
      );
      assert.deepEqual(report.header.source.excluded_tables, [{ schema: U, name: "a.b" }]);
      assert.equal(report.tables.find((t) => t.name === "CamelCase")?.rows, 33);
      // Parents come before the tables that reference them.
      const order = report.tables.map((t) => t.name);
      assert.ok(order.indexOf("User Table") < order.indexOf("order"));
      assert.ok(order.indexOf("order") < order.indexOf("CamelCase"));
      assert.ok(order.indexOf("User Table") < order.indexOf("table"));

      // Into a new schema (itself an awkward name): two source schemas, so tables are schema__table.
      const target = 'Restored "Copy" é';
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: target },
        schemas: [U, RESERVED],
        dryRun: false,
      });
      for (const [schema, table] of NAMED_TABLES) {
        assert.equal(await difference(db.sql, [schema, table], [target, `${schema}__${table}`]), 0, table);
      }

      // In place, after the app moved on: back to the backup, the excluded table untouched.
      await db.sql.unsafe(`
        create schema snap;
        create table snap.users as table ${ident(U)}."User Table";
        create table snap.orders as table ${ident(U)}."order";
        create table snap.camel as table ${ident(U)}."CamelCase";
        create table snap.reserved as table ${ident(RESERVED)}."table";
        delete from ${ident(U)}."CamelCase" where note = 'duplicate';
        update ${ident(U)}."User Table" set "from" = 'changed', """q""" = null;
        insert into ${ident(U)}."User Table" ("Id") values (41);
        insert into ${ident(U)}."order" ("user") values (41);
        delete from ${ident(RESERVED)}."table" where id > 5;
        insert into ${ident(U)}."a.b" values (2);`);
      const inPlace = await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "replace" },
        expected: { sha256: await sha256Of(file.path) },
        schemas: [U, RESERVED],
        dryRun: false,
      });
      assert.equal(inPlace.tables.length, NAMED_TABLES.length);
      assert.equal(await difference(db.sql, [U, "User Table"], ["snap", "users"]), 0);
      assert.equal(await difference(db.sql, [U, "order"], ["snap", "orders"]), 0);
      assert.equal(await difference(db.sql, [U, "CamelCase"], ["snap", "camel"]), 0, "duplicates are back");
      assert.equal(await difference(db.sql, [RESERVED, "table"], ["snap", "reserved"]), 0);
      assert.equal(await count(db.sql, U, "a.b"), 2, "the excluded table was left alone");
      const [{ orphans }] = await db.sql.unsafe(`
        select count(*)::int as orphans from ${ident(U)}."order" o
        left join ${ident(U)}."User Table" u on u."Id" = o."user" where u."Id" is null`);
      assert.equal(orphans, 0, "foreign keys hold after the restore");
      const [next] = await db.sql.unsafe(
        `insert into ${ident(U)}."order" ("user") values (1) returning id::int as id`,
      );
      assert.equal(next.id, 121, "the identity continues after the backup's last value");
    } finally {
      await file.remove();
    }
  });
});

Deno.test("an empty database backs up to a complete file and restores to nothing; a missing schema is refused by name", async () => {
  await withDatabase(async (db) => {
    const file = await backupFile(db.url, ["public"]);
    try {
      const report = await verifyFile(file.path);
      assert.equal(report.tables.length, 0);
      assert.equal(report.rowCount, 0);
      const restored = await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "empty_copy" },
        dryRun: false,
      });
      assert.equal(restored.tables.length, 0);
      assert.ok(await schemaExists(db.sql, "empty_copy"));
      assert.deepEqual(await tablesOf(db.sql, "empty_copy"), []);
      const inPlace = await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "replace" },
        expected: { sha256: await sha256Of(file.path) },
        dryRun: false,
      });
      assert.equal(inPlace.rowCount, 0);
    } finally {
      await file.remove();
    }

    // "Public" is not "public": a typo must not pass for an empty, successful backup.
    const handle = exportBackup({ dbUrl: db.url, schemas: ["public", "Public", "app"], exclude: [] });
    const drained = new Response(handle.stream).arrayBuffer().catch(() => null);
    await assert.rejects(
      handle.summary,
      /^Error: BACKUP_SCHEMAS lists schemas that do not exist in the database: "Public", "app"; fix the names \(schema names are case-sensitive\) or remove them$/,
    );
    await drained;
  });
});

Deno.test("tables without a primary key keep every row, duplicates included, in both restore modes", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(`
      create table public.events (at date, kind text, payload jsonb);
      insert into public.events values
        ('2026-01-01', 'a', '{"x": 1}'), ('2026-01-01', 'a', '{"x": 1}'), ('2026-01-01', 'a', '{"x": 1}'),
        (null, null, null), (null, null, null), ('2026-01-02', 'b', 'null');
      create table public.snapshot as table public.events;`);
    const file = await backupFile(db.url, ["public"], { exclude: [{ schema: null, name: "snapshot" }] });
    try {
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "copy" },
        dryRun: false,
      });
      assert.equal(await difference(db.sql, ["public", "events"], ["copy", "events"]), 0);
      const [{ keys }] = await db.sql`
        select count(*)::int as keys from pg_constraint where conrelid = 'copy.events'::regclass`;
      assert.equal(keys, 0, "no key was invented");
      await db.sql`delete from public.events where kind = 'a'`;
      await db.sql`insert into public.events values ('2030-01-01', 'new', null)`;
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "replace" },
        expected: { sha256: await sha256Of(file.path) },
        dryRun: false,
      });
      assert.equal(await difference(db.sql, ["public", "events"], ["public", "snapshot"]), 0);
      assert.equal(await count(db.sql, "public", "events"), 6);
    } finally {
      await file.remove();
    }
  });
});

Deno.test("partitioned tables: exported once through the parent; restored rows go back to their partitions", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(`
      create table public.readings (id bigint generated by default as identity, kind text not null,
                                    at date not null, value numeric, primary key (id, kind, at))
        partition by list (kind);
      create table public.readings_temp partition of public.readings for values in ('temp')
        partition by range (at);
      create table public.readings_temp_2025 partition of public.readings_temp
        for values from ('2025-01-01') to ('2026-01-01');
      create table public.readings_temp_2026 partition of public.readings_temp
        for values from ('2026-01-01') to ('2027-01-01');
      create table public.readings_other partition of public.readings default;
      insert into public.readings (kind, at, value)
        select case when g % 3 = 0 then 'wind' else 'temp' end, date '2025-11-01' + (g % 120), g / 10.0
        from generate_series(1, 300) g;`);
    const before = await db.sql<Array<{ part: string; n: number }>>`
      select tableoid::regclass::text as part, count(*)::int as n from public.readings group by 1 order by 1`;
    assert.equal(before.length, 3, "rows in every leaf partition");
    const file = await backupFile(db.url, ["public"]);
    try {
      const report = await verifyFile(file.path);
      assert.deepEqual(
        report.tables.map((t) => [t.name, t.rows]),
        [["readings", 300]],
        "once, via the parent",
      );
      assert.deepEqual(
        report.header.source.not_exported,
        [],
        "partitions are not 'skipped' relations either",
      );

      await db.sql`delete from public.readings where kind = 'wind'`;
      await db.sql`insert into public.readings (kind, at, value) values ('temp', '2026-06-01', 1)`;
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "replace" },
        expected: { sha256: await sha256Of(file.path) },
        dryRun: false,
      });
      const after = await db.sql<Array<{ part: string; n: number }>>`
        select tableoid::regclass::text as part, count(*)::int as n from public.readings group by 1 order by 1`;
      assert.deepEqual(after, before, "each row back in its partition");

      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "copy" },
        dryRun: false,
      });
      assert.deepEqual(await tablesOf(db.sql, "copy"), ["readings"], "one plain table in a new schema");
      assert.equal(await difference(db.sql, ["public", "readings"], ["copy", "readings"]), 0);
    } finally {
      await file.remove();
    }
  });
});

Deno.test("views and materialized views are listed in the file as not exported, and not restored as tables", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(`
      create table public.sales (id integer primary key, amount numeric not null);
      insert into public.sales select g, g * 1.5 from generate_series(1, 20) g;
      create view public.big_sales as select * from public.sales where amount > 10;
      create materialized view public."Sales Totals" as select sum(amount) as total from public.sales;`);
    const file = await backupFile(db.url, ["public"]);
    try {
      const report = await verifyFile(file.path);
      assert.deepEqual(report.tables.map((t) => t.name), ["sales"]);
      assert.deepEqual(report.header.source.not_exported, [
        { schema: "public", name: "Sales Totals", kind: "materialized view" },
        { schema: "public", name: "big_sales", kind: "view" },
      ]);
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "copy" },
        dryRun: false,
      });
      const [{ n }] = await db.sql`
        select count(*)::int as n from pg_class where relnamespace = 'copy'::regnamespace`;
      assert.deepEqual(await tablesOf(db.sql, "copy"), ["sales"]);
      assert.equal(n, 2, "the table and its primary key index, nothing else");
      // In place, the views keep working on the restored data.
      await db.sql`delete from public.sales`;
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "replace" },
        expected: { sha256: await sha256Of(file.path) },
        dryRun: false,
      });
      const [{ big }] = await db.sql`select count(*)::int as big from public.big_sales`;
      assert.equal(big, 14);
    } finally {
      await file.remove();
    }
  });
});

Deno.test("generated values are recomputed, identity, serial and owned sequences resume after an in-place restore", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(`
      create sequence public.ticket_no start 1000;
      create table public.invoices (
        id bigint generated always as identity primary key,
        line serial not null,
        ticket bigint not null default nextval('public.ticket_no'),
        total numeric(10, 2) not null,
        tax numeric generated always as (total * 0.2) stored
      );
      create table public.notes (id integer generated by default as identity primary key, body text);
      insert into public.invoices (total) select g * 10 from generate_series(1, 25) g;
      insert into public.notes (body) select 'note ' || g from generate_series(1, 5) g;`);
    const file = await backupFile(db.url, ["public"], { compression: "none" });
    try {
      const text = await Deno.readTextFile(file.path);
      assert.match(text, /"tax":50\.000/, "the file holds the generated value, for reading");
      // A file whose generated values were tampered with: restore ignores them and lets Postgres compute.
      const tampered = await Deno.makeTempFile({ suffix: ".json" });
      await Deno.writeTextFile(tampered, text.replaceAll(/"tax":[0-9.]+/g, '"tax":999'));
      try {
        // The app moved on: more invoices and notes, so every counter is past the backup's.
        await db.sql`insert into public.invoices (total) select 1 from generate_series(1, 10)`;
        await db.sql`insert into public.notes (body) values ('later')`;
        const report = await restoreBackup(db.sql, () => openBackupFile(tampered), {
          mode: { kind: "replace" },
          expected: { sha256: await sha256Of(tampered) },
          dryRun: false,
        });
        assert.equal(report.rowCount, 30);
        assert.ok(report.sequences >= 3, `sequences reset: ${report.sequences}`);
        const [{ wrong }] = await db.sql`
          select count(*)::int as wrong from public.invoices where tax is distinct from total * 0.2`;
        assert.equal(wrong, 0, "generated values come from Postgres, not from the file");
        // The app keeps inserting: no duplicate key, counters continue right after the backup's.
        const [next] = await db.sql`
          insert into public.invoices (total) values (7) returning id::int, line, ticket::int, tax::text`;
        assert.deepEqual({ ...next }, { id: 26, line: 26, ticket: 1025, tax: "1.400" });
        const [note] = await db.sql`insert into public.notes (body) values ('after') returning id`;
        assert.equal(note.id, 6);
      } finally {
        await Deno.remove(tampered);
      }

      // Into a new schema: a copy to inspect, so generated columns arrive as plain values.
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "copy" },
        dryRun: false,
      });
      const [{ generated }] = await db.sql`
        select count(*)::int as generated from pg_attribute
        where attrelid = 'copy.invoices'::regclass and attgenerated <> ''`;
      assert.equal(generated, 0);
      assert.equal(await count(db.sql, "copy", "invoices"), 25);
    } finally {
      await file.remove();
    }
  });
});

Deno.test("a 10 MB jsonb value round-trips exactly; a value over the reader's limit is refused before anything is written", async () => {
  await withDatabase(async (db) => {
    await db.sql.unsafe(`
      create table public.docs (id integer primary key, doc jsonb not null);
      insert into public.docs values (1, (
        select jsonb_build_object(
          'items', jsonb_agg(jsonb_build_object('k', g, 'v', md5(g::text), 'n', null, 'q', 'it''s "x"')),
          'blob', repeat('é', 1000000))
        from generate_series(1, 100000) g));
      insert into public.docs values (2, '{"small": true}');`);
    const [{ size }] = await db
      .sql`select octet_length(doc::text)::int as size from public.docs where id = 1`;
    assert.ok(size > 10_000_000, `the value is ${size} bytes`);
    const file = await backupFile(db.url, ["public"]);
    try {
      const report = await verifyFile(file.path);
      assert.equal(report.rowCount, 2);
      await restoreBackup(db.sql, () => openBackupFile(file.path), {
        mode: { kind: "schema", schema: "copy" },
        dryRun: false,
      });
      const [{ same }] = await db.sql`
        select (select md5(doc::text) from public.docs where id = 1)
             = (select md5(doc::text) from copy.docs where id = 1) as same`;
      assert.equal(same, true);

      // A limit below the row's size stands for a row too large to restore (the default is 256 MiB).
      await assert.rejects(
        verifyFile(file.path, { maxValueChars: 1024 * 1024 }),
        /^BackupFileError: row 1 of "public\.docs" at character \d+ is larger than 1 MiB, more than a restore can handle: this file cannot be verified or restored by this tool$/,
      );
      await assert.rejects(
        restoreBackup(db.sql, () => openBackupFile(file.path), {
          mode: { kind: "schema", schema: "refused" },
          dryRun: false,
          maxRowChars: 1024 * 1024,
        }),
        /row 1 of "public\.docs" .* is larger than 1 MiB/,
      );
      assert.equal(await schemaExists(db.sql, "refused"), false, "nothing was written");
    } finally {
      await file.remove();
    }
  });
});

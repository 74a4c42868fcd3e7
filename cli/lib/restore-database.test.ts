import assert from "node:assert/strict";
import postgres from "postgres";
import { openBackupFile } from "../../supabase/functions/_shared/backup/format/backup-reader.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../tests/support/scratch-database.ts";
import {
  AWKWARD_TABLE_NAME,
  AWKWARD_TABLE_ROWS,
  awkwardFixtureSql,
  ident,
} from "../../tests/support/awkward-fixture.ts";
import { writeBackupFile } from "../../tests/support/backup-file.ts";
import { defaultRestoreSchema, isSafeTypeName, restoreBackup } from "./restore-database.ts";

type Sql = postgres.Sql;

/** Rows of a that are not in b plus rows of b not in a (json compared as text, which has no `=`). */
async function difference(sql: Sql, a: string, b: string, table: string, bTable = table): Promise<number> {
  const cols = await sql<Array<{ name: string; type: string }>>`
    select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
    where attrelid = to_regclass(format('%I.%I', ${a}::text, ${table}::text)) and attnum > 0 and not attisdropped
    order by attnum`;
  const list = cols.map((c) => (c.type === "json" ? `${ident(c.name)}::text` : ident(c.name))).join(", ");
  const qa = `${ident(a)}.${ident(table)}`;
  const qb = `${ident(b)}.${ident(bTable)}`;
  const [{ n }] = await sql.unsafe(`
    select (select count(*) from (select ${list} from ${qa} except all select ${list} from ${qb}) x)
         + (select count(*) from (select ${list} from ${qb} except all select ${list} from ${qa}) y) as n`);
  return Number(n);
}

async function withFixture(
  fn: (db: ScratchDatabase, file: string, sha256: string) => Promise<void>,
): Promise<void> {
  const db = await createScratchDatabase();
  let file: string | undefined;
  try {
    await db.sql.unsafe(awkwardFixtureSql("app"));
    const written = await writeBackupFile(db.url, ["app"]);
    file = written.path;
    await fn(db, file, written.sha256);
  } finally {
    if (file) await Deno.remove(file).catch(() => {});
    await db.drop();
  }
}

Deno.test("type names are tokenized strictly before they reach CREATE TABLE", () => {
  for (
    const ok of [
      "integer",
      "numeric(40,10)",
      "timestamp(3) with time zone",
      'public."My Type"[]',
      "app.mood[]",
      "bit varying(16)",
    ]
  ) {
    assert.ok(isSafeTypeName(ok), ok);
  }
  for (const bad of ["int); drop table x; --", "text -- x", "int'", 'a."b', "", "int /* */"]) {
    assert.ok(!isSafeTypeName(bad), bad);
  }
  assert.equal(defaultRestoreSchema(new Date(Date.UTC(2026, 10, 24, 2, 3, 4))), "restore_20261124_020304");
});

Deno.test("restore drill: every awkward value comes back equal, row for row, in a new schema", async () => {
  await withFixture(async (db, file) => {
    const progress: string[] = [];
    const report = await restoreBackup(db.sql, () => openBackupFile(file), {
      mode: { kind: "schema", schema: "restored" },
      schemas: ["app"],
      dryRun: false,
      onProgress: (m) => progress.push(m),
    });
    assert.equal(report.tables.length, Object.keys(AWKWARD_TABLE_ROWS).length);
    for (const [table, rows] of Object.entries(AWKWARD_TABLE_ROWS)) {
      const restored = report.tables.find((t) => t.source === `app.${table}`);
      assert.equal(restored?.rows, rows, table);
      assert.equal(await difference(db.sql, "app", "restored", table), 0, `${table} differs`);
    }
    assert.ok(progress.some((p) => p.startsWith("Restored app.big_table → restored.big_table: 25000 rows")));
    // The distinctions that naive JSON loses.
    const [row] = await db.sql`select doc is null as sql_null, doc = 'null'::jsonb as json_null,
                                      doc_text::text as doc_text, big::text as big, num::text as num
                               from restored.awkward where id = 2`;
    assert.deepEqual({ ...row }, {
      sql_null: false,
      json_null: true,
      doc_text: "null",
      big: "-9223372036854775808",
      num: "NaN",
    });
    const [one] = await db
      .sql`select doc_text::text as t, big::text as big from restored.awkward where id = 1`;
    assert.equal(one.t, '{ "dup": 1,\n      "dup": 2 }');
    assert.equal(one.big, "9007199254740993");
    const [none] = await db.sql`select doc is null as n from restored.awkward where id = 5`;
    assert.equal(none.n, true);
    const weird = await db.sql`select "$json_null" as marker, payload is null as sql_null from restored.${
      db.sql(AWKWARD_TABLE_NAME)
    } order by 1 nulls last, 2`;
    assert.equal(weird[0].marker, "a real column named like the marker");
  });
});

Deno.test("in place: tables refilled in one transaction, triggers silent, generated columns recomputed, sequences reset", async () => {
  await withFixture(async (db, file, sha256) => {
    await db.sql.unsafe(`
      create schema snap;
      create table snap.a_child as table app.a_child;
      create table snap.measurements as table app.measurements;
      create table snap.awkward as table app.awkward;
      create table audit_log (tbl text, at timestamptz default now());
      create function log_insert() returns trigger language plpgsql as $$
        begin insert into public.audit_log (tbl) values (tg_table_name); return new; end $$;
      create trigger a_child_audit after insert on app.a_child for each row execute function log_insert();
      -- The app moved on after the backup.
      delete from app.a_child where id > 100;
      update app.awkward set note = 'changed', doc = '{"changed": true}';
      insert into app.measurements (taken_on, celsius) values ('2026-06-01', 20);
      insert into app.z_parent values (999, 'new parent');
      insert into app.a_child values (999, 999, 'new child');
      delete from audit_log;`);
    const report = await restoreBackup(db.sql, () => openBackupFile(file), {
      mode: { kind: "replace" },
      schemas: ["app"],
      expected: { sha256 },
      dryRun: false,
    });
    assert.equal(report.rowCount, Object.values(AWKWARD_TABLE_ROWS).reduce((a, b) => a + b, 0));
    assert.ok(report.sequences >= 2);
    for (const table of ["a_child", "measurements", "awkward"]) {
      assert.equal(await difference(db.sql, "app", "snap", table), 0, `${table} is back to the backup`);
    }
    const [{ n: audits }] = await db.sql`select count(*)::int as n from audit_log`;
    assert.equal(audits, 0, "the restore fired no trigger");
    const [{ n: newParent }] = await db.sql`select count(*)::int as n from app.z_parent where id = 999`;
    assert.equal(newParent, 0);
    // The app keeps inserting: identity and sequences continue after the restored ids.
    const [m] = await db.sql`insert into app.measurements (taken_on, celsius) values ('2026-07-01', 10)
                             returning id, fahrenheit::text as f`;
    assert.equal(Number(m.id), 21, "identity resumes right after the backup's last value");
    assert.equal(m.f, "50.0000000000000000");
    const [c] = await db.sql`insert into app.counters (hits) values (1) returning id`;
    assert.equal(c.id, 8);
  });
});

Deno.test("dry run rolls everything back; an existing schema or a truncated file is refused before writing", async () => {
  await withFixture(async (db, file) => {
    const dry = await restoreBackup(db.sql, () => openBackupFile(file), {
      mode: { kind: "schema", schema: "dry" },
      schemas: ["app"],
      dryRun: true,
    });
    assert.equal(dry.dryRun, true);
    assert.equal(dry.tables.length, 7);
    const [{ exists }] = await db.sql`select to_regnamespace('dry') is not null as exists`;
    assert.equal(exists, false);

    await assert.rejects(
      restoreBackup(db.sql, () => openBackupFile(file), {
        mode: { kind: "schema", schema: "app" },
        schemas: ["app"],
        dryRun: false,
      }),
      /Cannot restore into schema "app": it already exists/,
    );

    const bytes = await Deno.readFile(file);
    const cut = await Deno.makeTempFile();
    await Deno.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    try {
      await db.sql`delete from app.a_child where id > 150`;
      await assert.rejects(
        restoreBackup(db.sql, () => openBackupFile(cut), {
          mode: { kind: "replace" },
          schemas: ["app"],
          dryRun: false,
        }),
        /gzip data is corrupt or truncated|ends abruptly/,
      );
      const [{ n }] = await db.sql`select count(*)::int as n from app.a_child`;
      assert.equal(n, 150, "nothing was written");
    } finally {
      await Deno.remove(cut);
    }
  });
});

Deno.test("restoring into a database that lacks the app's types says which ones", async () => {
  await withFixture(async (_db, file) => {
    const empty = await createScratchDatabase();
    try {
      await assert.rejects(
        restoreBackup(empty.sql, () => openBackupFile(file), {
          mode: { kind: "schema", schema: "r" },
          schemas: ["app"],
          dryRun: false,
        }),
        /column types do not exist in this database: "mood" \(app\.mood\)/,
      );
      await assert.rejects(
        restoreBackup(empty.sql, () => openBackupFile(file), {
          mode: { kind: "replace" },
          schemas: ["app"],
          dryRun: false,
        }),
        /Cannot restore in place: these tables do not exist in the database: .*"app\.awkward"/,
      );
    } finally {
      await empty.drop();
    }
  });
});

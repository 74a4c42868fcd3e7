import assert from "node:assert/strict";
import postgres from "postgres";
import {
  exportBackup,
  type ExportOptions,
} from "../../../../supabase/functions/_shared/backup/export/export.ts";
import { orderTables } from "../../../../supabase/functions/_shared/backup/export/catalog.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/scratch-database.ts";
import {
  AWKWARD_TABLE_NAME,
  AWKWARD_TABLE_ROWS,
  awkwardFixtureSql,
  LARGE_TABLE_ROWS,
} from "../../../support/awkward-fixture.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

// deno-lint-ignore no-explicit-any
type Doc = any;

/** An export of the `public` schema, nothing excluded. */
function exportPublic(dbUrl: string, options: Partial<ExportOptions> = {}) {
  return exportBackup({ dbUrl, schemas: ["public"], exclude: [], ...options });
}

/** A second connection to the scratch database, to change or lock it while an export runs. */
function sideConnection(db: ScratchDatabase) {
  return postgres(db.url, { max: 1, onnotice: () => {} });
}

Deno.test("orderTables puts referenced tables first and tolerates cycles", () => {
  const t = (name: string, refs: string[] = []) => ({
    schema: "s",
    name,
    references: refs.map((r) => ({ schema: "s", name: r })),
  });
  const ordered = orderTables([
    t("a", ["b"]),
    t("b", ["c"]),
    t("c"),
    t("self", ["self"]),
    t("x", ["y"]),
    t("y", ["x"]),
  ]).map((x) => x.name);
  assert.ok(ordered.indexOf("c") < ordered.indexOf("b"));
  assert.ok(ordered.indexOf("b") < ordered.indexOf("a"));
  assert.ok(ordered.includes("self"));
  assert.deepEqual(ordered.slice(-2), ["x", "y"], "a cycle keeps name order at the end");
  assert.equal(ordered.length, 6);
});

Deno.test("export writes every table of the schemas as Postgres' own JSON, in one document", async () => {
  const db = await createScratchDatabase();
  try {
    await db.sql.unsafe(awkwardFixtureSql("app"));
    await db.sql.unsafe(`create table app.skip_me (id int); insert into app.skip_me values (1);
                         create table public.backup_runs (id int); insert into public.backup_runs values (1);
                         create table public.other (id int primary key); insert into public.other values (7);`);
    const handle = exportBackup({
      dbUrl: db.url,
      schemas: ["app", "public"],
      exclude: [{ schema: "app", name: "skip_me" }],
      chunkSize: 4096,
    });
    const text = await readAll(handle.stream);
    const summary = await handle.summary;
    const doc: Doc = JSON.parse(text);

    // Shape: format v1, complete last.
    assert.equal(doc.format, "supabase-backup");
    assert.equal(doc.version, 1);
    assert.deepEqual(Object.keys(doc).at(-1), "complete");
    assert.equal(doc.complete, true);
    assert.match(doc.source.postgres_version, /^\d+/);
    assert.deepEqual(doc.source.schemas, ["app", "public"]);

    const names = doc.tables.map((t: Doc) => `${t.schema}.${t.name}`);
    // Every table, partitions once through their parent, exclusions and backup_runs left out.
    assert.deepEqual(
      [...names].sort(),
      [...Object.keys(AWKWARD_TABLE_ROWS).map((n) => `app.${n}`), "public.other"].sort(),
    );
    assert.ok(!names.includes("app.measurements_2025"));
    assert.ok(names.indexOf("app.z_parent") < names.indexOf("app.a_child"), "parents before children");
    assert.deepEqual(doc.source.excluded_tables, [
      { schema: "app", name: "skip_me" },
      { schema: "public", name: "backup_runs" },
    ]);
    assert.deepEqual(
      doc.source.not_exported.map((r: Doc) => `${r.name}:${r.kind}`).sort(),
      ["child_counts:materialized view", "parent_names:view"],
    );

    for (const t of doc.tables) {
      assert.equal(t.rows.length, t.row_count, `${t.name}: rows array matches row_count`);
      if (t.schema === "app") assert.equal(t.row_count, AWKWARD_TABLE_ROWS[t.name], t.name);
    }
    assert.equal(summary.rowCount, doc.tables.reduce((s: number, t: Doc) => s + t.row_count, 0));
    assert.equal(summary.tableCount, doc.tables.length);
    assert.equal(doc.tables.find((t: Doc) => t.name === "big_table").rows.length, LARGE_TABLE_ROWS);

    // Column metadata.
    const measurements = doc.tables.find((t: Doc) => t.name === "measurements");
    assert.equal(measurements.kind, "partitioned table");
    const col = (t: Doc, n: string) => t.columns.find((c: Doc) => c.name === n);
    assert.equal(col(measurements, "fahrenheit").generated, true);
    assert.equal(col(measurements, "id").identity, "always");
    assert.equal(col(measurements, "celsius").type, "numeric(5,2)");
    assert.equal(col(measurements, "celsius").nullable, false);
    const awkward = doc.tables.find((t: Doc) => t.name === "awkward");
    assert.equal(col(awkward, "mood").type, "app.mood", "user types are schema-qualified");
    assert.deepEqual(awkward.primary_key, ["id"]);
    assert.deepEqual(doc.tables.find((t: Doc) => t.name === "a_child").references, [{
      schema: "app",
      name: "z_parent",
    }]);

    // Values: Postgres' JSON text, untouched (digits beyond 2^53 survive in the text).
    assert.match(text, /"big":9007199254740993,/);
    assert.match(text, /"num":123456789012345678901234567890\.123456789,/);
    assert.match(text, /"f8":"NaN"/);
    assert.match(text, /"f4":"Infinity"/);
    assert.match(text, /"bytes":"\\\\x00ff10"/);
    assert.match(text, /"span":"P1Y2M-3DT4H5M6\.789S"/, "intervals in ISO 8601");
    assert.match(text, /"at":"2026-03-29T00:30:00\.123456\+00:00"/, "timestamptz in UTC");
    assert.match(
      text,
      /"doc_text":\{ "dup": 1,\n {6}"dup": 2 \}/,
      "json text kept verbatim, line break included",
    );
    const row2 = awkward.rows.find((r: Doc) => r.id === 2);
    assert.equal(row2.doc, null);
    assert.deepEqual(
      row2[awkward.json_null_key],
      ["doc", "doc_text"],
      "JSON null is told apart from SQL NULL",
    );
    const row5 = awkward.rows.find((r: Doc) => r.id === 5);
    assert.equal(row5[awkward.json_null_key], undefined, "SQL NULL rows carry no marker");
    const weird = doc.tables.find((t: Doc) => t.name === AWKWARD_TABLE_NAME);
    assert.equal(weird.json_null_key, "$$json_null", "a real column named like the marker gets another key");
    assert.equal(weird.rows[0]["$json_null"], "a real column named like the marker");

    // Sequences of exported tables, with their values.
    const counters = doc.sequences.find((s: Doc) => s.name === "counters_id_seq");
    assert.equal(counters.last_value, "7");
  } finally {
    await db.drop();
  }
});

Deno.test("export reads one snapshot: rows committed while it runs are not in the file", async () => {
  const db = await createScratchDatabase();
  const other = sideConnection(db);
  try {
    await db.sql.unsafe(`
      create table public.a_first (id int primary key, pad text);
      insert into public.a_first select g, repeat('x', 200) from generate_series(1, 5000) g;
      create table public.z_last (id int primary key);
      insert into public.z_last select generate_series(1, 10);`);
    const handle = exportPublic(db.url, { chunkSize: 1024 });
    const reader = handle.stream.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const first = await reader.read();
    text += decoder.decode(first.value!, { stream: true });
    // The export is still in its first table (the stream is backpressured): change both tables now.
    await other`insert into public.z_last select generate_series(11, 20)`;
    await other`insert into public.a_first values (5001, 'late')`;
    await other`delete from public.a_first where id <= 100`;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const doc: Doc = JSON.parse(text + decoder.decode());
    const byName = Object.fromEntries(doc.tables.map((t: Doc) => [t.name, t]));
    assert.equal(byName.a_first.row_count, 5000);
    assert.ok(byName.a_first.rows.some((r: Doc) => r.id === 1), "deleted rows are still in the snapshot");
    assert.equal(byName.z_last.row_count, 10);
  } finally {
    await other.end();
    await db.drop();
  }
});

Deno.test("export of an empty schema is a valid, complete document", async () => {
  const db = await createScratchDatabase();
  try {
    const handle = exportPublic(db.url);
    const doc: Doc = JSON.parse(await readAll(handle.stream));
    assert.deepEqual(doc.tables, []);
    assert.equal(doc.complete, true);
    assert.equal((await handle.summary).rowCount, 0);
  } finally {
    await db.drop();
  }
});

Deno.test("export fails loudly when the connection dies mid-export, and never completes the document", async () => {
  const db = await createScratchDatabase();
  const killer = sideConnection(db);
  try {
    await db.sql.unsafe(`create table public.t (id int primary key, pad text);
      insert into public.t select g, repeat('y', 500) from generate_series(1, 20000) g;`);
    const handle = exportPublic(db.url, { chunkSize: 1024 });
    const reader = handle.stream.getReader();
    let text = "";
    const decoder = new TextDecoder();
    const { value } = await reader.read();
    text += decoder.decode(value!, { stream: true });
    await killer`select pg_terminate_backend(pid) from pg_stat_activity
                 where datname = current_database() and pid <> pg_backend_pid()`;
    await assert.rejects(async () => {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        text += decoder.decode(r.value, { stream: true });
      }
    });
    await assert.rejects(handle.summary);
    assert.ok(!text.includes('"complete":true'));
  } finally {
    await killer.end();
    await db.drop();
  }
});

Deno.test("export outlasts the session's statement_timeout, but not a lock held past lockTimeoutMs", async () => {
  const db = await createScratchDatabase();
  const holder = sideConnection(db);
  const releases: Promise<void>[] = [];
  /** Locks the table, then releases it after `ms`; resolves once the lock is held. */
  const hold = async (ms: number) => {
    const conn = await holder.reserve();
    await conn`begin`;
    await conn`lock table public.t in access exclusive mode`;
    const released = new Promise<void>((resolve) =>
      setTimeout(async () => {
        await conn`rollback`;
        conn.release();
        resolve();
      }, ms)
    );
    releases.push(released);
    return { released };
  };
  const exportWith = (lockTimeoutMs: number) => {
    // The role's (or the server's) statement_timeout, as the session starts with it.
    const url = new URL(db.url);
    url.searchParams.set("statement_timeout", "200");
    const handle = exportPublic(url.toString(), { lockTimeoutMs });
    return { text: readAll(handle.stream).catch(() => ""), summary: handle.summary };
  };
  try {
    await db.sql.unsafe(`create table public.t (id int primary key); insert into public.t values (1), (2);`);

    // Waiting 700 ms for the lock is beyond the 200 ms statement timeout: the export still completes.
    const { released } = await hold(700);
    const patient = exportWith(5000);
    assert.equal((await patient.summary).rowCount, 2);
    assert.match(await patient.text, /"complete":true}\n$/);
    await released;

    // A lock held longer than the export's lock timeout fails it with Postgres' lock_not_available.
    const { released: stillHeld } = await hold(1500);
    const blocked = exportWith(300);
    await assert.rejects(blocked.summary, (error: { code?: string }) => error.code === "55P03");
    assert.ok(!(await blocked.text).includes('"complete":true'));
    await stillHeld;
  } finally {
    await Promise.all(releases);
    await holder.end();
    await db.drop();
  }
});

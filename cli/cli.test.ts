/** The three commands run as the user runs them: a Deno subprocess, exit codes and output. */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { parseEnvFile } from "./lib/env-files.ts";
import { createScratchDatabase } from "../tests/support/scratch-database.ts";
import { writeBackupFile } from "../tests/support/backup-file.ts";
import { cli } from "../tests/support/cli.ts";

const DOC = {
  format: "supabase-backup",
  version: 1,
  created_at: "2026-11-24T02:00:00Z",
  source: {
    postgres_version: "17.2",
    schemas: ["public"],
    not_exported: [{ schema: "public", name: "v", kind: "view" }],
  },
  tables: [{
    schema: "public",
    name: "t",
    columns: [{ name: "id", type: "integer", nullable: false }],
    rows: [{ id: 1 }, { id: 2 }],
    row_count: 2,
  }],
  sequences: [],
  complete: true,
};

async function tempFile(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".json.gz" });
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("env files: comments, quotes, export prefixes", () => {
  assert.deepEqual(
    parseEnvFile('# c\nA=1\nexport B="two words"\nC=\'x#y\'\nD=plain # note\n\nbad line\nE="a\\nb"'),
    { A: "1", B: "two words", C: "x#y", D: "plain", E: "a\nb" },
  );
});

Deno.test("npm run verify: a sound file passes with its hashes; broken ones fail with a reason", async () => {
  const good = await tempFile(gzipSync(new TextEncoder().encode(JSON.stringify(DOC))));
  const text = JSON.stringify(DOC);
  const truncated = await tempFile(gzipSync(new TextEncoder().encode(text.slice(0, text.length - 30))));
  const wrong = await tempFile(new TextEncoder().encode(JSON.stringify({ ...DOC, format: "other" })));
  const miscounted = await tempFile(new TextEncoder().encode(text.replace('"row_count":2', '"row_count":3')));
  try {
    const ok = await cli("verify.ts", [good]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /format supabase-backup v1, created 2026-11-24T02:00:00Z, PostgreSQL 17\.2/);
    assert.match(ok.stdout, /public\.t\s+2 rows/);
    assert.match(ok.stdout, /public\.v\s+not exported \(view\)/);
    assert.match(ok.stdout, /SHA-256\s+[0-9a-f]{64}/);
    assert.match(ok.stdout, /QuickXorHash\s+[A-Za-z0-9+/]{27}=/);
    assert.match(ok.stdout, /OK: the backup is complete and its counts match/);
    const sha = /SHA-256\s+([0-9a-f]{64})/.exec(ok.stdout)![1];
    assert.equal((await cli("verify.ts", [good, "--sha256", sha])).code, 0);
    const mismatch = await cli("verify.ts", [good, "--sha256", "0".repeat(64)]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /the file differs from the expected one: SHA-256 is/);

    const cut = await cli("verify.ts", [truncated]);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /^Cannot verify ".*": the file ends abruptly/);
    const other = await cli("verify.ts", [wrong]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /this is not a backup file of this tool \(its format is "other"/);
    const count = await cli("verify.ts", [miscounted]);
    assert.equal(count.code, 1);
    assert.match(count.stderr, /table "public\.t" holds 2 rows but its "row_count" says 3/);
    const missing = await cli("verify.ts", ["/nonexistent/backup.json.gz"]);
    assert.equal(missing.code, 1);
    assert.equal((await cli("verify.ts", [])).code, 2);
  } finally {
    for (const f of [good, truncated, wrong, miscounted]) await Deno.remove(f);
  }
});

Deno.test("npm run restore: dry run and a real restore into a new schema; bad arguments", async () => {
  const db = await createScratchDatabase();
  let file: string | undefined;
  try {
    await db.sql.unsafe(`create table public.items (id int primary key, name text);
                         insert into public.items select g, 'item ' || g from generate_series(1, 42) g;`);
    file = (await writeBackupFile(db.url, ["public"])).path;
    const env = { SUPABASE_DB_URL: db.url };
    const dry = await cli("restore.ts", [file, "--dry-run"], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /into schema "restore_\d{8}_\d{6}" \(dry run\)/);
    assert.match(dry.stdout, /Restored public\.items → restore_\d{8}_\d{6}\.items: 42 rows/);
    assert.match(dry.stdout, /Dry run: .*nothing was written/);
    const real = await cli("restore.ts", [file, "--into-schema", "copy"], env);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /Done: the backup's tables are in schema "copy"/);
    const [{ n }] = await db.sql`select count(*)::int as n from copy.items`;
    assert.equal(n, 42);
    const again = await cli("restore.ts", [file, "--into-schema", "copy"], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Cannot restore ".*": Cannot restore into schema "copy": it already exists/);
    assert.match(again.stderr, /Nothing was written/);
    const both = await cli("restore.ts", [file, "--into-schema", "x", "--replace"], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /choose either --into-schema or --replace/);
    const elsewhere = await Deno.makeTempDir();
    try {
      const noDb = await cli("restore.ts", [file], {}, new URL(`file://${elsewhere}/`));
      assert.equal(noDb.code, 2);
      assert.match(noDb.stderr, /^Cannot restore: SUPABASE_DB_URL is not set/);
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  } finally {
    if (file) await Deno.remove(file);
    await db.drop();
  }
});

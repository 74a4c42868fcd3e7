/**
 * Backup files that must not be trusted: truncated, corrupted (including corruption only a hash can
 * reveal), of another format or version, or changed while being read. `npm run verify` and
 * `npm run restore` refuse each one with a message saying what is wrong, and a refused restore leaves
 * the database exactly as it was: the file is checked end to end before the transaction opens, and
 * anything that still goes wrong inside it rolls everything back.
 *
 * How verify and restore know the expected hash: the run row records `sha256` and `quick_xor_hash`
 * (the Settings page shows both in the run's details; OneDrive shows the QuickXorHash of its copy);
 * pass them with `--sha256` / `--quick-xor-hash`. Without them, a change that keeps the file valid
 * JSON (a digit) cannot be detected, and verify says so by printing the hashes to compare.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { openBackup, openBackupFile } from "../../supabase/functions/_shared/backup/format/backup-reader.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database.ts";
import { restoreBackup } from "../../cli/lib/restore-database.ts";
import { type BackupFile, backupFile, count, schemaExists } from "../support/round-trip.ts";
import { cli } from "../support/cli.ts";

interface Fixture {
  db: ScratchDatabase;
  gzip: BackupFile;
  plain: BackupFile;
  text: string;
  env: Record<string, string>;
  temp(name: string, bytes: Uint8Array | string): Promise<string>;
}

async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const db = await createScratchDatabase();
  const dir = await Deno.makeTempDir({ prefix: "bad-files-" });
  let gzip: BackupFile | undefined;
  let plain: BackupFile | undefined;
  try {
    await db.sql.unsafe(`
      create table public.accounts (id integer primary key, name text not null);
      create table public.ledger (id integer primary key, account_id integer not null references public.accounts,
                                  amount numeric(12, 2) not null);
      insert into public.accounts select g, 'account ' || g from generate_series(1, 50) g;
      insert into public.ledger select g, 1 + g % 50, g * 1.25 from generate_series(1, 400) g;`);
    gzip = await backupFile(db.url, ["public"]);
    plain = await backupFile(db.url, ["public"], { compression: "none" });
    const text = await Deno.readTextFile(plain.path);
    await fn({
      db,
      gzip,
      plain,
      text,
      env: { SUPABASE_DB_URL: db.url },
      async temp(name, bytes) {
        const path = `${dir}/${name}`;
        if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
        else await Deno.writeFile(path, bytes);
        return path;
      },
    });
  } finally {
    await gzip?.remove();
    await plain?.remove();
    await Deno.remove(dir, { recursive: true });
    await db.drop();
  }
}

/** The app's data as it is now, to prove a refused restore changed nothing. */
async function state(db: ScratchDatabase): Promise<string> {
  const [{ digest }] = await db.sql`
    select md5((select string_agg(a::text, ',' order by id) from public.accounts a)
            || (select string_agg(l::text, ',' order by id) from public.ledger l)) as digest`;
  return digest;
}

async function expectRefused(
  f: Fixture,
  file: string,
  reason: RegExp,
  options: { verify?: boolean; args?: string[] } = {},
): Promise<void> {
  if (options.verify !== false) {
    const verify = await cli("verify.ts", [file, ...(options.args ?? [])]);
    assert.equal(verify.code, 1, `verify ${file}: ${verify.stdout}`);
    assert.match(
      verify.stderr,
      new RegExp(`^Cannot verify ".*": ${reason.source}`),
      `verify ${file}: ${verify.stderr}`,
    );
    assert.doesNotMatch(verify.stdout, /^OK/m);
  }
  const before = await state(f.db);
  for (const mode of [["--into-schema", "restored"], ["--replace", "--yes"]]) {
    const restore = await cli("restore.ts", [file, ...mode, ...(options.args ?? [])], f.env);
    assert.equal(restore.code, 1, `restore ${mode[0]} ${file}: ${restore.stdout}${restore.stderr}`);
    assert.match(restore.stderr, new RegExp(`^Cannot restore ".*": .*${reason.source}`), `restore ${file}`);
    assert.match(restore.stderr, /Nothing was written \(the restore runs in one transaction\)/);
    assert.equal(await schemaExists(f.db.sql, "restored"), false, "no schema was created");
    assert.equal(await state(f.db), before, "the tables are as they were");
  }
}

Deno.test("truncated and incomplete files are refused by verify and restore; nothing is written", async () => {
  await withFixture(async (f) => {
    // The app moved on since the backup: a refused in-place restore must keep this state.
    await f.db.sql`update public.accounts set name = 'changed since the backup' where id <= 10`;
    const gz = await Deno.readFile(f.gzip.path);
    const lastRow = f.text.lastIndexOf('{"id":');
    const cases: Array<[string, Uint8Array | string, RegExp]> = [
      ["cut.json.gz", gz.subarray(0, Math.floor(gz.length * 0.6)), /the gzip data is corrupt or truncated/],
      ["cut-in-row.json", f.text.slice(0, lastRow + 8), /the file ends abruptly after \d+ characters/],
      [
        "cut-before-end.json",
        f.text.slice(0, f.text.indexOf(',"complete":true')),
        /the file ends abruptly/,
      ],
      [
        "not-complete.json",
        f.text.replace('"complete":true', '"complete":false'),
        /the file is incomplete: it does not end with "complete": true/,
      ],
      ["empty.json", "", /the file is empty/],
    ];
    for (const [name, bytes, reason] of cases) await expectRefused(f, await f.temp(name, bytes), reason);
  });
});

Deno.test("corruption: a damaged gzip, a broken row, and a changed value only the recorded hashes reveal", async () => {
  await withFixture(async (f) => {
    const gz = new Uint8Array(await Deno.readFile(f.gzip.path));
    const flipped = gz.slice();
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    // Inflating damaged data yields garbage before the gzip checksum fails: either is reported.
    await expectRefused(
      f,
      await f.temp("flipped.json.gz", flipped),
      /(the gzip data is corrupt or truncated|the file is not valid JSON at character \d+)/,
    );

    const brokenRow = f.text.replace('{"id":7,', '{"id":7,,');
    await expectRefused(
      f,
      await f.temp("broken-row.json", brokenRow),
      /the file is not valid JSON at character \d+/,
    );

    // A digit changed: still a well-formed backup, so only the hashes tell.
    const changed = f.text.replace('"amount":8.75}', '"amount":9.75}');
    assert.notEqual(changed, f.text);
    const path = await f.temp("changed.json", changed);
    const unaware = await cli("verify.ts", [path]);
    assert.equal(unaware.code, 0, "without the expected hash the file looks sound");
    assert.match(unaware.stdout, /^SHA-256\s+[0-9a-f]{64}$/m, "verify prints the hash to compare");
    const wrongSha = await cli("verify.ts", [path, "--sha256", f.plain.sha256]);
    assert.equal(wrongSha.code, 1);
    assert.match(
      wrongSha.stderr,
      new RegExp(
        `the file differs from the expected one: SHA-256 is [0-9a-f]{64}, expected ${f.plain.sha256}`,
      ),
    );
    await expectRefused(
      f,
      path,
      /the file is not the expected backup \(corrupted or another file\): its SHA-256/,
      {
        verify: false,
        args: ["--sha256", f.plain.sha256],
      },
    );
    await expectRefused(f, path, /its QuickXorHash is \S+, expected/, {
      verify: false,
      args: ["--quick-xor-hash", f.plain.quickXorHash],
    });
    // The untouched file with its recorded hashes restores.
    const good = await cli(
      "restore.ts",
      [
        f.plain.path,
        "--into-schema",
        "good",
        "--sha256",
        f.plain.sha256,
        "--quick-xor-hash",
        f.plain.quickXorHash,
      ],
      f.env,
    );
    assert.equal(good.code, 0, good.stderr);
    assert.equal(await count(f.db.sql, "good", "ledger"), 400);
    const usage = await cli("restore.ts", [f.plain.path, "--sha256", "not-a-hash"], f.env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^Cannot restore: --sha256 must be 64 hexadecimal characters/);
  });
});

Deno.test("other formats and versions are refused with what the file is", async () => {
  await withFixture(async (f) => {
    const doc = JSON.parse(f.text);
    const cases: Array<[string, Uint8Array | string, RegExp]> = [
      [
        "v2.json",
        JSON.stringify({ ...doc, version: 2 }),
        /the file uses format version 2, but this tool reads version 1; use a matching version of the tool/,
      ],
      [
        "other.json",
        JSON.stringify({ format: "pg_dump", version: 1, tables: [] }),
        /this is not a backup file of this tool \(its format is "pg_dump", expected "supabase-backup"\)/,
      ],
      [
        "no-format.json",
        JSON.stringify({ tables: [], complete: true }),
        /this is not a backup file of this tool \(no "format": "supabase-backup" at its start\)/,
      ],
      [
        "dump.sql",
        "--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n",
        /this is not a backup file of this tool \(not a JSON document\)/,
      ],
      ["array.json", "[1, 2, 3]", /this is not a backup file of this tool \(not a JSON document\)/],
      [
        "dump.sql.gz",
        gzipSync(new TextEncoder().encode("COPY public.accounts (id, name) FROM stdin;\n")),
        /this is not a backup file of this tool \(not a JSON document\)/,
      ],
      [
        "archive.zip",
        new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]),
        /this is not a backup file of this tool \(not a JSON document\)/,
      ],
      ["binary.bin", new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x80]), /the file is not UTF-8 text/],
    ];
    for (const [name, bytes, reason] of cases) await expectRefused(f, await f.temp(name, bytes), reason);
  });
});

Deno.test("a restore fails as a whole: a row Postgres rejects in the last table, or a file replaced mid-restore", async () => {
  await withFixture(async (f) => {
    await f.db.sql`update public.accounts set name = 'changed since the backup'`;
    const before = await state(f.db);
    // Structurally sound, so verify passes; the database refuses the last table's last row.
    const rejected = f.text.replace('"amount":500.00}', '"amount":"five hundred"}');
    assert.notEqual(rejected, f.text);
    const path = await f.temp("rejected.json", rejected);
    assert.equal((await cli("verify.ts", [path])).code, 0);
    // Trusted on purpose (an in place restore needs the hash): the database is what refuses it.
    const sha256 = createHash("sha256").update(rejected).digest("hex");
    const dry = await cli("restore.ts", [path, "--replace", "--dry-run", "--sha256", sha256], f.env);
    assert.equal(dry.code, 1, "a dry run finds it too");
    assert.match(dry.stderr, /invalid input syntax for type numeric: "five hundred"/);
    const real = await cli("restore.ts", [path, "--replace", "--yes", "--sha256", sha256], f.env);
    assert.equal(real.code, 1);
    assert.match(real.stdout, /Emptied public\.accounts/, "the transaction had emptied the parents");
    assert.match(real.stdout, /Restored public\.accounts → public\.accounts: 50 rows/);
    assert.match(real.stderr, /Nothing was written/);
    assert.equal(await state(f.db), before, "all rolled back: no table half restored");

    // The file is swapped between the check and the restore (a sync client, a second download…).
    const other = await backupFile(f.db.url, ["public"], { compression: "none" });
    try {
      let opened = 0;
      await assert.rejects(
        restoreBackup(f.db.sql, () => openBackupFile(opened++ === 0 ? f.plain.path : other.path), {
          mode: { kind: "replace" },
          expected: { sha256: f.plain.sha256 },
          dryRun: false,
        }),
        /^RestoreError: Cannot restore: the file changed while it was being restored/,
      );
      assert.equal(await state(f.db), before);
      // The same bytes read twice are fine.
      const bytes = await Deno.readFile(f.plain.path);
      const report = await restoreBackup(
        f.db.sql,
        () => openBackup(new Blob([bytes]).stream()),
        { mode: { kind: "schema", schema: "twice" }, dryRun: false },
      );
      assert.equal(report.rowCount, 450);
    } finally {
      await other.remove();
    }
  });
});

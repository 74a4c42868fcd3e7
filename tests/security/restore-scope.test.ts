/**
 * A restore touches only what it should, whatever the file says. Backup files are data: one planted in
 * OneDrive or Storage, or edited on the way, must not become a new admin (public.user_roles), arbitrary
 * SQL run as postgres (cron.job), stolen accounts or secrets (auth, vault), or writes through a view into
 * another schema. Each hostile file below goes through `npm run restore` (the real CLI, a subprocess)
 * against a scratch database prepared as the local stack prepares Supabase (baseline, pg_cron and pg_net
 * stand-ins, the project's migrations), and each refusal leaves the database exactly as it was.
 *
 * Also: the foreign keys around a restored table are checked after an in-place load (both directions);
 * dangling references roll everything back (sequences included) unless --allow-dangling; the
 * confirmation lists the tables and row counts it replaces.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratch-database.ts";
import { backupFile } from "../support/round-trip.ts";
import { cli } from "../support/cli.ts";

interface HostileTable {
  schema: string;
  name: string;
  columns: Array<[string, string]>;
  rows: Array<Record<string, unknown>>;
}

/** A well-formed format v1 document, as an attacker would write one by hand. */
function hostileDocument(
  declared: string[],
  tables: HostileTable[],
  sequences: Array<{ schema: string; name: string; last_value: string | null }> = [],
): string {
  return JSON.stringify({
    format: "supabase-backup",
    version: 1,
    created_at: "2026-11-28T02:00:00.000Z",
    source: { postgres_version: "15", schemas: declared, not_exported: [], excluded_tables: [] },
    tables: tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      kind: "table",
      columns: t.columns.map(([name, type]) => ({
        name,
        type,
        nullable: true,
        generated: false,
        identity: null,
      })),
      primary_key: [],
      references: [],
      rows: t.rows,
      row_count: t.rows.length,
    })),
    sequences,
    complete: true,
  });
}

interface Planted {
  path: string;
  sha256: string;
}

async function withSupabase(
  fn: (db: ScratchDatabase, plant: (doc: string) => Promise<Planted>) => Promise<void>,
) {
  const db = await createScratchDatabase({ supabase: true });
  const dir = await Deno.makeTempDir({ prefix: "hostile-restore-" });
  let n = 0;
  try {
    await fn(db, async (doc) => {
      const path = `${dir}/backup-2026-11-28T02-00-0${n++}Z.json`;
      await Deno.writeTextFile(path, doc);
      return { path, sha256: createHash("sha256").update(doc).digest("hex") };
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await db.drop();
  }
}

const ATTACKER = "00000000-0000-4000-8000-00000000beef";
const ADMIN = "00000000-0000-4000-8000-00000000a0a0";

async function admins(db: ScratchDatabase): Promise<string[]> {
  const rows = await db.sql<Array<{ user_id: string }>>`
    select user_id::text from public.user_roles where role = 'admin' order by 1`;
  return rows.map((r) => r.user_id);
}

Deno.test("a planted file listing public.user_roles is refused in place unless its SHA-256 is one recorded or passed; the confirmation names the table loudly", async () => {
  await withSupabase(async (db, plant) => {
    await db.sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@example.com'),
                                                           (${ATTACKER}, 'attacker@example.com')`;
    await db.sql`insert into public.user_roles (user_id, role) values (${ADMIN}, 'admin')`;
    const env = { SUPABASE_DB_URL: db.url };
    const file = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "user_roles",
      columns: [["id", "uuid"], ["user_id", "uuid"], ["role", "public.app_role"]],
      rows: [{ id: crypto.randomUUID(), user_id: ATTACKER, role: "admin" }],
    }]));

    // --yes answers the question, never the hash check.
    const refused = await cli("restore.ts", [file.path, "--replace", "--yes"], env);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `Cannot restore "${
          basename(file.path)
        }" in place: its SHA-256 ${file.sha256} matches no backup recorded in public\\.backup_runs; pass --sha256 with the hash you trust`,
      ),
    );
    assert.match(refused.stderr, /Nothing was written/);
    assert.deepEqual(await admins(db), [ADMIN], "no new admin");
    const dry = await cli("restore.ts", [file.path, "--replace", "--dry-run"], env);
    assert.equal(dry.code, 1, "a dry run in place needs the same trust");

    // A run recorded under the same name with another hash: the file was swapped.
    await db.sql`insert into public.backup_runs (trigger, status, file_name, sha256)
                 values ('cli', 'success', ${basename(file.path)}, ${"ab".repeat(32)})`;
    const swapped = await cli("restore.ts", [file.path, "--replace", "--yes"], env);
    assert.equal(swapped.code, 1);
    assert.match(
      swapped.stderr,
      new RegExp(
        `its SHA-256 ${file.sha256} differs from the ${"ab".repeat(32)} public\\.backup_runs records`,
      ),
    );
    assert.deepEqual(await admins(db), [ADMIN]);

    // A wrong --sha256 is refused too (the file is not the one the user trusts).
    const wrong = await cli(
      "restore.ts",
      [file.path, "--replace", "--yes", "--sha256", "cd".repeat(32)],
      env,
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /the file is not the expected backup/);

    // No terminal and no --yes: the plan is printed, nothing is written.
    const unconfirmed = await cli("restore.ts", [file.path, "--replace", "--sha256", file.sha256], env);
    assert.equal(unconfirmed.code, 1);
    assert.match(unconfirmed.stderr, /no terminal to ask on; read the list above, then pass --yes/);
    assert.match(unconfirmed.stdout, /public\.user_roles\s+1 row now → 1 row from the backup/);
    assert.deepEqual(await admins(db), [ADMIN]);

    // The hash the user trusts: the restore proceeds, and said loudly what it replaced.
    const trusted = await cli("restore.ts", [file.path, "--replace", "--yes", "--sha256", file.sha256], env);
    assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
    assert.match(
      trusted.stdout,
      /This replaces the data of 1 tables in .* with the backup's \(taken 2026-11-28/,
    );
    assert.match(trusted.stdout, /WARNING: these tables decide who may do what in the app/);
    assert.match(
      trusted.stdout,
      /public\.user_roles: read by security definer function\(s\) .*public\.has_role/,
    );
    assert.match(trusted.stdout, /The file's SHA-256 is the one passed with --sha256/);
    assert.deepEqual(await admins(db), [ATTACKER]);

    // A file recorded in public.backup_runs needs no --sha256.
    await db.sql`update public.backup_runs set sha256 = ${file.sha256}`;
    const recorded = await cli("restore.ts", [file.path, "--replace", "--yes"], env);
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /matches the backup recorded in public\.backup_runs \(run [0-9a-f-]{36}/);
  });
});

Deno.test("Supabase's and Postgres' own schemas are never restored, even with --sha256, --yes and --schemas", async () => {
  await withSupabase(async (db, plant) => {
    const env = { SUPABASE_DB_URL: db.url };
    await db
      .sql`insert into cron.job (schedule, command, jobname) values ('0 2 * * *', 'select 1', 'nightly')`;
    await db.sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@example.com')`;
    await db.sql`insert into vault.secrets (name, secret) values ('auto_backup_cron_secret', 'kept')`;
    await db.sql.unsafe(`create schema supabase_functions;
                     create table supabase_functions.hooks (id bigint primary key, hook_name text);
                     insert into supabase_functions.hooks values (1, 'kept');`);
    const state = async () => {
      const [s] = await db.sql`select
        (select string_agg(command, ',') from cron.job) as cron,
        (select string_agg(email, ',') from auth.users) as users,
        (select string_agg(secret, ',') from vault.secrets) as secrets,
        (select string_agg(hook_name, ',') from supabase_functions.hooks) as hooks,
        (select count(*)::int from pg_namespace where nspname like 'copy%') as copies`;
      return { ...s };
    };
    const before = await state();
    const hostile: Array<[HostileTable, RegExp]> = [
      [
        {
          schema: "cron",
          name: "job",
          columns: [["jobid", "bigint"], ["schedule", "text"], ["command", "text"]],
          rows: [{ jobid: 99, schedule: "* * * * *", command: "alter role anon superuser" }],
        },
        /table "cron\.job" is in "cron", a schema that belongs to Supabase or Postgres: this tool never restores it/,
      ],
      [{
        schema: "auth",
        name: "users",
        columns: [["id", "uuid"], ["email", "character varying(255)"]],
        rows: [{ id: ATTACKER, email: "attacker@example.com" }],
      }, /table "auth\.users" is in "auth"/],
      [{
        schema: "vault",
        name: "secrets",
        columns: [["name", "text"], ["secret", "text"]],
        rows: [{ name: "auto_backup_cron_secret", secret: "known-to-the-attacker" }],
      }, /table "vault\.secrets" is in "vault"/],
      [{
        schema: "pg_catalog",
        name: "pg_authid",
        columns: [["rolname", "name"], ["rolsuper", "boolean"]],
        rows: [{ rolname: "anon", rolsuper: true }],
      }, /table "pg_catalog\.pg_authid" is in "pg_catalog"/],
      [{
        schema: "supabase_functions",
        name: "hooks",
        columns: [["id", "bigint"], ["hook_name", "text"]],
        rows: [{ id: 1, hook_name: "planted" }],
      }, /table "supabase_functions\.hooks" is in "supabase_functions"/],
    ];
    for (const [table, reason] of hostile) {
      // Declared in the header or not: refused the same.
      for (const declared of [["public", table.schema], ["public"]]) {
        const file = await plant(hostileDocument(declared, [table]));
        for (const mode of [["--replace", "--yes"], ["--into-schema", "copy_of_it"]]) {
          const run = await cli("restore.ts", [file.path, ...mode, "--sha256", file.sha256], env);
          assert.equal(run.code, 1, `${table.schema}.${table.name} ${mode[0]}: ${run.stdout}${run.stderr}`);
          assert.match(run.stderr, reason);
        }
        const flag = await cli(
          "restore.ts",
          [file.path, "--replace", "--yes", "--sha256", file.sha256, "--schemas", `public,${table.schema}`],
          env,
        );
        assert.equal(flag.code, 2, flag.stderr);
        assert.match(flag.stderr, /--schemas lists ".*", a schema that belongs to Supabase or Postgres/);
      }
    }
    // A legitimate table with a sequence of a reserved schema: setval there is refused too.
    const [{ seq }] = await db.sql`select pg_get_serial_sequence('cron.job', 'jobid') as seq`;
    await db.sql`select setval(${seq}::regclass, 500)`;
    const [schema, name] = String(seq).split(".");
    const withSequence = await plant(hostileDocument(["public"], [], [{ schema, name, last_value: "1" }]));
    const seqRun = await cli("restore.ts", [
      withSequence.path,
      "--replace",
      "--yes",
      "--sha256",
      withSequence.sha256,
    ], env);
    assert.equal(seqRun.code, 1, seqRun.stdout + seqRun.stderr);
    assert.match(seqRun.stderr, new RegExp(`sequence "cron\\.${name}" is in "cron"`));
    const [{ last }] = await db.sql.unsafe(`select last_value::int as last from ${seq}`);
    assert.equal(last, 500, "the sequence was not reset");

    // A copy may not be created as (or inside) a reserved schema either.
    const legit = await plant(hostileDocument(["public"], []));
    for (const target of ["supabase_evil", "graphql_evil", "extensions", "pg_evil"]) {
      const run = await cli("restore.ts", [legit.path, "--into-schema", target], env);
      assert.equal(run.code, 1, `${target}: ${run.stdout}`);
      assert.match(
        run.stderr,
        new RegExp(
          `cannot restore into schema "${target}": "${target}" is a schema name that belongs to Supabase or Postgres`,
        ),
      );
    }
    const [{ made }] = await db
      .sql`select count(*)::int as made from pg_namespace where nspname like '%evil'`;
    assert.equal(made, 0);
    assert.deepEqual(await state(), before, "nothing was written anywhere");
  });
});

Deno.test("only schemas the header declares and --schemas allows; no writes through a view; names stay confined", async () => {
  await withSupabase(async (db, plant) => {
    const env = { SUPABASE_DB_URL: db.url };
    await db.sql.unsafe(`
      create schema app;
      create table app.t (id integer primary key, v text);
      insert into app.t values (1, 'kept');
      create table public.items (id integer primary key, v text);
      insert into public.items values (1, 'kept');
      -- An auto-updatable view in public over a table of another schema.
      create view public.user_emails as select id, email from auth.users;`);
    await db.sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@example.com')`;
    const appTable: HostileTable = {
      schema: "app",
      name: "t",
      columns: [["id", "integer"], ["v", "text"]],
      rows: [{ id: 2, v: "planted" }],
    };
    const kept = async () => {
      const [r] = await db.sql`select (select string_agg(v, ',') from app.t) as app,
                                      (select string_agg(v, ',') from public.items) as items,
                                      (select string_agg(email, ',') from auth.users) as users`;
      return { ...r };
    };
    const before = await kept();

    // A view in public that writes auth.users: in place, only tables are written.
    const view = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "user_emails",
      columns: [["id", "uuid"], ["email", "character varying(255)"]],
      rows: [{ id: ATTACKER, email: "attacker@example.com" }],
    }]));
    const viewRun = await cli("restore.ts", [view.path, "--replace", "--yes", "--sha256", view.sha256], env);
    assert.equal(viewRun.code, 1, viewRun.stdout + viewRun.stderr);
    assert.match(viewRun.stderr, /"public\.user_emails" is a view in this database, not a table/);

    // This tool's own records are never in a backup.
    const records = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "backup_runs",
      columns: [["trigger", "text"], ["status", "text"], ["sha256", "text"]],
      rows: [{ trigger: "cli", status: "success", sha256: "ab".repeat(32) }],
    }]));
    const recordsRun = await cli("restore.ts", [
      records.path,
      "--replace",
      "--yes",
      "--sha256",
      records.sha256,
    ], env);
    assert.equal(recordsRun.code, 1);
    assert.match(recordsRun.stderr, /table "public\.backup_runs" holds this tool's own records/);
    const [{ runs }] = await db.sql`select count(*)::int as runs from public.backup_runs`;
    assert.equal(runs, 0);

    // A name that only looks like another schema's table stays a name in public.
    const dotted = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "auth.users",
      columns: [["id", "uuid"]],
      rows: [{ id: ATTACKER }],
    }]));
    const dottedRun = await cli(
      "restore.ts",
      [dotted.path, "--replace", "--yes", "--sha256", dotted.sha256],
      env,
    );
    assert.equal(dottedRun.code, 1);
    assert.match(dottedRun.stderr, /these tables do not exist in the database: "public\.auth\.users"/);
    // The header declares public only, yet the file lists app.t: it was edited after the export.
    const undeclared = await plant(hostileDocument(["public"], [appTable]));
    for (const mode of [["--replace", "--yes"], ["--into-schema", "copy_a"]]) {
      const run = await cli("restore.ts", [
        undeclared.path,
        ...mode,
        "--sha256",
        undeclared.sha256,
        "--schemas",
        "public,app",
      ], env);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(
        run.stderr,
        /table "app\.t" is in schema "app", which the file's header does not declare \("public"\): the file was changed/,
      );
    }

    // Declared, but outside --schemas (default public): refused with the flag to pass.
    const outside = await plant(hostileDocument(["public", "app"], [appTable]));
    for (const mode of [["--replace", "--yes"], ["--into-schema", "copy_b"]]) {
      const run = await cli("restore.ts", [outside.path, ...mode, "--sha256", outside.sha256], env);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(
        run.stderr,
        /the file has tables in "app", which --schemas does not allow \(it allows "public"\); pass --schemas public,app to restore them/,
      );
    }
    assert.deepEqual(await kept(), before);

    assert.deepEqual(await kept(), before, "nothing was written");
  });
});

Deno.test("foreign keys touching restored tables are checked both ways; dangling ones roll back unless --allow-dangling; sequences move only on commit", async () => {
  const db = await createScratchDatabase();
  const files: Array<{ remove(): Promise<void> }> = [];
  try {
    await db.sql.unsafe(`
      create table public.accounts (id integer generated by default as identity primary key, name text not null);
      create table public.ledger (id integer primary key,
                                  account_id integer not null constraint ledger_account_id_fkey references public.accounts,
                                  amount numeric(12, 2) not null);
      create table public.notes (id integer primary key,
                                 account_id integer constraint notes_account_id_fkey references public.accounts);
      insert into public.accounts (name) select 'account ' || g from generate_series(1, 50) g;
      insert into public.ledger select g, 1 + g % 50, g * 1.25 from generate_series(1, 400) g;`);
    const env = { SUPABASE_DB_URL: db.url };
    const ledgerOnly = await backupFile(db.url, ["public"], {
      exclude: [{ schema: "public", name: "accounts" }, { schema: "public", name: "notes" }],
    });
    const accountsOnly = await backupFile(db.url, ["public"], {
      exclude: [{ schema: "public", name: "ledger" }, { schema: "public", name: "notes" }],
    });
    files.push(ledgerOnly, accountsOnly);
    const count = async (table: string) => {
      const [{ n }] = await db.sql.unsafe(`select count(*)::int as n from public.${table}`);
      return n as number;
    };
    const sequence = async () => {
      const [{ last }] = await db.sql`
        select last_value::int as last from pg_sequences where sequencename = 'accounts_id_seq'`;
      return last as number;
    };

    // Restored table → others: ledger rows come back for accounts deleted since.
    await db.sql.unsafe(
      `delete from public.ledger where account_id <= 5; delete from public.accounts where id <= 5;`,
    );
    assert.equal(await count("ledger"), 360);
    const refused = await cli("restore.ts", [
      ledgerOnly.path,
      "--replace",
      "--yes",
      "--sha256",
      ledgerOnly.sha256,
    ], env);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(
      refused.stderr,
      /the restored data would leave 1 foreign key dangling: "ledger_account_id_fkey" \(public\.ledger → public\.accounts\): 40 rows of public\.ledger reference a missing row of public\.accounts; nothing was written\. .*pass --allow-dangling to keep them/,
    );
    assert.match(
      refused.stdout,
      /public\.ledger\s+360 rows now → 400 rows from the backup/,
      "the confirmation lists counts",
    );
    assert.equal(await count("ledger"), 360, "rolled back");
    const kept = await cli("restore.ts", [
      ledgerOnly.path,
      "--replace",
      "--yes",
      "--sha256",
      ledgerOnly.sha256,
      "--allow-dangling",
    ], env);
    assert.equal(kept.code, 0, kept.stdout + kept.stderr);
    assert.match(
      kept.stdout,
      /warning: Foreign key left dangling: "ledger_account_id_fkey" \(public\.ledger → public\.accounts\): 40 rows/,
    );
    assert.equal(await count("ledger"), 400);
    await db.sql.unsafe(`delete from public.ledger where account_id <= 5`);

    // Others → restored table: an account created since is referenced by a note; restoring accounts
    // would remove it from under the note.
    await db.sql.unsafe(`insert into public.accounts (id, name) overriding system value
                       select g, 'account ' || g from generate_series(1, 5) g;
                     insert into public.accounts (name) values ('new since the backup');
                     insert into public.notes values (1, 51);`);
    assert.equal(await sequence(), 51);
    for (const args of [["--yes"], ["--dry-run"]]) {
      const run = await cli("restore.ts", [
        accountsOnly.path,
        "--replace",
        ...args,
        "--sha256",
        accountsOnly.sha256,
      ], env);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(
        run.stderr,
        /"notes_account_id_fkey" \(public\.notes → public\.accounts\): 1 row of public\.notes references a missing row/,
      );
      assert.equal(
        await sequence(),
        51,
        `${args[0]}: the identity sequence is untouched by the rolled-back restore`,
      );
      assert.equal(await count("accounts"), 51);
    }
    await db.sql.unsafe(`delete from public.notes`);
    const dry = await cli("restore.ts", [
      accountsOnly.path,
      "--replace",
      "--dry-run",
      "--sha256",
      accountsOnly.sha256,
    ], env);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /Checked 2 foreign keys touching the restored tables: all hold/);
    assert.equal(await sequence(), 51, "a dry run resets no sequence");
    const real = await cli("restore.ts", [
      accountsOnly.path,
      "--replace",
      "--yes",
      "--sha256",
      accountsOnly.sha256,
    ], env);
    assert.equal(real.code, 0, real.stdout + real.stderr);
    assert.equal(await sequence(), 50, "the committed restore resets it to the backup's value");
    assert.equal(await count("accounts"), 50);
  } finally {
    for (const f of files) await f.remove();
    await db.drop();
  }
});

Deno.test("partitions: a file never writes a partition directly (its foreign keys would go unchecked), nor a partitioned table whose partitions live in other schemas", async () => {
  await withSupabase(async (db, plant) => {
    const env = { SUPABASE_DB_URL: db.url };
    await db.sql.unsafe(`
      create table public.accounts (id integer primary key);
      insert into public.accounts values (1);
      create table public.events (id integer, account_id integer not null references public.accounts, at date not null)
        partition by range (at);
      create table public.events_2026 partition of public.events for values from ('2026-01-01') to ('2027-01-01');
      insert into public.events values (1, 1, '2026-06-01');
      -- A partitioned table of public whose old partition lives in another schema (an archive).
      create schema archive;
      create table public.logs (id integer, at date not null, line text) partition by range (at);
      create table public.logs_2026 partition of public.logs for values from ('2026-01-01') to ('2027-01-01');
      create table archive.logs_2025 partition of public.logs for values from ('2025-01-01') to ('2026-01-01');
      insert into public.logs values (1, '2025-06-01', 'archived'), (2, '2026-06-01', 'current');`);
    const state = async () => {
      const [r] = await db.sql`select
        (select string_agg(account_id::text, ',') from public.events) as events,
        (select string_agg(line, ',' order by id) from public.logs) as logs,
        (select string_agg(line, ',') from archive.logs_2025) as archived`;
      return { ...r };
    };
    const before = await state();

    // The exporter lists a partitioned table once, through its parent: a partition in a file was added
    // by hand, and its foreign keys (cloned from the parent's) would escape the check after loading.
    const child = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "events_2026",
      columns: [["id", "integer"], ["account_id", "integer"], ["at", "date"]],
      rows: [{ id: 2, account_id: 999, at: "2026-07-01" }],
    }]));
    const childRun = await cli(
      "restore.ts",
      [child.path, "--replace", "--yes", "--sha256", child.sha256],
      env,
    );
    assert.equal(childRun.code, 1, childRun.stdout + childRun.stderr);
    assert.match(
      childRun.stderr,
      /"public\.events_2026" is a partition of "public\.events" in this database: a backup lists a partitioned table through its parent, never its partitions/,
    );

    // Deleting from public.logs would empty archive.logs_2025 too, and rows would be routed there.
    const parent = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "logs",
      columns: [["id", "integer"], ["at", "date"], ["line", "text"]],
      rows: [{ id: 3, at: "2025-03-01", line: "planted in the archive" }],
    }]));
    const parentRun = await cli(
      "restore.ts",
      [parent.path, "--replace", "--yes", "--sha256", parent.sha256],
      env,
    );
    assert.equal(parentRun.code, 1, parentRun.stdout + parentRun.stderr);
    assert.match(
      parentRun.stderr,
      /"public\.logs" has partitions outside the schemas this restore may write \(archive\.logs_2025\)/,
    );
    assert.deepEqual(await state(), before, "nothing was written");

    // Allowing the archive schema too makes the whole tree writable.
    const allowed = await plant(hostileDocument(["public", "archive"], [{
      schema: "public",
      name: "logs",
      columns: [["id", "integer"], ["at", "date"], ["line", "text"]],
      rows: [{ id: 3, at: "2025-03-01", line: "restored" }],
    }]));
    const allowedRun = await cli("restore.ts", [
      allowed.path,
      "--replace",
      "--yes",
      "--sha256",
      allowed.sha256,
      "--schemas",
      "public,archive",
    ], env);
    assert.equal(allowedRun.code, 0, allowedRun.stdout + allowedRun.stderr);
    assert.equal((await state()).archived, "restored");
  });
});

/** Escape, carriage return and right-to-left override characters found in `text`. */
const rawControls = (text: string) => [...text].filter((c) => ["\x1b", "\r", "\u202e"].includes(c));

Deno.test("the file's text cannot steer the terminal: control characters in the header and names are shown escaped", async () => {
  await withSupabase(async (db, plant) => {
    const env = { SUPABASE_DB_URL: db.url };
    // Cursor up three lines and erase to the end of the screen: on a terminal, the table list and
    // the WARNING above the question would vanish, replaced by a harmless-looking line.
    const spoof = "2026-11-28\x1b[3A\x1b[J\rThis replaces the data of 1 tables: public.notes 0 rows now";
    const doc = JSON.parse(hostileDocument(["public"], [{
      schema: "public",
      name: "user_roles",
      columns: [["id", "uuid"], ["user_id", "uuid"], ["role", "public.app_role"]],
      rows: [],
    }]));
    doc.created_at = spoof;
    const file = await plant(JSON.stringify(doc));
    const plan = await cli("restore.ts", [file.path, "--replace", "--sha256", file.sha256], env);
    assert.equal(plan.code, 1, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /public\.user_roles\s+0 rows now → 0 rows from the backup/);
    assert.deepEqual(
      rawControls(plan.stdout + plan.stderr),
      [],
      "no raw control character reaches the terminal",
    );
    assert.match(plan.stdout, /taken 2026-11-28\\u001b\[3A\\u001b\[J\\rThis replaces/);

    // Names of a copy (progress lines) and of refused schemas (errors) are escaped too.
    const named = await plant(hostileDocument(["public", "x\x1b[2K\r\u202eevil"], [{
      schema: "public",
      name: "t\x1b[1A\x1b[2K\rDone",
      columns: [["id", "integer"]],
      rows: [{ id: 1 }],
    }, {
      schema: "x\x1b[2K\r\u202eevil",
      name: "t",
      columns: [["id", "integer"]],
      rows: [],
    }]));
    const refused = await cli("restore.ts", [named.path, "--into-schema", "copy_c"], env);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /the file has tables in "x\\u001b\[2K\\r\\u202eevil"/);
    assert.deepEqual(rawControls(refused.stdout + refused.stderr), []);
    const copy = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "t\x1b[1A\x1b[2K\rDone",
      columns: [["id", "integer"]],
      rows: [{ id: 1 }],
    }]));
    const copied = await cli("restore.ts", [copy.path, "--into-schema", "copy_d"], env);
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    assert.match(copied.stdout, /Restored public\.t\\u001b\[1A\\u001b\[2K\\rDone/);
    assert.deepEqual(rawControls(copied.stdout + copied.stderr), []);
  });
});

Deno.test('a copy never goes into a schema named like a role: search_path\'s "$user" would put it ahead of public', async () => {
  await withSupabase(async (db, plant) => {
    const env = { SUPABASE_DB_URL: db.url };
    await db.sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@example.com')`;
    await db.sql`insert into public.user_roles (user_id, role) values (${ADMIN}, 'admin')`;
    // As many apps write it (Supabase's linter calls it "function_search_path_mutable"): a security
    // definer function, owned by postgres, naming user_roles without a schema.
    await db.sql.unsafe(`
      create function public.is_admin(uid uuid) returns boolean language sql stable security definer
      as $$ select exists (select 1 from user_roles where user_id = uid and role = 'admin') $$;`);
    const isAdmin = async (uid: string) => {
      const [{ yes }] = await db.sql.begin(async (tx) => {
        await tx`set local search_path = "$user", public, extensions`;
        await tx`set local role authenticated`;
        return await tx`select public.is_admin(${uid}::uuid) as yes`;
      });
      return yes as boolean;
    };
    assert.equal(await isAdmin(ATTACKER), false);
    const file = await plant(hostileDocument(["public"], [{
      schema: "public",
      name: "user_roles",
      columns: [["id", "uuid"], ["user_id", "uuid"], ["role", "text"]],
      rows: [{ id: crypto.randomUUID(), user_id: ATTACKER, role: "admin" }],
    }]));
    for (const target of ["postgres", "authenticated", "anon", "service_role"]) {
      const run = await cli("restore.ts", [file.path, "--into-schema", target], env);
      assert.equal(run.code, 1, `${target}: ${run.stdout}${run.stderr}`);
      assert.match(
        run.stderr,
        new RegExp(
          `Cannot restore into schema "${target}": a role of this database has that name, and search_path's "\\$user" would put the copy's tables ahead of public's for that role; choose another name`,
        ),
      );
    }
    assert.equal(await isAdmin(ATTACKER), false, "the copy does not shadow public.user_roles");
    const [{ made }] = await db.sql`
      select count(*)::int as made from pg_namespace where nspname in ('postgres', 'authenticated', 'anon', 'service_role')`;
    assert.equal(made, 0);
  });
});

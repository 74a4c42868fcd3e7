/**
 * Brings a database to the project's schema: the Supabase baseline, the local extension stand-ins,
 * then the project's migrations, in that order. Used by the local stack and by the SQL tests, so
 * both run exactly the same SQL.
 *
 * What was applied is recorded in the database, so a restart applies only what is new:
 * - migrations in `supabase_migrations.schema_migrations` (the table the Supabase CLI uses);
 * - the baseline and `dev/db/extensions/*.sql` in `supabase_migrations.local_stack_files`, with a
 *   checksum: they are idempotent, so a changed file is simply applied again.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";

export interface SetupFile {
  /** Path relative to the repository root, used in messages and as the record key. */
  name: string;
  sql: string;
  checksum: string;
}

export interface SetupFiles {
  baseline: SetupFile;
  extensions: SetupFile[];
  migrations: SetupFile[];
}

export interface ApplyReport {
  applied: string[];
  skipped: string[];
}

type Queryable = Pick<pg.Client, "query">;

async function readSetupFile(root: string, relative: string): Promise<SetupFile> {
  const sql = await readFile(path.join(root, relative), "utf8");
  return { name: relative, sql, checksum: createHash("sha256").update(sql).digest("hex") };
}

async function listSql(root: string, folder: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(root, folder), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith(".sql"))
      .map((e) => e.name)
      .sort()
      .map((name) => `${folder}/${name}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export async function listSetupFiles(root: string): Promise<SetupFiles> {
  const baseline = await readSetupFile(root, "dev/db/baseline.sql");
  const extensions = await Promise.all(
    (await listSql(root, "dev/db/extensions")).map((f) => readSetupFile(root, f)),
  );
  const migrations = await Promise.all(
    (await listSql(root, "supabase/migrations")).map((f) => readSetupFile(root, f)),
  );
  return { baseline, extensions, migrations };
}

/** Supabase names migrations `<14-digit version>_<name>.sql`; the version is the record key. */
export function migrationVersion(fileName: string): string {
  const base = path.basename(fileName, ".sql");
  const match = /^(\d+)_/.exec(base);
  if (!match) {
    throw new Error(
      `Cannot apply migration "${fileName}": its name must start with a timestamp version, e.g. 20261124000001_create_x.sql`,
    );
  }
  return match[1] as string;
}

/** Turns a Postgres error into a message naming the file and line. */
export function describeSqlError(file: SetupFile, error: unknown): Error {
  const e = error as { message?: string; position?: string; hint?: string; where?: string };
  let location = "";
  if (e.position) {
    const line = file.sql.slice(0, Number(e.position)).split("\n").length;
    location = ` (line ${line})`;
  }
  const hint = e.hint ? `; hint: ${e.hint}` : "";
  return new Error(`Cannot apply "${file.name}"${location}: ${e.message ?? String(error)}${hint}`, {
    cause: error,
  });
}

async function ensureRecordTables(db: Queryable): Promise<void> {
  await db.query(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text primary key,
      statements text[],
      name text
    );
    create table if not exists supabase_migrations.local_stack_files (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    );
  `);
}

async function inTransaction(db: Queryable, file: SetupFile, body: () => Promise<void>): Promise<void> {
  await db.query("begin");
  try {
    await body();
    await db.query("commit");
  } catch (error) {
    await db.query("rollback").catch(() => undefined);
    throw describeSqlError(file, error);
  }
}

/**
 * Applies whatever is not applied yet. `extraAfterBaseline` lets the SQL tests insert a fixture
 * (an existing Lovable app's schema) between the baseline and the migrations.
 */
export async function applyDatabaseSetup(
  db: Queryable,
  files: SetupFiles,
  options: { extraAfterBaseline?: SetupFile[]; log?: (line: string) => void } = {},
): Promise<ApplyReport> {
  const log = options.log ?? (() => undefined);
  const report: ApplyReport = { applied: [], skipped: [] };
  await ensureRecordTables(db);

  const recorded = new Map<string, string>(
    (
      await db.query<{ name: string; checksum: string }>(
        "select name, checksum from supabase_migrations.local_stack_files",
      )
    ).rows.map((r) => [r.name, r.checksum]),
  );
  const idempotent = [files.baseline, ...(options.extraAfterBaseline ?? []), ...files.extensions];
  for (const file of idempotent) {
    if (recorded.get(file.name) === file.checksum) {
      report.skipped.push(file.name);
      continue;
    }
    await inTransaction(db, file, async () => {
      await db.query(file.sql);
      await db.query(
        `insert into supabase_migrations.local_stack_files (name, checksum) values ($1, $2)
         on conflict (name) do update set checksum = excluded.checksum, applied_at = now()`,
        [file.name, file.checksum],
      );
    });
    log(`applied ${file.name}`);
    report.applied.push(file.name);
  }

  const versions = new Set(
    (
      await db.query<{ version: string }>("select version from supabase_migrations.schema_migrations")
    ).rows.map((r) => r.version),
  );
  for (const file of files.migrations) {
    const version = migrationVersion(file.name);
    if (versions.has(version)) {
      report.skipped.push(file.name);
      continue;
    }
    await inTransaction(db, file, async () => {
      await db.query(file.sql);
      await db.query(
        "insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)",
        [version, [file.sql], path.basename(file.name, ".sql").slice(version.length + 1)],
      );
    });
    log(`applied ${file.name}`);
    report.applied.push(file.name);
  }
  return report;
}

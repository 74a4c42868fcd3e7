/**
 * `npm run test:sql`: the pgTAP suites in supabase/tests/database/*.test.sql, on the machine's
 * PostgreSQL (default postgres://postgres@127.0.0.1:5432, override with SQL_TESTS_DATABASE_URL).
 *
 * Each run creates throwaway databases, prepares them exactly as the local stack does (Supabase
 * baseline, extension stand-ins, migrations), runs every test file in its own session, and drops
 * the databases. A test file may start with `-- setup: <fixture>`: its database then gets
 * supabase/tests/database/fixtures/<fixture>.sql between the baseline and the migrations (used to
 * prove the migrations apply on an existing Lovable app).
 *
 * Usage: npm run test:sql [-- file-name-filter…]
 * Prints TAP-style lines per file and ends with `sql tests: N passed, M failed`.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { applyDatabaseSetup, listSetupFiles, type SetupFile } from "../dev/db/apply-setup.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const testsDir = "supabase/tests/database";
const serverUrl = process.env.SQL_TESTS_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

interface TestFile {
  name: string;
  sql: string;
  setup: string;
}

interface FileResult {
  passed: number;
  failed: number;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // Notices (e.g. "already exists, skipping") are expected during setup and are not failures.
  client.on("notice", () => undefined);
  await client.connect();
  return client;
}

async function loadTestFiles(filters: string[]): Promise<TestFile[]> {
  const names = (await readdir(path.join(root, testsDir))).filter((n) => n.endsWith(".test.sql")).sort();
  const chosen = filters.length ? names.filter((n) => filters.some((f) => n.includes(f))) : names;
  return Promise.all(
    chosen.map(async (name) => {
      const sql = await readFile(path.join(root, testsDir, name), "utf8");
      const setup =
        /^--\s*setup:\s*([a-z0-9-]+)\s*$/m.exec(sql.split("\n").slice(0, 20).join("\n"))?.[1] ?? "default";
      return { name, sql, setup };
    }),
  );
}

async function prepareDatabase(admin: pg.Client, setup: string, database: string): Promise<void> {
  await admin.query(`create database "${database}"`);
  const db = await connect(withDatabase(serverUrl, database));
  try {
    const files = await listSetupFiles(root);
    const extra: SetupFile[] = [];
    if (setup !== "default") {
      const relative = `${testsDir}/fixtures/${setup}.sql`;
      const sql = await readFile(path.join(root, relative), "utf8").catch((error: unknown) => {
        throw new Error(`Cannot prepare the SQL test database: fixture "${relative}" does not exist`, {
          cause: error,
        });
      });
      extra.push({ name: relative, sql, checksum: "fixture" });
    }
    await applyDatabaseSetup(db, files, { extraAfterBaseline: extra });
    try {
      await db.query("create extension if not exists pgtap with schema extensions");
    } catch (error) {
      throw new Error(
        `Cannot run the SQL tests: the pgTAP extension is not installed on this PostgreSQL (${(error as Error).message}); on Debian: apt-get install -y postgresql-15-pgtap`,
        { cause: error },
      );
    }
  } finally {
    await db.end();
  }
}

/** Reads the TAP lines pgTAP returns as query results, prints them, and counts the outcome. */
function countTap(file: TestFile, lines: string[]): FileResult {
  let planned: number | undefined;
  let passed = 0;
  let failed = 0;
  const report: string[] = [];
  for (const line of lines) {
    const plan = /^1\.\.(\d+)/.exec(line);
    if (plan) {
      planned = Number(plan[1]);
      continue;
    }
    if (/^ok \d+/.test(line)) {
      // A skipped or todo test did not prove anything: count it as a failure.
      if (/# (SKIP|TODO)/i.test(line)) {
        failed += 1;
        report.push(`  ✖ ${line}`);
      } else passed += 1;
    } else if (/^not ok \d+/.test(line)) {
      failed += 1;
      report.push(`  ✖ ${line}`);
    } else if (line.startsWith("#") && report.length) {
      report.push(`    ${line}`);
    }
  }
  if (planned === undefined) {
    failed += 1;
    report.push("  ✖ no plan: the file must call plan(n) and finish()");
  } else if (planned !== passed + failed) {
    report.push(`  ✖ planned ${planned} tests but ran ${passed + failed}`);
    failed += Math.max(1, planned - passed - failed);
  }
  console.log(`${failed ? "not ok" : "ok    "} ${file.name} (${passed} passed, ${failed} failed)`);
  for (const line of report) console.log(line);
  return { passed, failed };
}

async function runFile(database: string, file: TestFile): Promise<FileResult> {
  const db = await connect(withDatabase(serverUrl, database));
  try {
    const results = await db.query(file.sql);
    const lines: string[] = [];
    for (const result of Array.isArray(results) ? results : [results]) {
      for (const row of (result as pg.QueryResult).rows ?? []) {
        for (const value of Object.values(row)) {
          if (typeof value === "string") lines.push(...value.split("\n"));
        }
      }
    }
    if (process.env.SQL_TESTS_DEBUG) console.log(lines.join("\n"));
    return countTap(file, lines);
  } catch (error) {
    const e = error as { message?: string; position?: string };
    const line = e.position ? ` at line ${file.sql.slice(0, Number(e.position)).split("\n").length}` : "";
    console.log(`not ok ${file.name}: the file stopped with an error${line}: ${e.message ?? String(error)}`);
    return { passed: 0, failed: 1 };
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2).filter((a) => a !== "--");
  const files = await loadTestFiles(filters);
  if (!files.length) {
    console.error(
      `Cannot run the SQL tests: no *.test.sql file in ${testsDir} matches ${JSON.stringify(filters)}`,
    );
    console.log("sql tests: 0 passed, 1 failed");
    return 1;
  }

  let admin: pg.Client;
  try {
    admin = await connect(serverUrl);
  } catch (error) {
    console.error(
      `Cannot run the SQL tests: cannot connect to PostgreSQL at "${new URL(serverUrl).host}" (${(error as Error).message}); set SQL_TESTS_DATABASE_URL`,
    );
    console.log("sql tests: 0 passed, 1 failed");
    return 1;
  }

  const databases = new Map<string, string>();
  const brokenSetups = new Map<string, string>();
  let passed = 0;
  let failed = 0;
  try {
    for (const file of files) {
      const broken = brokenSetups.get(file.setup);
      if (broken) {
        console.log(`not ok ${file.name}: ${broken}`);
        failed += 1;
        continue;
      }
      let database = databases.get(file.setup);
      if (!database) {
        database = `sqltest_${file.setup.replace(/-/g, "_")}_${randomBytes(4).toString("hex")}`;
        // Recorded before creation so that a failed setup still gets its database dropped.
        databases.set(file.setup, database);
        try {
          await prepareDatabase(admin, file.setup, database);
        } catch (error) {
          brokenSetups.set(file.setup, (error as Error).message);
          console.log(`not ok ${file.name}: ${(error as Error).message}`);
          failed += 1;
          continue;
        }
      }
      const result = await runFile(database, file);
      passed += result.passed;
      failed += result.failed;
    }
  } finally {
    for (const database of databases.values()) {
      await admin.query(`drop database if exists "${database}" with (force)`).catch((error) => {
        console.error(`Cannot drop the SQL test database "${database}": ${(error as Error).message}`);
      });
    }
    await admin.end();
  }
  console.log(`sql tests: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main();

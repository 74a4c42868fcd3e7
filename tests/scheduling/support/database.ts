/**
 * Databases for the scheduling tests, on the machine's PostgreSQL (default postgres://postgres@127.0.0.1:5432,
 * override with SCHEDULING_TEST_DATABASE_URL), prepared as the local stack prepares its own: the Supabase
 * baseline, the extension stand-ins (dev/db/extensions/), then the migrations, in name order.
 */
import postgres from "postgres";

export type Sql = postgres.Sql;

const root = new URL("../../../", import.meta.url);
export const serverUrl = Deno.env.get("SCHEDULING_TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function connect(database: string): Sql {
  return postgres(databaseUrl(database), { max: 2, onnotice: () => {}, idle_timeout: 5 });
}

async function sqlFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(folder, root))) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(`${folder}${entry.name}`);
  }
  return names.sort();
}

/** Files in the order the local stack applies them (see dev/db/apply-setup.ts). */
export async function projectSetupFiles(
  options: { extensions?: boolean; migrations?: boolean } = {},
): Promise<string[]> {
  return [
    "dev/db/baseline.sql",
    ...(options.extensions === false ? [] : await sqlFiles("dev/db/extensions/")),
    ...(options.migrations === false ? [] : await sqlFiles("supabase/migrations/")),
  ];
}

export async function applyFiles(sql: Sql, files: string[]): Promise<void> {
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, root));
    try {
      // A file is a script of several statements: simple protocol, in one transaction like the stack.
      await sql.begin((tx) => tx.unsafe(text));
    } catch (error) {
      throw new Error(`Cannot apply "${file}" for the scheduling tests: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** Creates a database named `<prefix>_<random>`, hands it over, and drops it afterwards. */
export async function withThrowawayDatabase<T>(
  prefix: string,
  body: (name: string) => Promise<T>,
): Promise<T> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
    try {
      return await body(name);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Throwaway databases for the backup's Deno tests, on the machine's PostgreSQL (override the server
 * with PIPE_TEST_DATABASE_URL). `supabase: true` prepares them as the local stack does: Supabase
 * baseline, extension stand-ins, then the project's migrations.
 */
import postgres from "postgres";
import type { Sql } from "../../supabase/functions/_shared/backup/lib/db.ts";

const SERVER = Deno.env.get("PIPE_TEST_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROOT = new URL("../../", import.meta.url);

export interface ScratchDatabase {
  name: string;
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function sqlFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(new URL(folder, ROOT))) {
      if (entry.isFile && entry.name.endsWith(".sql")) names.push(`${folder}${entry.name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

export async function setupFiles(): Promise<string[]> {
  return [
    "dev/db/baseline.sql",
    ...await sqlFiles("dev/db/extensions/"),
    ...await sqlFiles("supabase/migrations/"),
  ];
}

export async function createScratchDatabase(options: { supabase?: boolean } = {}): Promise<ScratchDatabase> {
  const name = `pipe_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(SERVER, name);
  const sql = postgres(url, { prepare: false, max: 4, onnotice: () => {} });
  if (options.supabase) {
    for (const file of await setupFiles()) {
      const text = await Deno.readTextFile(new URL(file, ROOT));
      try {
        await sql.begin((tx) => tx.unsafe(text));
      } catch (error) {
        throw new Error(`Cannot prepare scratch database: "${file}" failed: ${(error as Error).message}`);
      }
    }
  }
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

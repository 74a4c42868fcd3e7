/**
 * Reads the facts plan.ts decides on: who we are, whether this is Debian, what is installed, which
 * PostgreSQL 15 clusters exist, and what the server on 127.0.0.1:5432 offers. Reads only; changes nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import pg from "pg";
import { PG_VERSION, type MachineFacts } from "./plan.ts";

export const SERVER_URL = process.env.SQL_TESTS_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const CRON_DATABASE = process.env.CRON_DATABASE ?? "cron_test";

const CANDIDATE_PACKAGES = [
  `postgresql-${PG_VERSION}`,
  `postgresql-${PG_VERSION}-pgtap`,
  `postgresql-${PG_VERSION}-cron`,
];

function output(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return result.status === 0 ? result.stdout : null;
}

function installedPackages(): Set<string> {
  const out = new Set<string>();
  for (const name of CANDIDATE_PACKAGES) {
    if (output("dpkg-query", ["-W", "-f=${Status}", name])?.includes("install ok installed")) out.add(name);
  }
  return out;
}

/** pg_lsclusters prints `15 main 5432 online postgres /var/lib/… /var/log/…`. */
export function parseClusters(text: string): Array<{ name: string; online: boolean }> {
  return text
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[0] === PG_VERSION && cols.length >= 4)
    .map((cols) => ({ name: cols[1], online: cols[3].startsWith("online") }));
}

async function server(): Promise<Pick<MachineFacts, "serverReachable" | "pgtapAvailable" | "pgCronLoaded">> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ pgtap: boolean; cron: boolean }>(
      `select exists (select 1 from pg_available_extensions where name = 'pgtap') as pgtap,
              (',' || replace(current_setting('shared_preload_libraries'), ' ', '') || ',') like '%,pg_cron,%'
                and coalesce(current_setting('cron.database_name', true), '') = $1 as cron`,
      [CRON_DATABASE],
    );
    return { serverReachable: true, pgtapAvailable: rows[0].pgtap, pgCronLoaded: rows[0].cron };
  } catch {
    return { serverReachable: false, pgtapAvailable: false, pgCronLoaded: false };
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probeMachine(options: { server: boolean }): Promise<MachineFacts> {
  const debian = existsSync("/usr/bin/apt-get") && existsSync("/usr/bin/dpkg-query");
  return {
    root: process.getuid?.() === 0,
    debian,
    chromium: existsSync("/usr/bin/chromium"),
    installedPackages: debian ? installedPackages() : new Set(),
    clusters: existsSync("/usr/bin/pg_lsclusters")
      ? parseClusters(output("pg_lsclusters", ["--no-header"]) ?? "")
      : [],
    ...(options.server ? await server() : {}),
  };
}

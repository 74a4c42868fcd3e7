/**
 * The schedule against the real pg_cron: Debian's postgresql-15-cron on the machine's PostgreSQL 15,
 * loaded by scripts/setup-pg-cron.sh. pg_cron can only be created in the database named by
 * cron.database_name, so these tests use that database (cron_test), which exists for them alone: each
 * run resets it, then prepares it like the local stack (baseline, stand-ins, migrations). The migration
 * creates the real pg_cron there; pg_net is not packaged for Debian, so its stand-in records the requests.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { setSchedule } from "../../supabase/functions/_shared/backup/schedule/schedule.ts";
import { applyFiles, databaseUrl, projectSetupFiles, serverUrl, type Sql } from "./support/database.ts";
import {
  assertClientsLockedOut,
  autoBackupJobs,
  hourlyCronDueSoon,
  queuedRequests,
  runScheduleScenario,
  vaultSecrets,
} from "./support/schedule-scenario.ts";

async function cronDatabase(): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin<{ libraries: string; database: string | null }[]>`
      select current_setting('shared_preload_libraries') as libraries,
        current_setting('cron.database_name', true) as database`;
    if (!row.libraries.split(",").map((s) => s.trim()).includes("pg_cron") || !row.database) {
      throw new Error(
        `Cannot run the pg_cron tests: pg_cron is not loaded on ${serverUrl} (shared_preload_libraries is "${row.libraries}"); run "sudo bash scripts/setup-pg-cron.sh"`,
      );
    }
    // The tests wipe this database: refuse anything but one made for them.
    if (!row.database.startsWith("cron_")) {
      throw new Error(
        `Cannot run the pg_cron tests: cron.database_name is "${row.database}", and the tests reset that database; point it at a database of their own with "sudo CRON_DATABASE=cron_test bash scripts/setup-pg-cron.sh"`,
      );
    }
    return row.database;
  } finally {
    await admin.end();
  }
}

/** Serializes runs of this file (two checkouts testing at once share the one pg_cron database). */
async function lockAndReset(sql: Sql): Promise<void> {
  await sql`select pg_advisory_lock(hashtext('onedrive-backup scheduling tests'))`;
  await sql.unsafe(`
    drop extension if exists pg_cron cascade;
    drop schema if exists cron, net, vault, auth, storage, extensions, supabase_migrations cascade;
    drop schema if exists public cascade;
    create schema public;
    grant usage on schema public to public;
  `);
}

Deno.test("scheduling on the real pg_cron", async (t) => {
  const database = await cronDatabase();
  // One connection, so the advisory lock lasts the whole test.
  const sql = postgres(databaseUrl(database), { max: 1, onnotice: () => {} });
  try {
    await lockAndReset(sql);
    await applyFiles(sql, await projectSetupFiles());

    await t.step(
      "the migration enabled the real pg_cron, and the pg_net stand-in stands in for pg_net",
      async () => {
        const [row] = await sql<{ version: string | null; net: boolean }[]>`
        select (select extversion from pg_extension where extname = 'pg_cron') as version,
          to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is not null as net`;
        assert.ok(row.version, "pg_cron must be an installed extension, not the stand-in");
        assert.ok(row.net);
        await assertClientsLockedOut(sql);
      },
    );

    await runScheduleScenario(t, sql);

    await t.step("pg_cron itself runs the job at the next minute and the request is queued", async () => {
      await sql`delete from net.http_request_queue`;
      await setSchedule(sql, { cron: hourlyCronDueSoon(), projectUrl: "https://project-ref.supabase.co" });
      const [job] = await autoBackupJobs(sql);
      const secret = (await vaultSecrets(sql)).get("auto_backup_cron_secret");
      try {
        // pg_cron starts jobs on minute boundaries: wait for one run to finish (at most about a minute).
        const deadline = Date.now() + 150_000;
        let runs: { status: string; return_message: string }[] = [];
        while (Date.now() < deadline) {
          runs = await sql<{ status: string; return_message: string }[]>`
            select status, return_message from cron.job_run_details
            where jobid = ${job.jobid}::bigint and end_time is not null`;
          if (runs.length > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        assert.ok(runs.length > 0, "pg_cron did not run the job within 150 seconds");
        assert.deepEqual(runs[0], { status: "succeeded", return_message: "DO" });
      } finally {
        await setSchedule(sql, { cron: null, projectUrl: "https://project-ref.supabase.co" });
      }
      const requests = await queuedRequests(sql);
      assert.ok(requests.length >= 1);
      for (const request of requests) {
        assert.equal(request.url, "https://project-ref.supabase.co/functions/v1/auto-backup");
        assert.equal(request.headers["x-backup-secret"], secret);
        assert.deepEqual(request.body, { action: "run" });
      }
    });
  } finally {
    await sql.end();
  }
});

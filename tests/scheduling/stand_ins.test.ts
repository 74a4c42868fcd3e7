/**
 * The local stand-ins for pg_cron and pg_net (dev/db/extensions/), on a throwaway database of the machine's
 * PostgreSQL where the real pg_cron cannot be created (it only lives in cron.database_name): the same
 * scenario as on the real pg_cron, plus what the stand-ins and the migration do where an extension is missing.
 */
import assert from "node:assert/strict";
import {
  getSchedule,
  readCronSecret,
  setSchedule,
} from "../../supabase/functions/_shared/backup/schedule/schedule.ts";
import { ScheduleError } from "../../supabase/functions/_shared/backup/schedule/schedule-error.ts";
import postgres from "postgres";
import {
  applyFiles,
  connect,
  databaseUrl,
  projectSetupFiles,
  withThrowawayDatabase,
} from "./support/database.ts";
import { assertClientsLockedOut, runScheduleScenario } from "./support/schedule-scenario.ts";

const migration = "supabase/migrations/20261124000010_enable_scheduling.sql";

Deno.test("scheduling on the local stand-ins", async (t) => {
  await withThrowawayDatabase("cron_standin", async (database) => {
    const sql = connect(database);
    try {
      await applyFiles(sql, await projectSetupFiles());

      await t.step("the stand-ins are plain schemas, not extensions, closed to clients", async () => {
        const [row] = await sql<{ extensions: number; cron: boolean; net: boolean }[]>`
          select (select count(*)::int from pg_extension where extname in ('pg_cron', 'pg_net')) as extensions,
            to_regclass('cron.job') is not null as cron,
            to_regclass('net.http_request_queue') is not null as net`;
        assert.deepEqual(row, { extensions: 0, cron: true, net: true });
        await assertClientsLockedOut(sql);
        const [net] = await sql<
          { anon: boolean }[]
        >`select has_schema_privilege('anon', 'net', 'usage') as anon`;
        assert.equal(net.anon, false);
      });

      await runScheduleScenario(t, sql);

      await t.step("they fail like pg_cron and pg_net where this project relies on it", async () => {
        await assert.rejects(
          sql`select cron.unschedule('no-such-job')`,
          /could not find valid entry for job 'no-such-job'/,
        );
        await assert.rejects(
          sql`select cron.unschedule(999999::bigint)`,
          /could not find valid entry for job 999999/,
        );
        await assert.rejects(
          sql`select cron.schedule('x', 'every day', 'select 1')`,
          /invalid schedule: every day/,
        );
        await assert.rejects(
          sql`select net.http_post('https://example.com', '{}'::jsonb, '{"a":"1"}'::jsonb)`,
          /the pg_net stand-in does not support params/,
        );
        const [{ id }] = await sql<
          { id: string }[]
        >`select cron.schedule('plain job', '*/5 * * * *', 'select 1')::text as id`;
        const [{ again }] = await sql<
          { again: string }[]
        >`select cron.schedule('plain job', '*/10 * * * *', 'select 2')::text as again`;
        assert.equal(again, id);
        assert.equal(await sql`select 1 from cron.job where jobname = 'plain job'`.then((r) => r.length), 1);
        await sql`select cron.unschedule('plain job')`;
      });

      await t.step("two admins saving at once make one secret and one job", async () => {
        await sql`delete from vault.secrets where name like 'auto\_backup\_%'`;
        // Hold both saves at their first Vault read, so they really overlap, then let them go.
        const blocker = postgres(databaseUrl(database), { max: 1, onnotice: () => {} });
        const other = connect(database);
        try {
          await blocker`begin`;
          await blocker`lock table vault.secrets in access exclusive mode`;
          const saves = [
            setSchedule(sql, { cron: "0 2 29 2 *", projectUrl: "https://project-ref.supabase.co" }),
            setSchedule(other, { cron: "0 4 29 2 *", projectUrl: "https://project-ref.supabase.co" }),
          ];
          for (;;) {
            const [{ waiting }] = await blocker<{ waiting: number }[]>`
              select count(*)::int as waiting from pg_locks
              where not granted and database = (select oid from pg_database where datname = current_database())`;
            if (waiting >= 2) break;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await blocker`commit`;
          const results = await Promise.all(saves);
          assert.deepEqual(results.map((r) => r.cron).sort(), ["0 2 29 2 *", "0 4 29 2 *"]);
        } finally {
          await blocker.end();
          await other.end();
        }
        const [{ secrets, jobs }] = await sql<{ secrets: number; jobs: number }[]>`
          select (select count(*)::int from vault.secrets where name = 'auto_backup_cron_secret') as secrets,
            (select count(*)::int from cron.job where jobname = 'auto-backup') as jobs`;
        assert.deepEqual({ secrets, jobs }, { secrets: 1, jobs: 1 });
        await setSchedule(sql, { cron: null, projectUrl: "https://project-ref.supabase.co" });
      });

      await t.step("applying the stand-ins again changes nothing", async () => {
        await sql`select cron.schedule('kept', '0 1 * * *', 'select 1')`;
        await applyFiles(sql, await projectSetupFiles({ migrations: false }));
        const rows = await sql<{ schedule: string }[]>`select schedule from cron.job where jobname = 'kept'`;
        assert.deepEqual(rows.map((r) => r.schedule), ["0 1 * * *"]);
      });
    } finally {
      await sql.end();
    }
  });
});

Deno.test("without pg_cron and pg_net", async (t) => {
  await t.step("the migration applies on a database that has neither, nor Supabase's schemas", async () => {
    await withThrowawayDatabase("cron_bare", async (database) => {
      const sql = connect(database);
      try {
        await applyFiles(sql, [migration]);
        const [row] = await sql<{ cron: boolean; net: boolean }[]>`
          select to_regnamespace('cron') is not null as cron, to_regnamespace('net') is not null as net`;
        assert.deepEqual(row, { cron: false, net: false });
      } finally {
        await sql.end();
      }
    });
  });

  await t.step("the schedule says which extension to enable, and reads as no schedule", async () => {
    await withThrowawayDatabase("cron_none", async (database) => {
      const sql = connect(database);
      try {
        await applyFiles(sql, await projectSetupFiles({ extensions: false }));
        await assert.rejects(
          setSchedule(sql, { cron: "0 2 * * *", projectUrl: "https://project-ref.supabase.co" }),
          (error: unknown) =>
            error instanceof ScheduleError && error.code === "scheduler_unavailable" &&
            /the "pg_cron" extension is not enabled in this database; enable it in the Supabase dashboard/
              .test(
                error.message,
              ),
        );
        assert.deepEqual(await getSchedule(sql), { cron: null, next_run_at: null, timezone: "UTC" });
        assert.equal(await readCronSecret(sql), null);
        // Turning off a schedule that cannot exist is not an error.
        await setSchedule(sql, { cron: null, projectUrl: "https://project-ref.supabase.co" });
        const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from vault.secrets`;
        assert.equal(count, 0, "nothing is stored in Vault when the schedule cannot be set");
      } finally {
        await sql.end();
      }
    });
  });
});

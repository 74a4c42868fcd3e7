/**
 * What setSchedule / getSchedule / readCronSecret must do to a database, checked against the database
 * itself. The same scenario runs on the real pg_cron (pg_cron.test.ts) and on the local stand-ins
 * (stand_ins.test.ts), which is how the stand-ins are held to pg_cron's behaviour.
 *
 * The schedules used here only match on the 29th of February, so the real pg_cron never fires them while
 * the scenario counts requests.
 */
import assert from "node:assert/strict";
import {
  getSchedule,
  readCronSecret,
  setSchedule,
} from "../../../supabase/functions/_shared/backup/schedule/schedule.ts";
import { ScheduleError } from "../../../supabase/functions/_shared/backup/schedule/schedule-error.ts";
import type { Sql } from "./database.ts";

export interface QueuedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeout_milliseconds: number;
}

export interface Job {
  jobid: string;
  schedule: string;
  command: string;
  active: boolean;
  username: string;
  database: string;
}

export async function autoBackupJobs(sql: Sql): Promise<Job[]> {
  return await sql<Job[]>`
    select jobid::text as jobid, schedule, command, active, username, database
    from cron.job where jobname = 'auto-backup' order by jobid`;
}

export async function queuedRequests(sql: Sql): Promise<QueuedRequest[]> {
  return await sql<QueuedRequest[]>`
    select method::text as method, url, headers,
      pg_catalog.convert_from(body, 'UTF8')::jsonb as body, timeout_milliseconds
    from net.http_request_queue order by id`;
}

/** Runs the job's command the way pg_cron does: the text from cron.job, as one simple-protocol script. */
export async function runJobCommand(sql: Sql, jobid: string): Promise<void> {
  const [{ command }] = await sql<
    { command: string }[]
  >`select command from cron.job where jobid = ${jobid}::bigint`;
  await sql.unsafe(command);
}

export async function vaultSecrets(sql: Sql): Promise<Map<string, string>> {
  const rows = await sql<{ name: string; decrypted_secret: string }[]>`
    select name, decrypted_secret from vault.decrypted_secrets
    where name in ('auto_backup_project_url', 'auto_backup_cron_secret')`;
  return new Map(rows.map((r) => [r.name, r.decrypted_secret]));
}

export async function runScheduleScenario(t: Deno.TestContext, sql: Sql): Promise<void> {
  const now = () => new Date("2026-11-24T18:00:30Z");
  let generated = 0;
  const generateSecret = () => {
    generated += 1;
    return `test-secret-${generated}-${crypto.randomUUID()}`;
  };
  await sql`delete from net.http_request_queue`;

  await t.step("no schedule and no secret at first", async () => {
    assert.deepEqual(await getSchedule(sql, { now }), { cron: null, next_run_at: null, timezone: "UTC" });
    assert.equal(await readCronSecret(sql), null);
    assert.equal((await autoBackupJobs(sql)).length, 0);
  });

  let secret = "";
  let jobid = "";
  await t.step("setting a schedule creates exactly one job with that expression", async () => {
    const result = await setSchedule(sql, {
      cron: " 0 2  29 2 * ",
      projectUrl: "https://project-ref.supabase.co/",
      generateSecret,
      now,
    });
    assert.deepEqual(result, {
      cron: "0 2 29 2 *",
      next_run_at: "2028-02-29T02:00:00.000Z",
      timezone: "UTC",
    });
    const jobs = await autoBackupJobs(sql);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].schedule, "0 2 29 2 *");
    assert.equal(jobs[0].active, true);
    const [{ db, usr }] = await sql<
      { db: string; usr: string }[]
    >`select current_database() as db, current_user as usr`;
    assert.equal(jobs[0].database, db);
    assert.equal(jobs[0].username, usr);
    jobid = jobs[0].jobid;
    assert.deepEqual(await getSchedule(sql, { now }), result);
  });

  await t.step("the secret and the project URL are in Vault, not in the job", async () => {
    assert.equal(generated, 1);
    const secrets = await vaultSecrets(sql);
    secret = secrets.get("auto_backup_cron_secret") ?? "";
    assert.match(secret, /^test-secret-1-/);
    assert.equal(secrets.get("auto_backup_project_url"), "https://project-ref.supabase.co");
    assert.equal(await readCronSecret(sql), secret);
    const [job] = await autoBackupJobs(sql);
    assert.ok(!job.command.includes(secret), "the job's command must not contain the secret");
    assert.ok(!job.command.includes("project-ref"), "the job reads the project URL from Vault when it runs");
  });

  await t.step("running the job's command makes one net.http_post call to the function", async () => {
    await runJobCommand(sql, jobid);
    const requests = await queuedRequests(sql);
    assert.equal(requests.length, 1);
    assert.deepEqual(requests[0], {
      method: "POST",
      url: "https://project-ref.supabase.co/functions/v1/auto-backup",
      headers: { "Content-Type": "application/json", "x-backup-secret": secret },
      body: { action: "run" },
      timeout_milliseconds: 30000,
    });
    await sql`delete from net.http_request_queue`;
  });

  await t.step("re-scheduling replaces the job and reuses the secret; a new URL is followed", async () => {
    const result = await setSchedule(sql, {
      cron: "30 3 29 2 *",
      projectUrl: "https://moved-ref.supabase.co",
      generateSecret,
      now,
    });
    assert.equal(result.cron, "30 3 29 2 *");
    assert.equal(result.next_run_at, "2028-02-29T03:30:00.000Z");
    const jobs = await autoBackupJobs(sql);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].jobid, jobid, "pg_cron keeps the id of a job replaced by name");
    assert.equal(jobs[0].schedule, "30 3 29 2 *");
    assert.equal(generated, 1, "the secret is generated once");
    assert.equal(await readCronSecret(sql), secret);
    const [{ count }] = await sql<{ count: number }[]>`
      select count(*)::int as count from vault.secrets
      where name in ('auto_backup_project_url', 'auto_backup_cron_secret')`;
    assert.equal(count, 2);

    await runJobCommand(sql, jobid);
    const requests = await queuedRequests(sql);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].url, "https://moved-ref.supabase.co/functions/v1/auto-backup");
    assert.equal(requests[0].headers["x-backup-secret"], secret);
    await sql`delete from net.http_request_queue`;
  });

  await t.step("a paused job shows no next run, and saving the schedule resumes it", async () => {
    await sql`select cron.alter_job(${jobid}::bigint, active := false)`;
    assert.deepEqual(await getSchedule(sql, { now }), {
      cron: "30 3 29 2 *",
      next_run_at: null,
      timezone: "UTC",
    });
    await setSchedule(sql, { cron: "30 3 29 2 *", projectUrl: "https://moved-ref.supabase.co", now });
    assert.equal((await autoBackupJobs(sql))[0].active, true);
    assert.equal((await getSchedule(sql, { now })).next_run_at, "2028-02-29T03:30:00.000Z");
  });

  await t.step("an invalid expression changes nothing", async () => {
    for (const cron of ["0 2 * *", "0 2 * * *'; delete from cron.job; --", "@daily"]) {
      await assert.rejects(
        setSchedule(sql, { cron, projectUrl: "https://project-ref.supabase.co", now }),
        (error: unknown) => error instanceof ScheduleError && error.code === "invalid_schedule",
      );
    }
    const jobs = await autoBackupJobs(sql);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].schedule, "30 3 29 2 *");
  });

  await t.step("null removes the job, keeps the secret for next time, and may be repeated", async () => {
    assert.deepEqual(
      await setSchedule(sql, { cron: null, projectUrl: "https://moved-ref.supabase.co", now }),
      {
        cron: null,
        next_run_at: null,
        timezone: "UTC",
      },
    );
    assert.equal((await autoBackupJobs(sql)).length, 0);
    assert.deepEqual(await getSchedule(sql, { now }), { cron: null, next_run_at: null, timezone: "UTC" });
    assert.equal(await readCronSecret(sql), secret);
    await setSchedule(sql, { cron: null, projectUrl: "https://moved-ref.supabase.co", now });
    assert.equal((await autoBackupJobs(sql)).length, 0);
  });

  await t.step("a job whose Vault secrets are gone fails with a message saying what to do", async () => {
    await setSchedule(sql, { cron: "0 2 29 2 *", projectUrl: "https://project-ref.supabase.co", now });
    const [job] = await autoBackupJobs(sql);
    await sql`delete from vault.secrets where name = 'auto_backup_cron_secret'`;
    await assert.rejects(
      runJobCommand(sql, job.jobid),
      /Cannot start the scheduled backup: Vault secret "auto_backup_project_url" or "auto_backup_cron_secret" is missing/,
    );
    assert.equal((await queuedRequests(sql)).length, 0);
    // Saving the schedule again makes a new secret.
    await setSchedule(sql, {
      cron: "0 2 29 2 *",
      projectUrl: "https://project-ref.supabase.co",
      generateSecret,
      now,
    });
    assert.equal(generated, 2);
    assert.match((await readCronSecret(sql)) ?? "", /^test-secret-2-/);
    await setSchedule(sql, { cron: null, projectUrl: "https://project-ref.supabase.co", now });
  });
}

/** Clients (anon, authenticated) can use neither the scheduler nor its requests. */
export async function assertClientsLockedOut(sql: Sql): Promise<void> {
  const rows = await sql<{ role: string; cron: boolean; job: boolean }[]>`
    select r.role,
      has_schema_privilege(r.role, 'cron', 'usage') as cron,
      has_function_privilege(r.role, 'cron.schedule(text,text,text)', 'execute')
        and has_schema_privilege(r.role, 'cron', 'usage') as job
    from (values ('anon'), ('authenticated')) as r(role)`;
  for (const row of rows) {
    assert.equal(row.cron, false, `${row.role} must not use schema cron`);
    assert.equal(row.job, false, `${row.role} must not schedule jobs`);
  }
}

/**
 * An hourly expression (schedules run at most hourly) whose next run is at the next minute boundary, or
 * the one after when this minute is almost over, so a test sees the job fire within about a minute.
 */
export function hourlyCronDueSoon(now = new Date()): string {
  const minute = (now.getUTCMinutes() + (now.getUTCSeconds() < 50 ? 1 : 2)) % 60;
  return `${minute} * * * *`;
}

/**
 * End to end on the local stack: the admin sets a schedule through the function, the pg_cron stand-in
 * fires it at the next minute, pg_net's stand-in calls the function with the Vault secret, and the run
 * started that way (trigger `schedule`) reaches `success`. A request with a wrong secret is refused and
 * leaves no trace in backup_runs.
 *
 * The stack's own cron runner fires the job when the stack runs one (application_name
 * "pg_cron stand-in runner"); otherwise the test runs dev/cron/start-cron-runner.ts against the stack.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { type CronRunner, startCronRunner } from "../../dev/cron/start-cron-runner.ts";
import { useStack } from "../support/stack-process.ts";
import { hourlyCronDueSoon } from "./support/schedule-scenario.ts";

interface RunRow {
  id: string;
  trigger: string;
  status: string;
  error: string | null;
}

Deno.test("a schedule set through the function fires on the local stack", async (t) => {
  const stack = await useStack();
  const { info } = stack;
  const sql = postgres(info.db_url, { max: 2, onnotice: () => {} });
  let runner: CronRunner | undefined;
  const functionUrl = `${info.supabase_url}/functions/v1/auto-backup`;

  const admin = info.users.find((u) => u.admin);
  assert.ok(admin, "the stack has an admin user");

  async function signIn(): Promise<string> {
    const response = await fetch(`${info.supabase_url}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { apikey: info.anon_key, "Content-Type": "application/json" },
      body: JSON.stringify({ email: admin!.email, password: admin!.password }),
    });
    const body = await response.json();
    assert.equal(response.status, 200, `sign-in failed: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  async function callAsAdmin(
    token: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(functionUrl, {
      method: "POST",
      headers: {
        apikey: info.anon_key,
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const runCount = async () =>
    (await sql<{ n: number }[]>`select count(*)::int as n from public.backup_runs`)[0].n;

  try {
    const token = await signIn();

    await t.step("a wrong scheduler secret is refused and recorded nowhere", async () => {
      const before = await runCount();
      for (const secret of ["wrong-secret-0123456789abcdef0123456789abcdef", ""]) {
        const response = await fetch(functionUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", "x-backup-secret": secret },
          body: '{"action":"run"}',
        });
        const body = await response.json();
        assert.equal(response.status, 401, JSON.stringify(body));
        assert.equal(typeof body.error, "string");
      }
      assert.equal(await runCount(), before);
    });

    let scheduledAt = new Date();
    await t.step("the admin sets an hourly schedule due within the next minutes", async () => {
      scheduledAt = new Date();
      const cron = hourlyCronDueSoon(scheduledAt);
      const { status, body } = await callAsAdmin(token, { action: "schedule", cron });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.cron, cron);
      assert.equal(body.timezone, "UTC");
      const next = new Date(String(body.next_run_at));
      assert.ok(
        next > scheduledAt && next.getTime() - scheduledAt.getTime() <= 130_000,
        String(body.next_run_at),
      );

      const jobs = await sql<{ schedule: string; command: string }[]>`
        select schedule, command from cron.job where jobname = 'auto-backup'`;
      assert.equal(jobs.length, 1);
      const [secret] = await sql<{ value: string }[]>`
        select decrypted_secret as value from vault.decrypted_secrets where name = 'auto_backup_cron_secret'`;
      assert.ok(secret.value.length >= 32);
      assert.ok(!jobs[0].command.includes(secret.value));

      const status2 = await callAsAdmin(token, { action: "status" });
      assert.equal(status2.status, 200);
      assert.deepEqual((status2.body.schedule as Record<string, unknown>).cron, cron);
    });

    await t.step("the job fires and the scheduled run reaches success", async () => {
      const [{ n: stackRunners }] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'pg_cron stand-in runner' and datname = current_database()`;
      if (stackRunners === 0) runner = startCronRunner({ databaseUrl: info.db_url });

      // The next minute boundary, then the backup itself (seeded sample app to Storage and the emulator).
      const deadline = Date.now() + 240_000;
      let run: RunRow | undefined;
      while (Date.now() < deadline) {
        [run] = await sql<RunRow[]>`
          select id::text as id, trigger, status, error from public.backup_runs
          where trigger = 'schedule' and started_at >= ${scheduledAt}
          order by started_at limit 1`;
        if (run && run.status !== "running") break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.ok(run, 'no run with trigger "schedule" started within 240 seconds');
      assert.equal(run.status, "success", `the scheduled run ended "${run.status}": ${run.error}`);

      const [call] = await sql<{ status: string; code: number | null }[]>`
        select d.status, (select r.status_code from net._http_response r order by r.id desc limit 1) as code
        from cron.job_run_details d join cron.job j using (jobid)
        where j.jobname = 'auto-backup' order by d.runid limit 1`;
      assert.deepEqual(call, { status: "succeeded", code: 202 });
    });

    await t.step("the admin removes the schedule", async () => {
      const { status, body } = await callAsAdmin(token, { action: "schedule", cron: null });
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.cron, null);
      const jobs = await sql`select 1 from cron.job where jobname = 'auto-backup'`;
      assert.equal(jobs.length, 0);
    });
  } finally {
    // Never leave a schedule behind on a shared stack.
    await sql`select cron.unschedule(jobid) from cron.job where jobname = 'auto-backup'`.catch(() =>
      undefined
    );
    await runner?.stop();
    await sql.end();
    await stack.stop();
  }
});

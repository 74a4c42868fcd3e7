/**
 * Limits on how often backups run, over real HTTP (gateway → function → Postgres): a stolen admin session
 * or scheduler secret can neither chain runs (429 while a run started or ended less than 60 s ago,
 * enforced by the database, so several function instances agree) nor save a schedule more frequent than
 * hourly.
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  allowNextRun,
  callFunction,
  openStack,
  signIn,
  type Stack,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";

async function runCount(stack: Stack): Promise<number> {
  const [{ n }] = await stack.sql<Array<{ n: number }>>`select count(*)::int as n from public.backup_runs`;
  return n;
}

/** The scheduler's secret from Vault, created by saving a schedule if there is none yet. */
async function schedulerSecret(stack: Stack, asAdmin: Record<string, string>): Promise<string> {
  const read = () =>
    stack.sql<Array<{ value: string }>>`
      select decrypted_secret as value from vault.decrypted_secrets where name = 'auto_backup_cron_secret'`;
  let [row] = await read();
  if (!row) {
    const before = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    const cron = (before.body.schedule as { cron: string | null }).cron;
    assert.equal(
      (await callFunction(stack, { body: { action: "schedule", cron: "0 3 * * *" }, headers: asAdmin }))
        .status,
      200,
    );
    assert.equal(
      (await callFunction(stack, { body: { action: "schedule", cron }, headers: asAdmin })).status,
      200,
    );
    [row] = await read();
  }
  return row.value;
}

Deno.test("run: 429 rate_limited with Retry-After for a minute after a run, for the admin and the scheduler", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const asAdmin = { authorization: `Bearer ${await signIn(stack, adminEmail(stack))}` };
    const secret = await schedulerSecret(stack, asAdmin);

    const first = await callFunction(stack, { body: { action: "run" }, headers: asAdmin });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    await waitForRun(stack, String(first.body.run_id));
    const count = await runCount(stack);

    for (const headers of [asAdmin, { "x-backup-secret": secret }]) {
      const r = await callFunction(stack, { body: { action: "run" }, headers });
      assert.equal(r.status, 429, JSON.stringify(r.body));
      assert.equal(r.body.error_code, "rate_limited");
      const retry = Number(r.headers.get("retry-after"));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After: ${retry}`);
      assert.equal(r.body.retry_after_seconds, retry);
      assert.match(
        String(r.body.error),
        /^Cannot start a backup yet: the previous run started or ended at \d\d:\d\d:\d\d UTC, less than 60 s ago; try again in \d+ s$/,
      );
      assert.equal(r.headers.get("access-control-allow-origin"), "*");
    }
    assert.equal(await runCount(stack), count, "no run row for a refused request");

    // A minute later: concurrent requests (as from several function instances) start exactly one run.
    await allowNextRun(stack);
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => callFunction(stack, { body: { action: "run" }, headers: asAdmin })),
    );
    const statuses = burst.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 202).length, 1, JSON.stringify(statuses));
    assert.ok(statuses.every((s) => s === 202 || s === 409 || s === 429), JSON.stringify(statuses));
    await waitForRun(stack, String(burst.find((r) => r.status === 202)!.body.run_id));
    assert.equal(await runCount(stack), count + 1);
  } finally {
    await waitForIdle(stack);
    await stack.close();
  }
});

Deno.test("schedule: more often than hourly is refused with a clear message; hourly and daily are saved", async () => {
  const stack = await openStack();
  try {
    const asAdmin = { authorization: `Bearer ${await signIn(stack, adminEmail(stack))}` };
    const before = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    const saved = (before.body.schedule as { cron: string | null }).cron;
    try {
      for (const cron of ["* * * * *", "*/5 * * * *", "0,30 2 * * *"]) {
        const r = await callFunction(stack, { body: { action: "schedule", cron }, headers: asAdmin });
        assert.equal(r.status, 400, cron);
        assert.match(
          String(r.body.error),
          /^Cannot use the backup schedule ".+": it runs more often than once an hour \(at \d\d:\d\d and \d\d:\d\d UTC\), and backups run at most hourly/,
        );
        const jobs = await stack
          .sql`select 1 from cron.job where jobname = 'auto-backup' and schedule = ${cron}`;
        assert.equal(jobs.length, 0, `no job saved for "${cron}"`);
      }
      for (const cron of ["17 * * * *", "0 3 * * *"]) {
        const r = await callFunction(stack, { body: { action: "schedule", cron }, headers: asAdmin });
        assert.equal(r.status, 200, `${cron}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.cron, cron);
      }
    } finally {
      await callFunction(stack, { body: { action: "schedule", cron: saved }, headers: asAdmin });
    }
  } finally {
    await stack.close();
  }
});

/**
 * The table list is never configured: a table the app gains after the schedule was saved is in the next
 * scheduled backup, with no setting touched. On the stack, through the scheduler's own path: the pg_cron
 * job's command (pg_net → gateway → function with the Vault secret), as pg_cron would run it.
 */
import assert from "node:assert/strict";
import {
  adminHeaders,
  allowNextRun,
  callFunction,
  downloadFromStorage,
  keepSchedulerSecrets,
  openStack,
  type RunRow,
  saveYearlySchedule,
  type Stack,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { verifyBackup } from "../../cli/lib/verify-file.ts";

/** Runs the job's command now, as pg_cron would at its next minute, and waits for the run it starts. */
async function fireScheduledJob(stack: Stack): Promise<RunRow> {
  const since = new Date();
  const [{ command }] = await stack.sql<Array<{ command: string }>>`
    select command from cron.job where jobname = 'auto-backup'`;
  await stack.sql.unsafe(command);
  for (let i = 0; i < 300; i++) {
    const [row] = await stack.sql<Array<{ id: string }>>`
      select id from public.backup_runs where trigger = 'schedule' and started_at >= ${since}
      order by started_at desc limit 1`;
    if (row) return await waitForRun(stack, row.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("The scheduled job started no run within 30 s: is the stack's cron runner running?");
}

Deno.test("a table added after the schedule was saved is in the next scheduled backup, with no configuration change", async () => {
  const stack = await openStack();
  const table = `added_later_${crypto.randomUUID().slice(0, 8)}`;
  const asAdmin = await adminHeaders(stack);
  const vault = await keepSchedulerSecrets(stack, asAdmin);
  try {
    await waitForIdle(stack);
    await saveYearlySchedule(stack, asAdmin);
    const settingsBefore = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });

    const first = await fireScheduledJob(stack);
    assert.equal(first.status, "success", `${first.error_code}: ${first.error}`);
    assert.ok(!first.tables!.some((t) => t.name === table));

    // The app gains a table (a migration, or a click in the Table Editor).
    await stack.sql.unsafe(`
      create table public.${table} (id bigint generated always as identity primary key, label text);
      insert into public.${table} (label) select 'row ' || g from generate_series(1, 321) g;`);

    await allowNextRun(stack); // the next night: runs through the function are rate limited
    const second = await fireScheduledJob(stack);
    assert.equal(second.status, "success", `${second.error_code}: ${second.error}`);
    assert.deepEqual(second.tables!.find((t) => t.name === table), {
      schema: "public",
      name: table,
      rows: 321,
    });
    assert.equal(second.tables!.length, first.tables!.length + 1);
    const bytes = await downloadFromStorage(stack, second.storage_path!);
    const report = await verifyBackup(new Blob([bytes as BlobPart]).stream());
    assert.equal(report.tables.find((t) => t.name === table)?.rows, 321, "the stored file holds it");

    const settingsAfter = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    assert.deepEqual(settingsAfter.body.schemas, settingsBefore.body.schemas, "no setting changed");
  } finally {
    await vault.restore();
    await stack.sql.unsafe(`drop table if exists public.${table}`);
    await waitForIdle(stack);
    await stack.close();
  }
});

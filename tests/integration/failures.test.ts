/**
 * Failure paths through the real stack: OneDrive failing (partial, Storage copy kept, one alert), the
 * export's database connection killed mid-export, a backup process killed mid-run, and an unreachable
 * database. Each ends with an honest status and a message an admin can act on.
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  allowNextRun,
  callFunction,
  oneDriveNames,
  openStack,
  runRow,
  signIn,
  stackSecrets,
  startWebhook,
  storageNames,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { lockTable, waitForBlockedExport } from "../support/database-levers.ts";
import { runCli, stackCliCommand } from "../support/cli.ts";

Deno.test("OneDrive failing: partial, the Storage copy kept, one alert without secrets (CLI and function)", async () => {
  const stack = await openStack();
  const webhook = startWebhook();
  try {
    await waitForIdle(stack);
    await stack.emulator.failUploadsQuotaExceeded();
    const cli = await runCli(stack, "backup.ts", [], { BACKUP_ALERT_WEBHOOK_URL: webhook.url });
    assert.equal(cli.code, 1, "a partial run is not a success");
    assert.match(cli.stdout, /^PARTIAL in .*Storage success, OneDrive failed$/m);
    const id = /^Run ([0-9a-f-]{36}):/m.exec(cli.stdout)![1];
    const row = await runRow(stack, id);
    assert.equal(row.status, "partial");
    assert.equal(row.storage_status, "success");
    assert.equal(row.onedrive_status, "failed");
    assert.match(
      row.error!,
      /^The backup is safe in Supabase Storage but not in OneDrive\. OneDrive copy failed: /,
    );
    assert.ok(row.error_code);
    assert.ok((await storageNames(stack)).includes(row.file_name!), "the Storage copy is kept");
    assert.ok(!(await oneDriveNames(stack)).includes(row.file_name!));

    assert.equal(webhook.received.length, 1, "one alert per run");
    assert.match(webhook.received[0].text, /^Backup only partly succeeded for 127\.0\.0\.1:\d+ \(cli run /);
    const everything = JSON.stringify([row, webhook.received, cli.stdout, cli.stderr]);
    for (const secret of stackSecrets(stack)) assert.ok(!everything.includes(secret), "no secret anywhere");
    assert.ok(!/tempauth=/.test(everything), "no upload session URL anywhere");

    // The same through the function, a minute later (runs through the function are rate limited).
    await allowNextRun(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const started = await callFunction(stack, {
      body: { action: "run" },
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(started.status, 202);
    const viaFunction = await waitForRun(stack, String(started.body.run_id));
    assert.equal(viaFunction.status, "partial");
    assert.equal(viaFunction.storage_status, "success");
  } finally {
    await stack.emulator.clearFaults();
    await webhook.stop();
    await stack.close();
  }
});

Deno.test("the export's connection killed mid-export: the run fails, the function lives on, the next run succeeds", async () => {
  const stack = await openStack();
  let lock: { release(): Promise<void> } | undefined;
  try {
    await waitForIdle(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    lock = await lockTable(stack.sql);
    const started = await callFunction(stack, { body: { action: "run" }, headers: asAdmin });
    assert.equal(started.status, 202);
    const pid = await waitForBlockedExport(stack.sql);
    await stack.sql`select pg_terminate_backend(${pid})`;
    await lock.release();
    lock = undefined;

    const row = await waitForRun(stack, String(started.body.run_id));
    assert.equal(row.status, "failed");
    assert.equal(row.error_code, "database_unreachable");
    assert.match(row.error!, /^Cannot export the database: the connection was lost/);
    assert.equal(row.storage_status, "failed");
    assert.equal(row.onedrive_status, "failed");

    const status = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    assert.equal(status.status, 200, "the function process survived");
    await allowNextRun(stack); // a minute later: the failed run just ended
    const next = await callFunction(stack, { body: { action: "run" }, headers: asAdmin });
    assert.equal(next.status, 202);
    assert.equal((await waitForRun(stack, String(next.body.run_id))).status, "success");
  } finally {
    await lock?.release();
    await stack.close();
  }
});

Deno.test("a backup process killed mid-run is marked failed later, and the next run starts cleanly", async () => {
  const stack = await openStack();
  let lock: { release(): Promise<void> } | undefined;
  let child: Deno.ChildProcess | undefined;
  try {
    await waitForIdle(stack);
    lock = await lockTable(stack.sql);
    child = stackCliCommand(stack, "backup.ts", []).spawn();
    await waitForBlockedExport(stack.sql);
    const [{ id }] = await stack.sql<Array<{ id: string }>>`
      select id from public.backup_runs where status = 'running' and trigger = 'cli'`;
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    child = undefined;
    await lock.release();
    lock = undefined;

    assert.equal((await runRow(stack, id)).status, "running", "nobody finished the row");
    // Time passes beyond the platform's maximum run time without a heartbeat.
    await stack
      .sql`update public.backup_runs set heartbeat_at = now() - interval '10 minutes' where id = ${id}`;
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    assert.equal((await callFunction(stack, { body: { action: "status" }, headers: asAdmin })).status, 200);
    const dead = await runRow(stack, id);
    assert.equal(dead.status, "failed");
    assert.equal(dead.error_code, "run_abandoned");
    assert.match(dead.error!, /^The backup stopped without finishing .* while exporting/);
    // The killed run left no file that looks complete.
    assert.ok(!(await storageNames(stack)).includes(dead.file_name!));
    assert.ok(!(await oneDriveNames(stack)).includes(dead.file_name!));

    await allowNextRun(stack); // a minute later: the failed run just ended
    const next = await callFunction(stack, { body: { action: "run" }, headers: asAdmin });
    assert.equal(next.status, 202, JSON.stringify(next.body));
    assert.equal((await waitForRun(stack, String(next.body.run_id))).status, "success");
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    await lock?.release();
    await stack.close();
  }
});

Deno.test("an unreachable database: npm run backup fails with a clear message", async () => {
  const stack = await openStack();
  try {
    const unreachable = "postgresql://postgres:not-the-password@127.0.0.1:1/postgres";
    const result = await runCli(stack, "backup.ts", [], { SUPABASE_DB_URL: unreachable });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Cannot start the backup: .*(ECONNREFUSED|connect)/m);
    assert.ok(!result.stderr.includes("not-the-password"));
  } finally {
    await stack.close();
  }
});

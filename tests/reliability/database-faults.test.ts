/**
 * Postgres misbehaving around a backup, end to end through the function: the export's connection
 * terminated mid-export, a statement timeout set for the backup's database user, and the database
 * restarted between two runs (on a stack of its own, see support/dedicated-stack.ts).
 */
import assert from "node:assert/strict";
import {
  adminHeaders,
  allowNextRun,
  callFunction,
  signIn,
  startWebhook,
  waitForRun,
} from "../support/harness.ts";
import { lockTable, waitForBlockedExport } from "../support/database-levers.ts";
import { startDedicatedStack } from "./support/dedicated-stack.ts";
import { type FunctionProcess, startFunctionProcess } from "../support/function-process.ts";
import {
  assertEarlierUntouched,
  assertNothingInOneDrive,
  assertVerifiedCopies,
  closeCleanStack,
  hasStorageFile,
  openCleanStack,
  sleep,
  snapshotDestinations,
  storageObjects,
} from "./support/outcomes.ts";

async function spoolCount(dir: string): Promise<number> {
  let n = 0;
  for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".spool")) n++;
  return n;
}

function withParameter(dbUrl: string, name: string, value: string): string {
  const url = new URL(dbUrl);
  url.searchParams.set(name, value);
  return url.toString();
}

Deno.test("Postgres faults during the export, through the function", async (t) => {
  const stack = await openCleanStack();
  const webhook = startWebhook();
  const processes: FunctionProcess[] = [];
  try {
    const env = { BACKUP_RETENTION_COUNT: "0", BACKUP_ALERT_WEBHOOK_URL: webhook.url };
    const admin = await adminHeaders(stack);

    await t.step(
      "the export's connection terminated mid-export: failed, nothing stored, spool removed, one alert",
      async () => {
        const fn = await startFunctionProcess(stack, env);
        processes.push(fn);
        webhook.received.length = 0;
        const before = await snapshotDestinations(stack);
        const lock = await lockTable(stack.sql);
        let id: string;
        try {
          await allowNextRun(stack); // runs through the function are rate limited: a minute passes
          const started = await fn.call({ body: { action: "run" }, headers: admin });
          assert.equal(started.status, 202);
          id = String(started.body.run_id);
          const pid = await waitForBlockedExport(stack.sql);
          assert.equal(await spoolCount(fn.tmpDir), 1, "the export was writing its spool file");
          await stack.sql`select pg_terminate_backend(${pid})`;
        } finally {
          await lock.release();
        }
        const row = await waitForRun(stack, id);
        assert.equal(row.status, "failed");
        assert.equal(row.error_code, "database_unreachable");
        assert.match(row.error!, /^Cannot export the database: the connection was lost/);
        assert.equal(row.storage_status, "failed");
        assert.equal(row.onedrive_status, "failed");
        assert.ok(!hasStorageFile(await storageObjects(stack), row.file_name!), "nothing in Storage");
        await assertNothingInOneDrive(stack, row.file_name!);
        assert.equal(await spoolCount(fn.tmpDir), 0, "the partial spool file was deleted");
        await assertEarlierUntouched(stack, before);
        assert.equal(webhook.received.length, 1, "one alert");
        assert.match(
          webhook.received[0].text,
          /^Backup failed .*Cannot export the database: the connection was lost/s,
        );
      },
    );

    await t.step(
      "a statement timeout on the backup's database user does not cut the export short",
      async () => {
        // Like a role setting (`alter role … set statement_timeout`) or Supabase's global limit: the
        // function's sessions start with a 1 s statement timeout.
        const fn = await startFunctionProcess(stack, {
          ...env,
          SUPABASE_DB_URL: withParameter(stack.env.SUPABASE_DB_URL, "statement_timeout", "1000"),
        });
        processes.push(fn);
        webhook.received.length = 0;
        const lock = await lockTable(stack.sql);
        let id: string;
        try {
          await allowNextRun(stack); // runs through the function are rate limited: a minute passes
          const started = await fn.call({ body: { action: "run" }, headers: admin });
          assert.equal(started.status, 202, JSON.stringify(started.body));
          id = String(started.body.run_id);
          await waitForBlockedExport(stack.sql);
          // The COPY of the locked table now runs longer than the timeout.
          await sleep(2500);
        } finally {
          await lock.release();
        }
        const row = await waitForRun(stack, id);
        await assertVerifiedCopies(stack, row);
        assert.equal(webhook.received.length, 0);
        const [{ payments }] = await stack.sql<Array<{ payments: number }>>`
        select count(*)::int as payments from public.payments`;
        assert.equal(row.tables?.find((x) => x.name === "payments")?.rows, payments, "every row");
      },
    );
  } finally {
    for (const p of processes) await p.stop();
    await webhook.stop();
    await closeCleanStack(stack);
  }
});

Deno.test("the database restarted between two runs: the next run starts and succeeds", async () => {
  const stack = await startDedicatedStack();
  try {
    const admin = {
      authorization: `Bearer ${await signIn(stack, stack.info.users.find((u) => u.admin)!.email)}`,
    };
    await allowNextRun(stack); // runs through the function are rate limited: a minute passes
    const first = await callFunction(stack, { body: { action: "run" }, headers: admin });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    await assertVerifiedCopies(stack, await waitForRun(stack, String(first.body.run_id)));

    const startedAt = async () =>
      (await stack.sql<Array<{ t: string }>>`select pg_postmaster_start_time()::text as t`)[0].t;
    const before = await startedAt();
    await stack.restartPostgres();
    assert.notEqual(await startedAt(), before, "Postgres really restarted");

    // Every pooled connection (function, gateway) died with the old server; nothing is left to retry by hand.
    const again = {
      authorization: `Bearer ${await signIn(stack, stack.info.users.find((u) => u.admin)!.email)}`,
    };
    await allowNextRun(stack); // runs through the function are rate limited: a minute passes
    const second = await callFunction(stack, { body: { action: "run" }, headers: again });
    assert.equal(second.status, 202, JSON.stringify(second.body));
    const row = await waitForRun(stack, String(second.body.run_id));
    await assertVerifiedCopies(stack, row);
    const status = await callFunction(stack, { body: { action: "status" }, headers: again });
    assert.equal(status.status, 200);
  } finally {
    await stack.stop();
  }
});

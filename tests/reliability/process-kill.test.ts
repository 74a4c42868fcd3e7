/**
 * The function's process killed (SIGKILL, as a platform stops a worker) at each stage of a run: while
 * exporting, while storing, while uploading to OneDrive. Nothing runs in the dead process, so what
 * matters is what it leaves behind: no file that looks complete but is not (a truncated spool file is
 * refused by `npm run verify` and `npm run restore`, Storage never lists a half-received object,
 * OneDrive never shows an unfinished upload), the run marked failed by the next call once its heartbeat
 * is stale, one alert, and a next run that starts cleanly and succeeds.
 */
import assert from "node:assert/strict";
import {
  adminHeaders,
  allowNextRun,
  runRow,
  type Stack,
  startWebhook,
  waitForRun,
} from "../support/harness.ts";
import { runCli } from "../support/cli.ts";
import { ageHeartbeat, lockTable, waitForBlockedExport } from "../support/database-levers.ts";
import { type FunctionProcess, startFunctionProcess } from "../support/function-process.ts";
import {
  assertNothingInOneDrive,
  assertVerifiedCopies,
  closeCleanStack,
  FOLDER,
  hasStorageFile,
  openCleanStack,
  runThrough,
  sleep,
  storageObjects,
  until,
} from "./support/outcomes.ts";
import { startStorageProxy } from "./support/storage-proxy.ts";

async function spoolFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.startsWith("backup-") && entry.name.endsWith(".spool")) {
      names.push(`${dir}/${entry.name}`);
    }
  }
  return names;
}

async function dirEntries(dir: string): Promise<string[]> {
  try {
    const out: string[] = [];
    for await (const entry of Deno.readDir(dir)) out.push(entry.name);
    return out;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Starts a run and returns its id as soon as the 202 arrives. */
async function startRun(
  fn: FunctionProcess,
  headers: Record<string, string>,
  killed: string[],
): Promise<string> {
  const started = await fn.call({ body: { action: "run" }, headers: headers });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  killed.push(String(started.body.run_id));
  return String(started.body.run_id);
}

/** After the kill: the row stays running until its heartbeat is stale; then a status call reaps it. */
async function reap(stack: Stack, fn: FunctionProcess, headers: Record<string, string>, id: string) {
  assert.equal((await runRow(stack, id)).status, "running", "nobody finished the killed run's row");
  await ageHeartbeat(stack.sql, id);
  const status = await fn.call({ body: { action: "status" }, headers: headers });
  assert.equal(status.status, 200);
  const row = await runRow(stack, id);
  assert.equal(row.status, "failed");
  assert.equal(row.error_code, "run_abandoned");
  return row;
}

Deno.test("the function process killed mid-run, at every stage", async (t) => {
  const stack = await openCleanStack();
  const webhook = startWebhook();
  const proxy = startStorageProxy(stack.info.supabase_url);
  const tmpDir = await Deno.makeTempDir({ prefix: "reliability-kill-" });
  const live: FunctionProcess[] = [];
  const env = { BACKUP_RETENTION_COUNT: "0", BACKUP_ALERT_WEBHOOK_URL: webhook.url };
  // Runs a killed process left `running`; a failed step must not block the next one for two minutes.
  const killed: string[] = [];
  const step = (name: string, body: () => Promise<void>) =>
    t.step(name, async () => {
      try {
        await body();
      } finally {
        await stack.sql`
          update public.backup_runs set status = 'failed', phase = null, error_code = 'run_abandoned',
            error = 'Ended by the test after its process was killed'
          where id = any(${killed}::uuid[]) and status = 'running'`;
      }
    });
  const start = async (overrides: Record<string, string> = {}) => {
    const fn = await startFunctionProcess(stack, { ...env, ...overrides }, { tmpDir });
    live.push(fn);
    return fn;
  };
  try {
    const admin = await adminHeaders(stack);

    await step("killed while exporting: the truncated spool file is refused, then cleaned up", async () => {
      const fn = await start();
      const lock = await lockTable(stack.sql);
      let id: string;
      try {
        await allowNextRun(stack); // runs through the function are rate limited: a minute passes
        id = await startRun(fn, admin, killed);
        await waitForBlockedExport(stack.sql);
        await fn.kill();
      } finally {
        await lock.release();
      }
      const [spool] = await spoolFiles(tmpDir);
      assert.ok(spool, "the killed export left its spool file behind");

      // A truncated file is never taken for a backup: verify and restore refuse it, and nothing is written.
      const verify = await runCli(stack, "verify.ts", [spool]);
      assert.equal(verify.code, 1, verify.stdout);
      assert.match(
        verify.stderr,
        /^Cannot verify ".*": the (gzip data is corrupt or truncated|file is empty)/m,
      );
      const restore = await runCli(stack, "restore.ts", [spool, "--into-schema", "reliability_truncated"]);
      assert.equal(restore.code, 1, restore.stdout);
      assert.match(
        restore.stderr,
        /^Cannot restore ".*": the (gzip data is corrupt or truncated|file is empty)/m,
      );
      assert.match(restore.stderr, /Nothing was written/);
      const [{ exists }] = await stack.sql<Array<{ exists: boolean }>>`
        select exists (select 1 from pg_namespace where nspname = 'reliability_truncated') as exists`;
      assert.equal(exists, false, "no schema was created");

      webhook.received.length = 0;
      const next = await start();
      const dead = await reap(stack, next, admin, id);
      assert.match(
        dead.error!,
        /^The backup stopped without finishing .* while exporting; the next run starts/,
      );
      assert.equal(webhook.received.length, 1, "one alert about the dead run");
      assert.match(webhook.received[0].text, /stopped without finishing/);
      assert.ok(!hasStorageFile(await storageObjects(stack), dead.file_name!));
      await assertNothingInOneDrive(stack, dead.file_name!);

      // Time passes: the next run removes the dead run's spool file and succeeds.
      const hourAgo = new Date(Date.now() - 3600_000);
      await Deno.utime(spool, hourAgo, hourAgo);
      const row = await runThrough(stack, next, admin);
      await assertVerifiedCopies(stack, row);
      assert.deepEqual(await spoolFiles(tmpDir), [], "the stale spool file is gone");
    });

    await step("killed while storing: Storage never lists the half-received object", async () => {
      const fn = await start({ SUPABASE_URL: proxy.url });
      proxy.clearFaults();
      proxy.addFault({
        method: "POST",
        path: /^\/object\/backups\/[0-9a-f-]{36}\/backup-/,
        action: { kind: "stall", afterBytes: 256 * 1024 },
      });
      const staging = `${stack.info.storage_dir}/tmp`;
      await allowNextRun(stack); // runs through the function are rate limited: a minute passes
      const id = await startRun(fn, admin, killed);
      await Promise.race([
        proxy.stalled(),
        sleep(30_000).then(() => Promise.reject(new Error("The Storage upload never reached the stall"))),
      ]);
      await until("the gateway to receive part of the upload", async () => {
        return (await dirEntries(staging)).length > 0 ? true : undefined;
      });
      const { file_name: name } = await runRow(stack, id);
      await fn.kill();
      // The dead process's connection is gone: so is the proxy's onward connection to Storage.
      proxy.dropStalled();

      await until("the gateway to drop the half-received upload", async () => {
        return (await dirEntries(staging)).length === 0 ? true : undefined;
      });
      assert.ok(!hasStorageFile(await storageObjects(stack), name!), "no object under the run's name");
      const next = await start();
      const dead = await reap(stack, next, admin, id);
      assert.match(dead.error!, / while storing; /);
      assert.equal(dead.storage_status, "failed");
      await assertNothingInOneDrive(stack, name!);
      await next.stop();
    });

    await step(
      "killed while uploading to OneDrive: no file appears there; the Storage copy is whole",
      async () => {
        const fragment = 2 * 327_680;
        const fn = await start({
          BACKUP_COMPRESSION: "none",
          BACKUP_UPLOAD_FRAGMENT_BYTES: String(fragment),
        });
        await stack.emulator.clearFaults();
        // Hold one fragment so the kill lands in the middle of the upload session.
        await stack.emulator.addFault({
          route: "uploadFragment",
          skip: 3,
          action: { kind: "delay", ms: 5000 },
        });
        await allowNextRun(stack); // runs through the function are rate limited: a minute passes
        const id = await startRun(fn, admin, killed);
        const name = await until("the run to pick its file name", async () => {
          return (await runRow(stack, id)).file_name ?? undefined;
        });
        await until("three fragments to be accepted", async () => {
          const sessions = await stack.emulator.sessions();
          return sessions.some((s) => s.path.endsWith(`/${name}`) && s.received >= 3 * fragment)
            ? true
            : undefined;
        });
        await fn.kill();
        await stack.emulator.clearFaults();

        const row = await runRow(stack, id);
        const files = await stack.emulator.files();
        assert.ok(
          !files.some((f) => f.path === `${FOLDER}/${row.file_name}`),
          "no file in the OneDrive folder",
        );
        // The dead process cannot cancel its session; OneDrive keeps the bytes out of sight and expires it.
        const open = (await stack.emulator.sessions()).find((s) => s.path.endsWith(`/${row.file_name}`));
        assert.ok(open && open.total !== null && open.received < open.total, "only an unfinished session");

        // The Storage copy was complete before the upload began: it is the run's whole, sound file.
        const bytes = await (await fetch(
          `${stack.info.supabase_url}/storage/v1/object/backups/${row.storage_path}`,
          { headers: { authorization: `Bearer ${stack.info.service_role_key}` } },
        )).arrayBuffer();
        const copy = `${tmpDir}/${row.file_name}`;
        await Deno.writeFile(copy, new Uint8Array(bytes));
        const verify = await runCli(stack, "verify.ts", [copy, "--sha256", row.sha256!]);
        assert.equal(verify.code, 0, verify.stderr);

        const next = await start();
        const dead = await reap(stack, next, admin, id);
        assert.match(dead.error!, / while uploading; /);
        assert.equal(dead.onedrive_status, "failed");
        const after = await runThrough(stack, next, admin);
        await assertVerifiedCopies(stack, after);
        await waitForRun(stack, after.id);
      },
    );
  } finally {
    for (const fn of live) await fn.stop();
    await proxy.stop();
    await webhook.stop();
    await Deno.remove(tmpDir, { recursive: true }).catch(() => {});
    await closeCleanStack(stack);
  }
});

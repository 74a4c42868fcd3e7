/**
 * Supabase Storage misbehaving during a backup, end to end: a private function process reaches the
 * gateway through a fault proxy (support/storage-proxy.ts) that answers 5xx, never answers, answers only
 * after the object was stored, or finds an object already there. The gateway and Postgres still store
 * the bytes for real. A run ends `success` only with a verified copy in both destinations; otherwise the
 * OneDrive copy is kept (`partial`), nothing already in Storage is overwritten, and one alert goes out.
 */
import assert from "node:assert/strict";
import {
  adminHeaders,
  downloadFromStorage,
  removeFromStorage,
  startWebhook,
  uploadToStorage,
} from "../support/harness.ts";
import { type FunctionProcess, startFunctionProcess } from "../support/function-process.ts";
import {
  assertEarlierUntouched,
  assertNoOpenSession,
  assertVerifiedCopies,
  closeCleanStack,
  FOLDER,
  hasStorageFile,
  openCleanStack,
  runThrough,
  sha256Hex,
  snapshotDestinations,
  storageObjects,
} from "./support/outcomes.ts";
import { startStorageProxy } from "./support/storage-proxy.ts";

/** A run's upload: into its own folder, `<run id>/<file name>`. */
const UPLOAD = /^\/object\/backups\/[0-9a-f-]{36}\/backup-[^/]+$/;

Deno.test("Storage faults during the backup, through the function", async (t) => {
  const stack = await openCleanStack();
  const webhook = startWebhook();
  const proxy = startStorageProxy(stack.info.supabase_url);
  let fn: FunctionProcess | undefined;
  try {
    fn = await startFunctionProcess(stack, {
      SUPABASE_URL: proxy.url,
      BACKUP_RETENTION_COUNT: "0",
      BACKUP_ALERT_WEBHOOK_URL: webhook.url,
      BACKUP_REQUEST_TIMEOUT_SECONDS: "3",
    });
    const process = fn;
    const admin = await adminHeaders(stack);

    const faultyRun = async (arrange: () => void | Promise<void>) => {
      proxy.clearFaults();
      proxy.requests.length = 0;
      webhook.received.length = 0;
      const before = await snapshotDestinations(stack);
      await arrange();
      const row = await runThrough(stack, process, admin);
      await assertEarlierUntouched(stack, before);
      await assertNoOpenSession(stack, row.file_name!);
      const uploads = proxy.requests.filter((r) => r.method === "POST" && UPLOAD.test(r.path));
      return { row, uploads, alerts: [...webhook.received] };
    };

    await t.step("5xx twice, then the upload goes through: success, one object", async () => {
      const { row, uploads, alerts } = await faultyRun(() => {
        proxy.addFault({ method: "POST", path: UPLOAD, action: { kind: "error", status: 503 } });
        proxy.addFault({ method: "POST", path: UPLOAD, action: { kind: "error", status: 500 } });
      });
      await assertVerifiedCopies(stack, row);
      assert.deepEqual(uploads.map((u) => [u.fault ?? "none", u.status]), [
        ["error", 503],
        ["error", 500],
        ["none", 200],
      ]);
      assert.equal(alerts.length, 0);
    });

    await t.step("5xx on every attempt: partial, the OneDrive copy verified, one alert", async () => {
      const { row, uploads, alerts } = await faultyRun(() => {
        proxy.addFault({ method: "POST", path: UPLOAD, times: 0, action: { kind: "error", status: 502 } });
      });
      assert.equal(row.status, "partial");
      assert.equal(row.storage_status, "failed");
      assert.equal(row.onedrive_status, "success");
      assert.equal(row.error_code, "storage_unavailable");
      assert.equal(row.storage_path, null);
      assert.match(
        row.error!,
        /^The backup is safe in OneDrive but not in Supabase Storage\. Supabase Storage copy failed: Cannot store backup "[0-9a-f-]{36}\/backup-[^"]+" in Storage bucket "backups": HTTP 502 "injected" \(gave up after retries\)$/,
      );
      assert.equal(uploads.length, 4, "four attempts");
      assert.ok(!hasStorageFile(await storageObjects(stack), row.file_name!), "nothing in Storage");
      const copy = await stack.emulator.fileContent(`${FOLDER}/${row.file_name}`);
      assert.equal(sha256Hex(copy), row.sha256, "the OneDrive copy is the run's file");
      assert.equal(alerts.length, 1);
      assert.match(
        alerts[0].text,
        /^Backup only partly succeeded .*safe in OneDrive but not in Supabase Storage/s,
      );
    });

    await t.step(
      "an upload that never gets an answer: abandoned after the timeout, retried, success",
      async () => {
        const { row, uploads } = await faultyRun(() => {
          proxy.addFault({ method: "POST", path: UPLOAD, action: { kind: "hang" } });
        });
        await assertVerifiedCopies(stack, row);
        assert.deepEqual(uploads.map((u) => u.fault ?? "none"), ["hang", "none"]);
      },
    );

    await t.step(
      "the answer lost after the object was stored: the retry recognises it, success",
      async () => {
        const { row, uploads } = await faultyRun(() => {
          proxy.addFault({ method: "POST", path: UPLOAD, action: { kind: "slowAnswer", ms: 5000 } });
        });
        await assertVerifiedCopies(stack, row);
        // The second attempt met the first one's object (409, which Storage answers as HTTP 400 with
        // statusCode "409") and checked it is the same file.
        assert.deepEqual(uploads.map((u) => [u.fault ?? "none", u.status]), [["slowAnswer", 200], [
          "none",
          400,
        ]]);
      },
    );

    await t.step(
      "a first attempt lost, then an object planted under the run's file name and size: the retry does not take it",
      async () => {
        const planted: string[] = [];
        // Any upload, at the root (where names used to go) or in a folder, so the step means the
        // same whatever the layout.
        const anyUpload = /^\/object\/backups\/(?:[^/]+\/)?backup-[^/]+$/;
        const { row } = await faultyRun(() => {
          proxy.addFault({ method: "POST", path: anyUpload, action: { kind: "error", status: 503 } });
          proxy.addFault({
            method: "POST",
            path: anyUpload,
            action: {
              kind: "before",
              // Between the attempts, a file of the same size under the run's (predictable) name,
              // where an open bucket or a pre-signed upload URL would have let anyone write it.
              run: async (path) => {
                // The size is the run's (recorded before the upload; Deno does not send a
                // content-length for a streamed body).
                const [running] = await stack.sql<Array<{ size: string }>>`
                  select size_bytes::text as size from public.backup_runs where status = 'running'`;
                const name = decodeURIComponent(path.split("/").at(-1)!);
                planted.push(name);
                await uploadToStorage(stack, name, new Uint8Array(Number(running.size)).fill(0x20));
              },
            },
          });
        });
        try {
          const attempts = proxy.requests.filter((r) => r.method === "POST" && anyUpload.test(r.path));
          assert.deepEqual(attempts.map((u) => u.fault ?? "none"), ["error", "before"]);
          assert.equal(row.status, "success", `${row.error_code}: ${row.error}`);
          assert.equal(
            sha256Hex(await downloadFromStorage(stack, row.storage_path!)),
            row.sha256,
            "the recorded Storage copy holds the run's bytes, not the planted file",
          );
          // And in its own folder, verified in both destinations.
          await assertVerifiedCopies(stack, row);
        } finally {
          await removeFromStorage(stack, planted);
        }
      },
    );

    await t.step("an object already present under the run's name: never overwritten, partial", async () => {
      const planted = new TextEncoder().encode('{"someone else\'s":"file"}');
      const { row, alerts } = await faultyRun(() => {
        proxy.addFault({
          method: "POST",
          path: UPLOAD,
          action: {
            kind: "before",
            // Someone else writes the same path between the run's start and its upload (only someone
            // who can read the run's id and write the bucket could: the service role).
            run: (path) =>
              uploadToStorage(
                stack,
                path.slice("/object/backups/".length).split("/").map(decodeURIComponent).join("/"),
                planted,
              ),
          },
        });
      });
      assert.equal(row.status, "partial");
      assert.equal(row.storage_status, "failed");
      assert.equal(row.onedrive_status, "success");
      assert.equal(row.error_code, "storage_exists");
      assert.match(
        row.error!,
        /Supabase Storage copy failed: Cannot store backup "[0-9a-f-]{36}\/backup-[^"]+" in Storage bucket "backups": an object with this name already exists \(backups are never overwritten\)$/,
      );
      const path = `${row.id}/${row.file_name}`;
      assert.deepEqual(await downloadFromStorage(stack, path), planted, "the object is untouched");
      assert.equal(alerts.length, 1);
      // Not a backup: later suites must not meet it.
      await removeFromStorage(stack, [path]);
    });
  } finally {
    await fn?.stop();
    await proxy.stop();
    await webhook.stop();
    await closeCleanStack(stack);
  }
});

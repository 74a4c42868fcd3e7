/**
 * Microsoft Graph misbehaving during a backup, end to end: the real function (in a private functions
 * server, so its fragment size and timeout can be set) uploads to the Graph emulator while the emulator
 * injects each fault. A run ends `success` only with the same verified bytes in Storage and OneDrive;
 * otherwise `partial`, with the Storage copy kept, nothing half-written in OneDrive, no upload session
 * left open, one alert, and an error an admin can act on.
 *
 * Uncompressed output (about 12 MB for the seed) in 640 KiB fragments makes every upload a session of
 * about twenty fragments; one gzip process covers the single-request upload used for small files.
 */
import assert from "node:assert/strict";
import { adminHeaders, allowNextRun, type RunRow, startWebhook, waitForRun } from "../support/harness.ts";
import { type FunctionProcess, startFunctionProcess } from "../support/function-process.ts";
import type { FaultRuleInput } from "../../dev/graph-emulator/admin-client.ts";
import {
  assertEarlierUntouched,
  assertFaultsApplied,
  assertNoOpenSession,
  assertNothingInOneDrive,
  assertVerifiedCopies,
  closeCleanStack,
  openCleanStack,
  runThrough,
  sleep,
  snapshotDestinations,
  until,
} from "./support/outcomes.ts";

const FRAGMENT = 2 * 327_680;

/** "… answered 429 (attempt 1); retrying in 1000 ms" lines the Graph client logged, as [status, wait]. */
function loggedRetries(output: string, from: number): Array<[number, number]> {
  return [...output.slice(from).matchAll(/answered (\d{3}) \(attempt \d+\); retrying in (\d+) ms/g)]
    .map((m) => [Number(m[1]), Number(m[2])]);
}

Deno.test("Graph faults during the OneDrive upload, through the function", async (t) => {
  const stack = await openCleanStack();
  const webhook = startWebhook();
  const processes: FunctionProcess[] = [];
  try {
    const common = { BACKUP_RETENTION_COUNT: "0", BACKUP_ALERT_WEBHOOK_URL: webhook.url };
    const [sessions, simple] = await Promise.all([
      startFunctionProcess(stack, {
        ...common,
        BACKUP_COMPRESSION: "none",
        BACKUP_UPLOAD_FRAGMENT_BYTES: String(FRAGMENT),
        BACKUP_REQUEST_TIMEOUT_SECONDS: "4",
      }),
      startFunctionProcess(stack, { ...common, BACKUP_COMPRESSION: "gzip" }),
    ]);
    processes.push(sessions, simple);
    const admin = await adminHeaders(stack);

    /** Arranges faults on the upload URL's fragments, tried in this order. */
    const onFragment = (...rules: Array<Omit<FaultRuleInput, "route">>) => async () => {
      for (const rule of rules) await stack.emulator.addFault({ route: "uploadFragment", ...rule });
    };

    /** One run with faults set up by `arrange`; checks what every run must leave behind. */
    const faultyRun = async (
      fn: FunctionProcess,
      arrange: () => Promise<void>,
      during?: () => Promise<void>,
    ): Promise<{ row: RunRow; log: string; alerts: Array<{ text: string }> }> => {
      await stack.emulator.clearFaults();
      await stack.emulator.clearRequests();
      webhook.received.length = 0;
      const before = await snapshotDestinations(stack);
      const logFrom = fn.output().length;
      await arrange();
      await allowNextRun(stack); // runs through the function are rate limited: a minute passes
      const started = await fn.call({ body: { action: "run" }, headers: admin });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await during?.();
      const row = await waitForRun(stack, String(started.body.run_id), 90_000);
      await assertFaultsApplied(stack);
      await assertEarlierUntouched(stack, before);
      await assertNoOpenSession(stack, row.file_name!);
      return { row, log: fn.output().slice(logFrom), alerts: [...webhook.received] };
    };

    // A clean run first: the baseline every later step's "earlier backups untouched" check relies on.
    await t.step("no fault: success, about twenty fragments, both copies identical", async () => {
      const row = await runThrough(stack, sessions, admin);
      await assertVerifiedCopies(stack, row);
      const fragments = (await stack.emulator.requests()).filter((r) => r.route === "uploadFragment");
      assert.ok(fragments.length >= 15, `the file went in ${fragments.length} fragments`);
      assert.ok(fragments.every((r) => !r.authorization), "no Authorization header on the upload URL");
    });

    await t.step("429 and 503 with every Retry-After form (seconds, HTTP date, none): success", async () => {
      const { row, log, alerts } = await faultyRun(sessions, async () => {
        const forms = [
          [429, { seconds: 1 }],
          [503, { seconds: 1 }],
          [429, { httpDateInSeconds: 3 }],
          [503, { httpDateInSeconds: 3 }],
          [429, null],
          [503, null],
        ] as const;
        // Spread over the fragments: each rule lets a few calls through before it fires once.
        for (const [i, [status, retryAfter]] of forms.entries()) {
          await stack.emulator.addFault({
            route: "uploadFragment",
            skip: 1 + 2 * i,
            lastFragment: false,
            action: { kind: "throttle", status, retryAfter },
          });
        }
      });
      await assertVerifiedCopies(stack, row);
      assert.equal(alerts.length, 0, "no alert for a run that succeeded");
      const retries = loggedRetries(log, 0);
      const waits = (status: number) => retries.filter(([s]) => s === status).map(([, w]) => w);
      assert.equal(retries.length, 6, log);
      // Seconds are honoured exactly, dates as the time left until them, and without a header the client
      // backs off (at most a second on the first retry).
      assert.ok(waits(429).includes(1000), `429 Retry-After: 1 → ${waits(429)}`);
      assert.ok(
        waits(429).some((w) => w > 1500 && w <= 3000),
        `429 Retry-After: <date in 3 s> → ${waits(429)}`,
      );
      assert.ok(waits(429).some((w) => w <= 1000), `429 without Retry-After → ${waits(429)}`);
      assert.ok(waits(503).includes(1000), `503 Retry-After: 1 → ${waits(503)}`);
      assert.ok(
        waits(503).some((w) => w > 1500 && w <= 3000),
        `503 Retry-After: <date in 3 s> → ${waits(503)}`,
      );
      assert.ok(waits(503).some((w) => w <= 1000), `503 without Retry-After → ${waits(503)}`);
    });

    await t.step("429 then 503 on a single-request upload (gzip, under 4 MiB): success", async () => {
      const { row, log } = await faultyRun(simple, async () => {
        await stack.emulator.addFault({
          route: "content",
          action: { kind: "throttle", status: 429, retryAfter: { seconds: 1 } },
        });
        await stack.emulator.addFault({
          route: "content",
          action: { kind: "throttle", status: 503, retryAfter: null },
        });
      });
      await assertVerifiedCopies(stack, row);
      assert.match(row.file_name!, /\.json\.gz$/);
      assert.match(log, /Graph PUT answered 429 \(attempt 1\); retrying in 1000 ms/);
      assert.match(log, /Graph PUT answered 503 \(attempt 2\); retrying in \d+ ms/);
    });

    await t.step(
      "single-request upload, token revoked just before it: a new token once, success",
      async () => {
        const { row } = await faultyRun(simple, async () => {
          await stack.emulator.addFault({ route: "content", action: { kind: "expireToken" } });
        });
        await assertVerifiedCopies(stack, row);
        const puts = (await stack.emulator.requests()).filter((r) => r.route === "content");
        assert.deepEqual(puts.map((r) => r.status), [401, 201]);
        assert.equal((await stack.emulator.requests()).filter((r) => r.route === "token").length, 1);
      },
    );

    await t.step(
      "single-request upload, answer lost after the file was stored: recognised as ours",
      async () => {
        const { row, log } = await faultyRun(simple, async () => {
          await stack.emulator.addFault({
            route: "content",
            action: { kind: "failAfterAccept", status: 500 },
          });
        });
        await assertVerifiedCopies(stack, row);
        const puts = (await stack.emulator.requests()).filter((r) => r.route === "content");
        assert.deepEqual(puts.map((r) => r.status), [500, 409], "the retry met the stored file");
        assert.match(log, /already holds exactly the uploaded bytes: a retried request had succeeded/);
      },
    );

    await t.step("single-request upload, corrupt copy: partial, the copy deleted", async () => {
      const { row, alerts } = await faultyRun(simple, async () => {
        await stack.emulator.addFault({ route: "content", action: { kind: "corruptHash" } });
      });
      assert.equal(row.status, "partial");
      assert.equal(row.error_code, "upload_hash_mismatch");
      assert.equal(row.storage_status, "success");
      await assertNothingInOneDrive(stack, row.file_name!);
      assert.equal(alerts.length, 1);
    });

    await t.step(
      "a Retry-After longer than a run can wait: partial, Storage copy kept, session cancelled",
      async () => {
        const { row, alerts } = await faultyRun(
          sessions,
          onFragment({
            skip: 2,
            action: { kind: "throttle", status: 429, retryAfter: { seconds: 3600 } },
          }),
        );
        assert.equal(row.status, "partial");
        assert.equal(row.storage_status, "success");
        assert.equal(row.onedrive_status, "failed");
        assert.equal(row.error_code, "graph_throttled");
        assert.match(
          row.error!,
          /^The backup is safe in Supabase Storage but not in OneDrive\. OneDrive copy failed: Cannot upload ".*" to OneDrive folder "Backups": Microsoft Graph is throttling this app and asked to wait 3600 seconds.*Try again later/,
        );
        await assertNothingInOneDrive(stack, row.file_name!);
        const cancels = (await stack.emulator.requests()).filter((r) => r.route === "uploadCancel");
        assert.equal(cancels.length, 1, "the upload session was cancelled");
        assert.equal(alerts.length, 1, "one alert");
        assert.match(alerts[0].text, /partly succeeded/);
        assert.ok(alerts[0].text.includes("asked to wait 3600 seconds"));
      },
    );

    await t.step("a 500 after a fragment was accepted: the client asks the session and goes on", async () => {
      const { row, log } = await faultyRun(
        sessions,
        onFragment({
          skip: 3,
          lastFragment: false,
          action: { kind: "failAfterAccept", status: 500 },
        }),
      );
      await assertVerifiedCopies(stack, row);
      const requests = await stack.emulator.requests();
      assert.ok(requests.some((r) => r.route === "uploadFragment" && r.status === 416), "the retry got 416");
      assert.ok(
        requests.some((r) => r.route === "uploadStatus" && r.status === 200),
        "then asked the session",
      );
      assert.match(log, /already holds \d+ bytes; continuing from there/);
    });

    await t.step("a transient 404 on the session: the same session goes on after a pause", async () => {
      const { row } = await faultyRun(
        sessions,
        onFragment({
          skip: 4,
          lastFragment: false,
          action: { kind: "notFound" },
        }),
      );
      await assertVerifiedCopies(stack, row);
      const sessionsCreated = (await stack.emulator.requests()).filter((r) =>
        r.route === "createUploadSession"
      );
      assert.equal(sessionsCreated.length, 1, "no new session for a transient 404");
    });

    await t.step("a session that is really gone (404 twice): a new session from byte 0", async () => {
      const { row, log } = await faultyRun(
        sessions,
        onFragment({
          skip: 5,
          lastFragment: false,
          action: { kind: "dropSession" },
        }),
      );
      await assertVerifiedCopies(stack, row);
      const requests = await stack.emulator.requests();
      assert.equal(requests.filter((r) => r.route === "createUploadSession").length, 2);
      assert.match(log, /was lost \(the upload URL answered 404 twice\); starting a new one/);
    });

    await t.step("an empty final response: the item is read by name and verified", async () => {
      const { row } = await faultyRun(
        sessions,
        onFragment({
          lastFragment: true,
          action: { kind: "emptyBody" },
        }),
      );
      await assertVerifiedCopies(stack, row);
      const requests = await stack.emulator.requests();
      const last = requests.find((r) => r.route === "uploadFragment" && r.fault === "emptyBody");
      assert.equal(last?.status, 201);
      assert.ok(requests.some((r) => r.seq > last!.seq && r.route === "getItem" && r.status === 200));
    });

    await t.step(
      "the token revoked mid-upload (with an empty final response): a new token once, success",
      async () => {
        const { row } = await faultyRun(
          sessions,
          onFragment({
            skip: 3,
            action: { kind: "expireToken" },
          }, {
            lastFragment: true,
            action: { kind: "emptyBody" },
          }),
        );
        await assertVerifiedCopies(stack, row);
        const requests = await stack.emulator.requests();
        const revokedAt = requests.find((r) => r.fault === "expireToken")!.seq;
        const refused = requests.find((r) => r.seq > revokedAt && r.host === "graph" && r.status === 401);
        assert.ok(refused, "Graph refused the revoked token");
        assert.ok(
          requests.some((r) => r.seq > refused!.seq && r.route === "token" && r.status === 200),
          "a new token was fetched",
        );
        assert.equal(requests.filter((r) => r.host === "graph" && r.status === 401).length, 1, "only once");
      },
    );

    await t.step(
      "a hash mismatch: partial, the corrupt OneDrive copy deleted, the Storage copy verified",
      async () => {
        const { row, alerts } = await faultyRun(
          sessions,
          onFragment({
            lastFragment: true,
            action: { kind: "corruptHash" },
          }),
        );
        assert.equal(row.status, "partial");
        assert.equal(row.storage_status, "success");
        assert.equal(row.onedrive_status, "failed");
        assert.equal(row.error_code, "upload_hash_mismatch");
        assert.match(
          row.error!,
          /OneDrive copy failed: Cannot upload ".*": the copy in OneDrive is corrupt: its QuickXorHash is ".*" but the data sent hashes to ".*"\. The corrupt copy was deleted; run the backup again$/,
        );
        await assertNothingInOneDrive(stack, row.file_name!);
        assert.equal(alerts.length, 1);
        const requests = await stack.emulator.requests();
        assert.ok(
          requests.some((r) => r.route === "deleteItem" && r.status === 204),
          "the corrupt copy was deleted",
        );
      },
    );

    await t.step(
      "the emulator goes down mid-upload and comes back: retried until it answers, success",
      async () => {
        let downRequests = 0;
        const { row } = await faultyRun(
          sessions,
          async () => {
            // Hold one fragment long enough for the test to take the service down while the upload is open.
            await stack.emulator.addFault({
              route: "uploadFragment",
              skip: 3,
              action: { kind: "delay", ms: 1000 },
            });
          },
          async () => {
            await until("the upload to be under way", async () => {
              const open = await stack.emulator.sessions();
              return open.some((s) => s.received > 0) ? true : undefined;
            });
            await stack.emulator.down("disconnect");
            await sleep(2500);
            downRequests = (await stack.emulator.requests()).filter((r) => r.status === 0).length;
            await stack.emulator.up();
          },
        );
        await assertVerifiedCopies(stack, row);
        assert.ok(downRequests > 0, "requests were dropped while the service was down");
      },
    );

    await t.step(
      "very slow answers: waited for within the timeout, abandoned and retried beyond it",
      async () => {
        const { row, log } = await faultyRun(sessions, async () => {
          await stack.emulator.addFault({ route: "shares", action: { kind: "delay", ms: 1500 } });
          await stack.emulator.addFault({
            route: "uploadFragment",
            skip: 2,
            action: { kind: "delay", ms: 1500 },
          });
          await stack.emulator.addFault({
            route: "uploadFragment",
            skip: 8,
            action: { kind: "delay", ms: 6000 },
          });
        });
        await assertVerifiedCopies(stack, row);
        const timeouts = [...log.matchAll(/failed \(No answer within 4 seconds, attempt 1\)/g)];
        assert.equal(timeouts.length, 1, `only the answer beyond the 4 s timeout was abandoned:\n${log}`);
      },
    );
  } finally {
    for (const p of processes) await p.stop();
    await webhook.stop();
    await closeCleanStack(stack);
  }
});

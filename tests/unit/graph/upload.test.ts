// Uploads against the Graph emulator (a separate Node process, real HTTP), one failure mode per step.
import assert from "node:assert/strict";
import type { GraphEmulatorAdmin, LoggedRequest } from "../../../dev/graph-emulator/admin-client.ts";
import { DEFAULT_USER_AGENT } from "../../../supabase/functions/_shared/graph/client.ts";
import type {
  GraphClient,
  GraphFolder,
  UploadedItem,
} from "../../../supabase/functions/_shared/graph/types.ts";
import { quickXorHash } from "../../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import {
  expectGraphError,
  FOLDER_LINK,
  type RunningEmulator,
  sha256Hex,
  startEmulatorProcess,
  testBytes,
  testClient,
} from "../../support/graph-emulator.ts";
import {
  bytesUploadSource,
  fileUploadSource,
} from "../../../supabase/functions/_shared/graph/upload-source.ts";

const MiB = 1024 * 1024;
/** 1,600 KiB: a valid fragment size (5 × 320 KiB) that keeps test files small. */
const FRAGMENT = 5 * 320 * 1024;
/** Four fragments of FRAGMENT with a shorter last one; above the 4 MiB simple-upload limit. */
const SESSION_SIZE = 3 * FRAGMENT + 12_345;

const byRoute = (log: LoggedRequest[], route: LoggedRequest["route"]) => log.filter((r) => r.route === route);

async function assertStored(admin: GraphEmulatorAdmin, name: string, bytes: Uint8Array, item?: UploadedItem) {
  const file = (await admin.files()).find((candidate) => candidate.path === `Backups/${name}`);
  assert.ok(file, `"${name}" is stored in the folder`);
  assert.equal(file.size, bytes.length);
  assert.equal(file.sha256, await sha256Hex(bytes), "the stored bytes are the bytes sent");
  assert.equal(file.quickXorHash, quickXorHash(bytes));
  if (item) {
    assert.equal(item.id, file.id);
    assert.equal(item.name, name);
    assert.equal(item.size, bytes.length);
    assert.equal(item.quickXorHash, file.quickXorHash);
    assert.match(item.webUrl, /\/_emulator\/web\/Backups\//);
  }
}

async function assertNotStored(admin: GraphEmulatorAdmin, name: string) {
  const files = await admin.files();
  assert.equal(files.some((file) => file.name === name), false, `"${name}" is not left in the folder`);
}

Deno.test("Graph client uploads to the emulator", async (t) => {
  const emulator: RunningEmulator = await startEmulatorProcess();
  const admin = emulator.admin;
  let client: GraphClient;
  let sleeps: number[];
  let logs: string[];
  let folder: GraphFolder;

  const fresh = async (overrides: Parameters<typeof testClient>[1] = {}) => {
    await admin.reset({ files: true });
    ({ client, sleeps, logs } = testClient(emulator, { random: () => 0.5, ...overrides }));
    folder = await client.resolveFolder({ link: FOLDER_LINK });
    await admin.clearRequests();
  };

  try {
    await t.step(
      "a 25 MiB file goes up in 10 MiB fragments without Authorization on the upload host",
      async () => {
        await fresh();
        const bytes = testBytes(25 * MiB, 25);
        const progress: number[] = [];
        const item = await client.upload(folder, "backup-25.json.gz", bytesUploadSource(bytes), {
          onProgress: (sent) => progress.push(sent),
        });
        await assertStored(admin, "backup-25.json.gz", bytes, item);
        assert.deepEqual(progress, [10 * MiB, 20 * MiB, 25 * MiB]);
        const log = await admin.requests();
        const fragments = byRoute(log, "uploadFragment");
        assert.deepEqual(fragments.map((r) => r.contentRange), [
          `bytes 0-${10 * MiB - 1}/${25 * MiB}`,
          `bytes ${10 * MiB}-${20 * MiB - 1}/${25 * MiB}`,
          `bytes ${20 * MiB}-${25 * MiB - 1}/${25 * MiB}`,
        ]);
        assert.deepEqual(fragments.map((r) => r.status), [202, 202, 201]);
        const uploadHost = log.filter((r) => r.host === "upload");
        assert.ok(uploadHost.length >= 3);
        assert.equal(
          uploadHost.some((r) => r.authorization),
          false,
          "no Authorization reached the upload host",
        );
        const graph = log.filter((r) => r.host === "graph");
        assert.ok(graph.every((r) => r.authorization), "every Graph call carried a token");
        assert.ok(log.every((r) => r.userAgent === DEFAULT_USER_AGENT), "every call identifies the app");
        assert.equal(byRoute(log, "createUploadSession").length, 1);
        assert.deepEqual(sleeps, []);
      },
    );

    await t.step("a file on disk is read through fileUploadSource", async () => {
      await fresh();
      const bytes = testBytes(SESSION_SIZE, 3);
      const path = await Deno.makeTempFile();
      try {
        await Deno.writeFile(path, bytes);
        const item = await client.upload(folder, "from-disk.json", await fileUploadSource(path), {
          fragmentSize: FRAGMENT,
        });
        await assertStored(admin, "from-disk.json", bytes, item);
      } finally {
        await Deno.remove(path);
      }
    });

    await t.step("a 0-byte file goes up with one simple PUT that refuses to overwrite", async () => {
      await fresh();
      const item = await client.upload(folder, "empty.json", bytesUploadSource(new Uint8Array()));
      await assertStored(admin, "empty.json", new Uint8Array(), item);
      assert.equal(item.quickXorHash, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
      const puts = byRoute(await admin.requests(), "content");
      assert.equal(puts.length, 1);
      assert.match(puts[0].path, /:\/content\?@microsoft\.graph\.conflictBehavior=fail$/);
    });

    await t.step(
      "a size that is an exact multiple of the fragment size sends no empty fragment",
      async () => {
        await fresh();
        const bytes = testBytes(4 * FRAGMENT, 4);
        const item = await client.upload(folder, "exact.json", bytesUploadSource(bytes), {
          fragmentSize: FRAGMENT,
        });
        await assertStored(admin, "exact.json", bytes, item);
        const ranges = byRoute(await admin.requests(), "uploadFragment").map((r) => r.contentRange);
        assert.deepEqual(
          ranges,
          [0, 1, 2, 3].map((i) => `bytes ${i * FRAGMENT}-${(i + 1) * FRAGMENT - 1}/${4 * FRAGMENT}`),
        );
      },
    );

    await t.step("a file of exactly 4 MiB still uses a simple upload, one byte more a session", async () => {
      await fresh();
      await client.upload(folder, "four.bin", bytesUploadSource(testBytes(4 * MiB, 5)));
      await client.upload(folder, "four-plus.bin", bytesUploadSource(testBytes(4 * MiB + 1, 6)));
      const log = await admin.requests();
      assert.equal(byRoute(log, "content").length, 1);
      assert.equal(byRoute(log, "createUploadSession").length, 1);
      await assertStored(admin, "four-plus.bin", testBytes(4 * MiB + 1, 6));
    });

    await t.step("a folder behind a non-ASCII sharing link resolves and receives the file", async () => {
      await fresh();
      const link = "https://contoso.sharepoint.com/:f:/s/Équipe/Sauvegardes-été?e=Zx9";
      await admin.createFolder("Équipe/Sauvegardes été");
      await admin.addLink(link, "Équipe/Sauvegardes été");
      const target = await client.resolveFolder({ link });
      assert.equal(target.name, "Sauvegardes été");
      const bytes = testBytes(1000, 7);
      await client.upload(target, "données.json", bytesUploadSource(bytes));
      const file = (await admin.files()).find((f) => f.path === "Équipe/Sauvegardes été/données.json");
      assert.equal(file?.sha256, await sha256Hex(bytes));
    });

    await t.step("429 with Retry-After in seconds is honoured, then the fragment is sent again", async () => {
      await fresh();
      await admin.addFault({
        route: "uploadFragment",
        skip: 1,
        action: { kind: "throttle", status: 429, retryAfter: { seconds: 3 } },
      });
      const bytes = testBytes(SESSION_SIZE, 8);
      const item = await client.upload(folder, "throttled.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "throttled.json", bytes, item);
      assert.deepEqual(sleeps, [3000]);
      assert.deepEqual(byRoute(await admin.requests(), "uploadFragment").map((r) => r.status), [
        202,
        429,
        202,
        202,
        201,
      ]);
    });

    await t.step("429 with Retry-After as an HTTP date waits until that date", async () => {
      await fresh();
      await admin.addFault({
        route: "uploadFragment",
        skip: 2,
        action: { kind: "throttle", retryAfter: { httpDateInSeconds: 5 } },
      });
      const bytes = testBytes(SESSION_SIZE, 9);
      await assertStored(
        admin,
        "dated.json",
        bytes,
        await client.upload(folder, "dated.json", bytesUploadSource(bytes), { fragmentSize: FRAGMENT }),
      );
      assert.equal(sleeps.length, 1);
      // The date has a one-second resolution: the wait is the rest of those 5 seconds.
      assert.ok(sleeps[0] > 3000 && sleeps[0] <= 5000, `waited ${sleeps[0]} ms`);
    });

    await t.step("429 without Retry-After backs off exponentially with jitter", async () => {
      await fresh();
      await admin.addFault({
        route: "uploadFragment",
        times: 3,
        action: { kind: "throttle", retryAfter: null },
      });
      const bytes = testBytes(SESSION_SIZE, 10);
      await assertStored(
        admin,
        "backoff.json",
        bytes,
        await client.upload(folder, "backoff.json", bytesUploadSource(bytes), { fragmentSize: FRAGMENT }),
      );
      // random() = 0.5: three quarters of 1 s, 2 s, 4 s.
      assert.deepEqual(sleeps, [750, 1500, 3000]);
    });

    await t.step("503 with Retry-After on createUploadSession is retried", async () => {
      await fresh();
      await admin.addFault({
        route: "createUploadSession",
        action: { kind: "throttle", status: 503, retryAfter: { seconds: 2 } },
      });
      const bytes = testBytes(SESSION_SIZE, 11);
      await assertStored(
        admin,
        "busy.json",
        bytes,
        await client.upload(folder, "busy.json", bytesUploadSource(bytes), { fragmentSize: FRAGMENT }),
      );
      assert.deepEqual(sleeps, [2000]);
      assert.deepEqual(byRoute(await admin.requests(), "createUploadSession").map((r) => r.status), [
        503,
        200,
      ]);
    });

    await t.step(
      "a persistent 503 fails after the configured attempts with an actionable message",
      async () => {
        await fresh({ retry: { maxAttempts: 3 } });
        await admin.addFault({
          route: "createUploadSession",
          times: 0,
          action: { kind: "throttle", status: 503 },
        });
        const error = await expectGraphError(
          client.upload(folder, "down.json", bytesUploadSource(testBytes(SESSION_SIZE, 12)), {
            fragmentSize: FRAGMENT,
          }),
          "graph_unavailable",
        );
        assert.match(
          error.message,
          /^Cannot upload "down\.json" to OneDrive folder "Backups": .*503.*Try again later/,
        );
        assert.equal(byRoute(await admin.requests(), "createUploadSession").length, 3);
        assert.equal(sleeps.length, 2);
      },
    );

    await t.step("a Retry-After longer than the client accepts fails at once as throttled", async () => {
      await fresh();
      await admin.addFault({ route: "content", action: { kind: "throttle", retryAfter: { seconds: 3600 } } });
      const error = await expectGraphError(
        client.upload(folder, "later.json", bytesUploadSource(testBytes(100))),
        "graph_throttled",
      );
      assert.match(error.message, /asked to wait 3600 seconds/);
      assert.deepEqual(sleeps, []);
    });

    await t.step(
      "500 after a fragment was accepted: the retry gets 416, the session position is read, upload goes on",
      async () => {
        await fresh();
        await admin.addFault({
          route: "uploadFragment",
          skip: 1,
          action: { kind: "failAfterAccept", status: 500 },
        });
        const bytes = testBytes(SESSION_SIZE, 13);
        const progress: number[] = [];
        const item = await client.upload(folder, "accepted.json", bytesUploadSource(bytes), {
          fragmentSize: FRAGMENT,
          onProgress: (sent) => progress.push(sent),
        });
        await assertStored(admin, "accepted.json", bytes, item);
        const log = await admin.requests();
        assert.deepEqual(byRoute(log, "uploadFragment").map((r) => r.status), [202, 500, 416, 202, 201]);
        assert.equal(byRoute(log, "uploadStatus").length, 1);
        assert.deepEqual(progress, [FRAGMENT, 2 * FRAGMENT, 3 * FRAGMENT, SESSION_SIZE]);
      },
    );

    await t.step("500 after the last fragment was accepted: the finished file is recognised", async () => {
      await fresh();
      await admin.addFault({
        route: "uploadFragment",
        lastFragment: true,
        action: { kind: "failAfterAccept" },
      });
      const bytes = testBytes(SESSION_SIZE, 14);
      const item = await client.upload(folder, "last.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "last.json", bytes, item);
      assert.equal(byRoute(await admin.requests(), "createUploadSession").length, 1);
    });

    await t.step("a transient 404 on the session is retried once after a pause", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", skip: 1, action: { kind: "notFound" } });
      const bytes = testBytes(SESSION_SIZE, 15);
      const item = await client.upload(folder, "blip.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "blip.json", bytes, item);
      assert.deepEqual(sleeps, [2000]);
      const log = await admin.requests();
      assert.equal(byRoute(log, "createUploadSession").length, 1);
      assert.deepEqual(byRoute(log, "uploadFragment").map((r) => r.status), [202, 404, 202, 202, 201]);
    });

    await t.step("a session that is really gone (404 twice) is restarted from byte 0", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", skip: 2, action: { kind: "dropSession" } });
      const bytes = testBytes(SESSION_SIZE, 16);
      const item = await client.upload(folder, "restarted.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "restarted.json", bytes, item);
      const log = await admin.requests();
      assert.equal(byRoute(log, "createUploadSession").length, 2);
      assert.deepEqual(byRoute(log, "uploadFragment").map((r) => r.status), [
        202,
        202,
        404,
        404,
        202,
        202,
        202,
        201,
      ]);
      assert.deepEqual(await admin.sessions(), []);
    });

    await t.step(
      "a session lost again and again fails with a clear error and leaves no session",
      async () => {
        await fresh();
        await admin.addFault({ route: "uploadFragment", times: 0, action: { kind: "dropSession" } });
        const error = await expectGraphError(
          client.upload(folder, "lost.json", bytesUploadSource(testBytes(SESSION_SIZE, 17)), {
            fragmentSize: FRAGMENT,
          }),
          "upload_session_lost",
        );
        assert.match(error.message, /lost the upload session 3 times/);
        assert.equal(byRoute(await admin.requests(), "createUploadSession").length, 3);
        assert.deepEqual(await admin.sessions(), []);
        await assertNotStored(admin, "lost.json");
      },
    );

    await t.step("a final answer without a body is completed by reading the item", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", lastFragment: true, action: { kind: "emptyBody" } });
      const bytes = testBytes(SESSION_SIZE, 18);
      const item = await client.upload(folder, "quiet.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "quiet.json", bytes, item);
      assert.equal(byRoute(await admin.requests(), "getItem").length, 1);
    });

    await t.step("a token that expires during the upload is refreshed once", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", lastFragment: true, action: { kind: "emptyBody" } });
      await admin.addFault({ route: "getItem", action: { kind: "expireToken" } });
      const bytes = testBytes(SESSION_SIZE, 19);
      const item = await client.upload(folder, "refreshed.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "refreshed.json", bytes, item);
      const log = await admin.requests();
      assert.deepEqual(byRoute(log, "getItem").map((r) => r.status), [401, 200]);
      assert.equal(byRoute(log, "token").length, 1, "one new token after the one cached before the upload");
      assert.ok(logs.some((line) => /getting a new one/.test(line)));
    });

    await t.step("a corrupted copy fails the upload with upload_hash_mismatch and is deleted", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", lastFragment: true, action: { kind: "corruptHash" } });
      const error = await expectGraphError(
        client.upload(folder, "corrupt.json", bytesUploadSource(testBytes(SESSION_SIZE, 20)), {
          fragmentSize: FRAGMENT,
        }),
        "upload_hash_mismatch",
      );
      assert.match(
        error.message,
        /^Cannot upload "corrupt\.json" to OneDrive folder "Backups": the copy in OneDrive is corrupt/,
      );
      await assertNotStored(admin, "corrupt.json");
    });

    await t.step("a corrupted simple upload is caught too", async () => {
      await fresh();
      await admin.addFault({ route: "content", action: { kind: "corruptHash" } });
      await expectGraphError(
        client.upload(folder, "small-corrupt.json", bytesUploadSource(testBytes(5000, 21))),
        "upload_hash_mismatch",
      );
      await assertNotStored(admin, "small-corrupt.json");
    });

    await t.step("bytes that differ from the expected hash (source changed) fail the upload", async () => {
      await fresh();
      await expectGraphError(
        client.upload(folder, "changed.json", bytesUploadSource(testBytes(5000, 22)), {
          expectedQuickXorHash: quickXorHash(testBytes(5000, 23)),
        }),
        "upload_source_changed",
      );
      await assertNotStored(admin, "changed.json");
    });

    await t.step("an existing name is never overwritten, small or large", async () => {
      await fresh();
      await admin.putFile("Backups/taken.json", "previous backup");
      await expectGraphError(
        client.upload(folder, "taken.json", bytesUploadSource(testBytes(SESSION_SIZE, 24)), {
          fragmentSize: FRAGMENT,
        }),
        "upload_name_conflict",
      );
      const error = await expectGraphError(
        client.upload(folder, "taken.json", bytesUploadSource(testBytes(10, 24))),
        "upload_name_conflict",
      );
      assert.match(error.message, /already exists.*never overwritten/);
      assert.equal(
        new TextDecoder().decode(await admin.fileContent("Backups/taken.json")),
        "previous backup",
      );
    });

    await t.step("a simple upload accepted before a 500 is recognised on the retry's 409", async () => {
      await fresh();
      await admin.addFault({ route: "content", action: { kind: "failAfterAccept" } });
      const bytes = testBytes(3000, 25);
      const item = await client.upload(folder, "twice.json", bytesUploadSource(bytes));
      await assertStored(admin, "twice.json", bytes, item);
      assert.deepEqual(byRoute(await admin.requests(), "content").map((r) => r.status), [500, 409]);
      assert.ok(logs.some((line) => /retried request had succeeded/.test(line)));
    });

    await t.step("a dropped connection during a fragment is retried", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", skip: 1, times: 3, action: { kind: "disconnect" } });
      const bytes = testBytes(SESSION_SIZE, 26);
      const item = await client.upload(folder, "reset.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "reset.json", bytes, item);
      const dropped = byRoute(await admin.requests(), "uploadFragment").filter((r) => r.status === 0);
      assert.equal(dropped.length, 3);
      // Deno's HTTP client may resend once by itself on a reused connection; the rest is the client's back-off.
      assert.ok(sleeps.length >= 1 && sleeps.length <= 3, `slept ${sleeps.length} times`);
    });

    await t.step("a fragment answered slower than the timeout is abandoned and sent again", async () => {
      await fresh({ retry: { timeoutMs: 400 } });
      await admin.addFault({ route: "uploadFragment", skip: 1, action: { kind: "delay", ms: 1500 } });
      const bytes = testBytes(SESSION_SIZE, 30);
      const item = await client.upload(folder, "slow.json", bytesUploadSource(bytes), {
        fragmentSize: FRAGMENT,
      });
      await assertStored(admin, "slow.json", bytes, item);
      assert.equal(sleeps.length, 1);
      assert.ok(logs.some((line) => /No answer within 0.4 seconds/.test(line)));
    });

    await t.step("a cancelled upload deletes its session", async () => {
      await fresh();
      const controller = new AbortController();
      const error = await expectGraphError(
        client.upload(folder, "cancelled.json", bytesUploadSource(testBytes(SESSION_SIZE, 27)), {
          fragmentSize: FRAGMENT,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
        "upload_cancelled",
      );
      assert.match(error.message, /the upload was cancelled/);
      const log = await admin.requests();
      assert.equal(byRoute(log, "uploadFragment").length, 1);
      assert.deepEqual(byRoute(log, "uploadCancel").map((r) => r.status), [204]);
      assert.deepEqual(await admin.sessions(), []);
      await assertNotStored(admin, "cancelled.json");
    });

    await t.step("a fatal error on a fragment deletes the session", async () => {
      await fresh();
      await admin.addFault({ route: "uploadFragment", skip: 1, action: { kind: "error", status: 403 } });
      await expectGraphError(
        client.upload(folder, "denied.json", bytesUploadSource(testBytes(SESSION_SIZE, 28)), {
          fragmentSize: FRAGMENT,
        }),
        "graph_forbidden",
      );
      assert.deepEqual(byRoute(await admin.requests(), "uploadCancel").map((r) => r.status), [204]);
      assert.deepEqual(await admin.sessions(), []);
    });

    await t.step("a full quota fails without retrying", async () => {
      await fresh();
      await admin.configure({ quotaBytes: 10_000 });
      const error = await expectGraphError(
        client.upload(folder, "big.json", bytesUploadSource(testBytes(SESSION_SIZE, 29)), {
          fragmentSize: FRAGMENT,
        }),
        "graph_quota_exceeded",
      );
      assert.match(error.message, /storage quota is full/);
      await expectGraphError(
        client.upload(folder, "small.json", bytesUploadSource(testBytes(20_000, 29))),
        "graph_quota_exceeded",
      );
      const log = await admin.requests();
      assert.equal(byRoute(log, "uploadFragment").length, 1);
      assert.equal(byRoute(log, "content").length, 1);
      assert.deepEqual(sleeps, []);
    });

    await t.step("a name OneDrive forbids is refused before any request", async () => {
      await fresh();
      for (const name of ["backup:2026.json", " backup.json", "a|b", "con", ""]) {
        await expectGraphError(
          client.upload(folder, name, bytesUploadSource(testBytes(10))),
          "upload_name_invalid",
        );
      }
      assert.deepEqual(await admin.requests(), []);
    });
  } finally {
    await emulator.stop();
  }
});

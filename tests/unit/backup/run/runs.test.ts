import assert from "node:assert/strict";
import {
  finishRun,
  getRun,
  reapStaleRuns,
  startRun,
  updateRun,
} from "../../../../supabase/functions/_shared/backup/run/runs.ts";
import { createScratchDatabase } from "../../../support/scratch-database.ts";

Deno.test("one running row at a time, enforced by the database", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    const first = await startRun(db.sql, { trigger: "manual", requestedBy: null, onedriveSkipped: true });
    assert.ok(first.started);
    const second = await startRun(db.sql, { trigger: "schedule", requestedBy: null, onedriveSkipped: false });
    assert.deepEqual(second, { started: false, runningId: first.id });
    const parallel = await Promise.all(
      Array.from(
        { length: 5 },
        () => startRun(db.sql, { trigger: "cli", requestedBy: null, onedriveSkipped: true }),
      ),
    );
    assert.ok(parallel.every((r) => !r.started));

    assert.equal(
      await updateRun(db.sql, first.id, {
        phase: "exporting",
        tables: [{ schema: "public", name: "t", rows: 3 }],
      }),
      true,
    );
    const [row] = await db
      .sql`select phase, tables, onedrive_status from public.backup_runs where id = ${first.id}`;
    assert.equal(row.phase, "exporting");
    assert.deepEqual(row.tables, [{ schema: "public", name: "t", rows: 3 }]);
    assert.equal(row.onedrive_status, "skipped");

    assert.equal(await finishRun(db.sql, first.id, "success", { storage_status: "success" }), true);
    const done = await getRun(db.sql, first.id);
    assert.equal(done?.status, "success");
    assert.equal(done?.phase, null);
    assert.ok(done?.finished_at);
    assert.equal(
      await finishRun(db.sql, first.id, "failed"),
      false,
      "a finished run cannot be finished again",
    );

    const third = await startRun(db.sql, { trigger: "cli", requestedBy: null, onedriveSkipped: true });
    assert.ok(third.started, "the slot is free again");
  } finally {
    await db.drop();
  }
});

Deno.test("a run without heartbeat for too long is marked failed, and its late updates are ignored", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    const run = await startRun(db.sql, { trigger: "schedule", requestedBy: null, onedriveSkipped: false });
    assert.ok(run.started);
    await updateRun(db.sql, run.id, {
      phase: "uploading",
      storage_status: "success",
      onedrive_status: "running",
    });
    assert.deepEqual(
      await reapStaleRuns(db.sql, { maxRunSeconds: 60 }),
      [],
      "a fresh heartbeat is left alone",
    );

    await db
      .sql`update public.backup_runs set heartbeat_at = now() - interval '2 minutes' where id = ${run.id}`;
    const reaped = await reapStaleRuns(db.sql, { maxRunSeconds: 60 });
    assert.equal(reaped.length, 1);
    assert.match(
      reaped[0].error,
      /^The backup stopped without finishing \(function timed out or was killed\): no sign of life since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC while uploading/,
    );
    const row = await getRun(db.sql, run.id);
    assert.equal(row?.status, "failed");
    assert.equal(row?.error_code, "run_abandoned");
    assert.equal(row?.storage_status, "success");
    assert.equal(row?.onedrive_status, "failed");

    assert.equal(await updateRun(db.sql, run.id, { phase: "verifying" }), false);
    assert.equal(await finishRun(db.sql, run.id, "success"), false);
    assert.equal((await getRun(db.sql, run.id))?.status, "failed");
  } finally {
    await db.drop();
  }
});

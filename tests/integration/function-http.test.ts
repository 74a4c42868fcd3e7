/**
 * The edge function over real HTTP (gateway → Deno functions server → function), against the seeded
 * stack: callers, the 202 → success path with the file in both destinations, 409, status and test.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { QuickXorHash } from "../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import {
  adminEmail,
  callFunction,
  downloadFromStorage,
  memberEmail,
  openStack,
  runRow,
  signIn,
  stackSecrets,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";

Deno.test("callers without rights are refused and create no run", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const [{ n: before }] = await stack.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from public.backup_runs`;
    const member = await signIn(stack, memberEmail(stack));
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      ["no credentials", {}, 401, /^Missing credentials/],
      [
        "the anon key",
        { authorization: `Bearer ${stack.info.anon_key}`, apikey: stack.info.anon_key },
        401,
        /^Invalid or expired session/,
      ],
      ["the publishable key", { apikey: stack.info.publishable_key }, 401, /^Missing credentials/],
      ["a garbage token", { authorization: "Bearer not.a.jwt" }, 401, /^Invalid or expired session/],
      [
        "a member",
        { authorization: `Bearer ${member}` },
        403,
        /^Not allowed: only admins can manage backups/,
      ],
      ["a wrong scheduler secret", { "x-backup-secret": "guess" }, 401, /^Invalid scheduler secret/],
      ["an empty scheduler secret", { "x-backup-secret": "" }, 401, /^Invalid scheduler secret/],
    ];
    for (const [what, headers, status, pattern] of cases) {
      const r = await callFunction(stack, { body: { action: "run" }, headers });
      assert.equal(r.status, status, what);
      assert.match(String(r.body.error), pattern, what);
      assert.equal(r.headers.get("access-control-allow-origin"), "*", what);
    }
    const [{ n: after }] = await stack.sql<
      Array<{ n: number }>
    >`select count(*)::int as n from public.backup_runs`;
    assert.equal(after, before, "no run was created");

    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    assert.equal((await callFunction(stack, { body: "{oops", headers: asAdmin })).status, 400);
    assert.equal((await callFunction(stack, { body: { action: "dance" }, headers: asAdmin })).status, 400);
    assert.equal((await callFunction(stack, { method: "PUT", body: {}, headers: asAdmin })).status, 405);
    const preflight = await fetch(`${stack.info.supabase_url}/functions/v1/auto-backup`, {
      method: "OPTIONS",
    });
    await preflight.body?.cancel();
    assert.ok(preflight.status === 204 || preflight.status === 200);
  } finally {
    await stack.close();
  }
});

Deno.test("an admin's run: 202 at once, then success with the same verified file in Storage and OneDrive", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const started = await callFunction(stack, {
      body: { action: "run" },
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(started.status, 202);
    assert.equal(started.body.status, "running");
    const id = String(started.body.run_id);

    // The Settings page reads the row through the REST API as the admin (RLS).
    const rest = await fetch(
      `${stack.info.supabase_url}/rest/v1/backup_runs?id=eq.${id}&select=id,status,trigger`,
      {
        headers: { apikey: stack.info.anon_key, authorization: `Bearer ${admin}` },
      },
    );
    assert.equal(rest.status, 200);
    const visible = await rest.json();
    assert.equal(visible.length, 1);
    assert.equal(visible[0].trigger, "manual");

    const row = await waitForRun(stack, id);
    assert.equal(row.status, "success", `${row.error_code}: ${row.error}`);
    assert.equal(row.storage_status, "success");
    assert.equal(row.onedrive_status, "success");
    assert.equal(row.phase, null);
    assert.match(row.file_name!, /^backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json\.gz$/);
    const seeded = await stack.sql<Array<{ name: string; n: string }>>`
      select 'payments' as name, count(*)::text as n from public.payments
      union all select 'owners', count(*)::text from public.owners`;
    for (const t of seeded) {
      assert.equal(
        row.tables?.find((x) => x.name === t.name)?.rows,
        Number(t.n),
        `${t.name}: every row (not 1,000)`,
      );
    }
    assert.ok(Number(t(row.row_count)) > 20_000);

    const stored = await downloadFromStorage(stack, row.storage_path!);
    const uploaded = await stack.emulator.fileContent(`Backups/${row.file_name}`);
    assert.deepEqual(uploaded, stored, "the same bytes in both destinations");
    assert.equal(stored.length, Number(row.size_bytes));
    assert.equal(createHash("sha256").update(stored).digest("hex"), row.sha256);
    assert.equal(new QuickXorHash().update(stored).digest(), row.quick_xor_hash);
    const item = (await stack.emulator.files()).find((f) => f.name === row.file_name);
    assert.equal(item?.quickXorHash, row.quick_xor_hash, "OneDrive's own hash matches");
    assert.equal(item?.id, row.onedrive_item_id);

    const text = JSON.stringify(row);
    for (const secret of stackSecrets(stack)) assert.ok(!text.includes(secret), "no secret in the run row");
  } finally {
    await stack.close();
  }
});

function t(value: string | null): string {
  return value ?? "0";
}

Deno.test("one run at a time: 409 with the running id; a dead run is marked failed by the next status call", async () => {
  const stack = await openStack();
  let id: string | undefined;
  try {
    await waitForIdle(stack);
    // A run whose process is still alive (fresh heartbeat) holds the slot.
    [{ id }] = await stack.sql<Array<{ id: string }>>`
      insert into public.backup_runs (trigger, phase) values ('schedule', 'uploading') returning id`;
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const busy = await Promise.all(
      [1, 2, 3].map(() => callFunction(stack, { body: { action: "run" }, headers: asAdmin })),
    );
    for (const r of busy) {
      assert.equal(r.status, 409);
      assert.equal(r.body.run_id, id);
      assert.match(String(r.body.error), /^A backup is already running/);
    }
    // Its process died: no heartbeat for longer than the platform allows.
    await stack
      .sql`update public.backup_runs set heartbeat_at = now() - interval '15 minutes' where id = ${id}`;
    const status = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    assert.equal(status.status, 200);
    const row = await runRow(stack, id!);
    assert.equal(row.status, "failed");
    assert.equal(row.error_code, "run_abandoned");
    assert.match(
      row.error!,
      /^The backup stopped without finishing \(function timed out or was killed\).* while uploading/,
    );
  } finally {
    if (id) {
      await stack
        .sql`update public.backup_runs set status = 'failed' where id = ${id} and status = 'running'`;
    }
    await stack.close();
  }
});

Deno.test("status and test describe the setup without revealing it", async () => {
  const stack = await openStack();
  try {
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const status = await callFunction(stack, { body: { action: "status" }, headers: asAdmin });
    assert.equal(status.status, 200);
    assert.deepEqual(Object.keys(status.body).sort(), [
      "compression",
      "config_problems",
      "configured",
      "destination",
      "onedrive_enabled",
      "retention",
      "retention_count",
      "schedule",
      "schemas",
    ]);
    assert.equal((status.body.configured as Record<string, boolean>).azure, true);
    assert.deepEqual(status.body.destination, { kind: "link", folder_name: "Backups" });
    assert.equal((status.body.schedule as { timezone: string }).timezone, "UTC");
    const test = await callFunction(stack, { body: { action: "test" }, headers: asAdmin });
    assert.equal(test.status, 200);
    const checks = test.body.checks as Array<{ name: string; ok: boolean; message: string }>;
    assert.ok(checks.length >= 5);
    assert.ok(checks.every((c) => c.ok), JSON.stringify(checks));
    const text = JSON.stringify([status.body, test.body]);
    for (const secret of stackSecrets(stack)) assert.ok(!text.includes(secret));
  } finally {
    await stack.close();
  }
});

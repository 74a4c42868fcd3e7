/**
 * The function's `download` action end to end (real function under Deno, gateway, Postgres, Storage):
 * an admin gets a URL signed with the service key whose token lives exactly 300 s and which serves the
 * backup's bytes; each URL is recorded in public.backup_downloads; members, anon and the scheduler are
 * refused, and so are run ids that are not uuids, unknown runs and runs without a Storage copy. Expiry
 * is checked without waiting 300 s: the gateway verifies `exp` against its clock like Storage, and a
 * token signed the same way but already expired is refused.
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  callFunction,
  memberEmail,
  openStack,
  removeFromStorage,
  signIn,
  uploadToStorage,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { claimsOf, signHs256 } from "./support/forged-tokens.ts";

const CRON_SECRET_NAME = "auto_backup_cron_secret";

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("download: admins only, a 300 s URL for a recorded Storage copy, audited; everything else refused", async () => {
  const stack = await openStack();
  let createdSecret = false;
  try {
    await waitForIdle(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const member = await signIn(stack, memberEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };

    const started = await callFunction(stack, { body: { action: "run" }, headers: asAdmin });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const run = await waitForRun(stack, started.body.run_id as string);
    assert.equal(run.storage_status, "success", run.error ?? "");

    const before = Date.now();
    const answer = await callFunction(stack, {
      body: { action: "download", run_id: run.id },
      headers: asAdmin,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const { url, file_name, expires_in, expires_at } = answer.body as {
      url: string;
      file_name: string;
      expires_in: number;
      expires_at: string;
    };
    assert.equal(file_name, run.file_name);
    assert.equal(run.storage_path, `${run.id}/${run.file_name}`, "the copy is in the run's own folder");
    assert.equal(expires_in, 300);
    const expiresAt = Date.parse(expires_at);
    assert.ok(expiresAt >= before + 299_000 && expiresAt <= Date.now() + 301_000, expires_at);

    // The URL: the stack's Storage, this object, a token of exactly 300 s scoped to downloads.
    const parsed = new URL(url);
    assert.equal(parsed.origin, new URL(stack.info.supabase_url).origin);
    assert.equal(parsed.pathname, `/storage/v1/object/sign/backups/${run.storage_path}`);
    const token = parsed.searchParams.get("token")!;
    const claims = claimsOf(token);
    assert.equal(claims.url, `backups/${run.storage_path}`);
    assert.equal(claims.scope, "download");
    assert.equal(Number(claims.exp) - Number(claims.iat), 300, "the token lives exactly 300 s");
    assert.ok(Math.abs(Number(claims.exp) * 1000 - expiresAt) < 5_000, "exp matches expires_at");

    const file = await fetch(url);
    assert.equal(file.status, 200);
    assert.match(file.headers.get("content-disposition") ?? "", /^attachment;/);
    assert.ok(
      (file.headers.get("content-disposition") ?? "").includes(run.file_name!) &&
        !(file.headers.get("content-disposition") ?? "").includes(run.id),
      "saved under the file name, not the run's folder",
    );
    const bytes = new Uint8Array(await file.arrayBuffer());
    assert.equal(await sha256Hex(bytes), run.sha256, "the URL serves the backup's bytes");

    // The same token once its 300 s are over (same claims, same key, moved into the past): refused.
    const lifetime = Number(claims.exp) - Number(claims.iat);
    const now = Math.floor(Date.now() / 1000);
    const expired = await signHs256(stack.info.jwt_secret, {
      ...claims,
      iat: now - lifetime - 1,
      exp: now - 1,
    });
    const late = await fetch(`${parsed.origin}${parsed.pathname}?token=${expired}`);
    const lateText = await late.text();
    assert.equal(late.status, 400, "refused after expiry");
    assert.match(lateText, /jwt expired/);
    // Control: the same re-signing with a live exp works, so the refusal above is the expiry.
    const live = await signHs256(stack.info.jwt_secret, { ...claims, iat: now, exp: now + lifetime });
    const control = await fetch(`${parsed.origin}${parsed.pathname}?token=${live}`);
    assert.equal(control.status, 200);
    await control.body?.cancel();
    // A token opens its own object only.
    const elsewhere = await fetch(
      `${parsed.origin}/storage/v1/object/sign/backups/backup-2099-01-01T00-00-00Z.json.gz?token=${token}`,
    );
    assert.equal(elsewhere.status, 400);
    await elsewhere.body?.cancel();

    const [audit] = await stack.sql<Array<{ n: number; requested_by: string; storage_path: string }>>`
      select count(*) over ()::int as n, requested_by::text, storage_path
      from public.backup_downloads where run_id = ${run.id}`;
    assert.equal(audit.n, 1, "one audit row per URL");
    assert.equal(audit.requested_by, claimsOf(admin).sub);
    assert.equal(audit.storage_path, run.storage_path);

    // Refused: a member, anon, the scheduler's secret.
    const memberAnswer = await callFunction(stack, {
      body: { action: "download", run_id: run.id },
      headers: { authorization: `Bearer ${member}` },
    });
    assert.equal(memberAnswer.status, 403);
    assert.ok(!JSON.stringify(memberAnswer.body).includes("token="));
    const anonAnswer = await callFunction(stack, {
      body: { action: "download", run_id: run.id },
      headers: { authorization: `Bearer ${stack.info.anon_key}`, apikey: stack.info.anon_key },
    });
    assert.equal(anonAnswer.status, 401);
    let [secret] = await stack.sql<Array<{ value: string }>>`
      select decrypted_secret as value from vault.decrypted_secrets where name = ${CRON_SECRET_NAME}`;
    if (!secret) {
      await stack.sql`select vault.create_secret(${
        crypto.randomUUID() + crypto.randomUUID()
      }, ${CRON_SECRET_NAME})`;
      createdSecret = true;
      [secret] = await stack.sql<Array<{ value: string }>>`
        select decrypted_secret as value from vault.decrypted_secrets where name = ${CRON_SECRET_NAME}`;
    }
    const scheduler = await callFunction(stack, {
      body: { action: "download", run_id: run.id },
      headers: { "x-backup-secret": secret.value },
    });
    assert.equal(scheduler.status, 403);
    assert.match(String(scheduler.body.error), /not "download"/);

    // Refused: run ids that are not uuids, unknown runs, runs without a Storage copy.
    for (const bad of ["../backups/x", "backup-2099-01-01T00-00-00Z.json.gz", 7, null]) {
      const refused = await callFunction(stack, {
        body: { action: "download", run_id: bad },
        headers: asAdmin,
      });
      assert.equal(refused.status, 400, String(bad));
    }
    const unknown = await callFunction(stack, {
      body: { action: "download", run_id: crypto.randomUUID() },
      headers: asAdmin,
    });
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /no such backup run/);
    const [failed] = await stack.sql<Array<{ id: string }>>`
      insert into public.backup_runs (trigger, status, finished_at, storage_status, onedrive_status, error)
      values ('cli', 'failed', now(), 'failed', 'skipped', 'download test: no Storage copy') returning id`;
    try {
      const noCopy = await callFunction(stack, {
        body: { action: "download", run_id: failed.id },
        headers: asAdmin,
      });
      assert.equal(noCopy.status, 409);
      assert.match(String(noCopy.body.error), /no verified copy in Supabase Storage/);
    } finally {
      await stack.sql`delete from public.backup_runs where id = ${failed.id}`;
    }
    const [{ n }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from public.backup_downloads where run_id = ${run.id}`;
    assert.equal(n, 1, "refused calls left no download record");
  } finally {
    if (createdSecret) await stack.sql`delete from vault.secrets where name = ${CRON_SECRET_NAME}`;
    await stack.close();
  }
});

Deno.test("download: a demoted admin and a signed-out session are refused at once; a URL dies with its file", async () => {
  const stack = await openStack();
  const name = "backup-2001-01-01T00-00-00Z.json.gz";
  const admin = stack.info.users.find((u) => u.admin)!;
  const [{ id: adminId }] = await stack.sql<Array<{ id: string }>>`
    select id::text from auth.users where email = ${admin.email}`;
  const run = { id: crypto.randomUUID() };
  // Where runs keep their copy: the run's own folder.
  const path = `${run.id}/${name}`;
  await stack.sql`
    insert into public.backup_runs (id, trigger, status, finished_at, file_name, storage_path, storage_status, onedrive_status)
    values (${run.id}, 'cli', 'success', now(), ${name}, ${path}, 'success', 'skipped')`;
  try {
    await uploadToStorage(stack, path, new TextEncoder().encode("recorded"));
    const ask = (token: string) =>
      callFunction(stack, {
        body: { action: "download", run_id: run.id },
        headers: { authorization: `Bearer ${token}` },
      });
    const session = await signIn(stack, admin.email);
    const first = await ask(session);
    assert.equal(first.status, 200, "the admin downloads");
    const url = String(first.body.url);

    // Demoted: the very same, still unexpired, token is refused on the next call.
    await stack.sql`delete from public.user_roles where user_id = ${adminId} and role = 'admin'`;
    try {
      const demoted = await ask(session);
      assert.equal(demoted.status, 403, JSON.stringify(demoted.body));
    } finally {
      await stack
        .sql`insert into public.user_roles (user_id, role) values (${adminId}, 'admin') on conflict do nothing`;
    }
    assert.equal((await ask(session)).status, 200, "an admin again");

    // Signed out (the session revoked, e.g. after a theft): its access token no longer works.
    const out = await fetch(`${stack.info.supabase_url}/auth/v1/logout?scope=local`, {
      method: "POST",
      headers: { apikey: stack.info.anon_key, authorization: `Bearer ${session}` },
    });
    await out.body?.cancel();
    assert.ok(out.ok, `logout: HTTP ${out.status}`);
    const stolen = await ask(session);
    assert.equal(stolen.status, 401, JSON.stringify(stolen.body));
    assert.ok(!JSON.stringify(stolen.body).includes("token="));

    // A URL handed out earlier, once the file is gone (retention): nothing, even within its 300 s.
    await removeFromStorage(stack, [path]);
    const gone = await fetch(url);
    assert.equal(gone.status, 400);
    assert.match(await gone.text(), /Object not found/);
  } finally {
    await stack.sql`delete from public.backup_downloads where run_id = ${run.id}`;
    await stack.sql`delete from public.backup_runs where id = ${run.id}`;
    await removeFromStorage(stack, [path]);
    await stack.close();
  }
});

Deno.test("download: a run whose Storage copy retention deleted is refused (409), even if an object is back at its path", async () => {
  const stack = await openStack();
  const name = "backup-2002-02-02T02-00-00Z.json.gz";
  // A copy from before runs had their own folder (a bare name at the root), which retention deleted.
  const path = name;
  const [run] = await stack.sql<Array<{ id: string }>>`
    insert into public.backup_runs (trigger, status, finished_at, file_name, storage_path, storage_status,
      onedrive_status, storage_deleted_at)
    values ('cli', 'success', now(), ${name}, ${path}, 'success', 'skipped', '2002-02-10T03:00:00Z')
    returning id::text`;
  try {
    // Whatever is at the recorded path now is not the copy retention deleted.
    await uploadToStorage(stack, path, new TextEncoder().encode("not the pruned backup"));
    const admin = await signIn(stack, adminEmail(stack));
    const answer = await callFunction(stack, {
      body: { action: "download", run_id: run.id },
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.equal(
      answer.body.error,
      `Cannot download run ${run.id}: its Storage copy "${name}" was deleted by retention on 2002-02-10 03:00 UTC; download a newer backup, or this file from the OneDrive folder if it is still kept there`,
    );
    assert.ok(!JSON.stringify(answer.body).includes("token="));
    const [{ n }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from public.backup_downloads where run_id = ${run.id}`;
    assert.equal(n, 0, "no download recorded");
  } finally {
    await stack.sql`delete from public.backup_downloads where run_id = ${run.id}`;
    await stack.sql`delete from public.backup_runs where id = ${run.id}`;
    await removeFromStorage(stack, [path]);
    await stack.close();
  }
});

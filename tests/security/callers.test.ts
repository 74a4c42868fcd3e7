/**
 * Hostile and mistaken callers of the edge function, over real HTTP through the gateway: forged, expired
 * and foreign tokens, keys that are not a session, a non-admin, wrong scheduler secrets, and an old
 * scheduler secret replayed after rotation in Vault. Each is refused with the right status and creates
 * no run. (tests/integration/function-http.test.ts covers the plain cases: no token, the anon and
 * publishable keys, a garbage token, a member.)
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  adminHeaders,
  callFunction,
  keepSchedulerSecrets,
  memberEmail,
  openStack,
  saveYearlySchedule,
  signIn,
  type Stack,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { claimsOf, signHs256, unsignedToken } from "./support/forged-tokens.ts";

const CRON_SECRET_NAME = "auto_backup_cron_secret";

async function runCount(stack: Stack): Promise<number> {
  const [{ n }] = await stack.sql<Array<{ n: number }>>`select count(*)::int as n from public.backup_runs`;
  return n;
}

Deno.test("forged, expired and foreign tokens, non-session keys and a member are refused; no run is created", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const before = await runCount(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const member = await signIn(stack, memberEmail(stack));
    const claims = claimsOf(admin);
    const now = Math.floor(Date.now() / 1000);
    const [head, payload, signature] = admin.split(".");
    const elevated = btoa(JSON.stringify({ ...claims, role: "service_role" }))
      .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      [
        "the admin's token, expired",
        { authorization: `Bearer ${await signHs256(stack.info.jwt_secret, { ...claims, exp: now - 60 })}` },
        401,
        /^Invalid or expired session: sign in again$/,
      ],
      [
        "the admin's claims signed with another secret",
        {
          authorization: `Bearer ${await signHs256("not-the-project-secret-at-all-0123456789", claims)}`,
        },
        401,
        /^Invalid or expired session/,
      ],
      [
        "the admin's claims, unsigned (alg none)",
        { authorization: `Bearer ${unsignedToken(claims)}` },
        401,
        /^Invalid or expired session/,
      ],
      [
        "the admin's token with its payload changed",
        { authorization: `Bearer ${head}.${elevated}.${signature}` },
        401,
        /^Invalid or expired session/,
      ],
      [
        "the admin's signature on a member's payload",
        { authorization: `Bearer ${head}.${member.split(".")[1]}.${signature}` },
        401,
        /^Invalid or expired session/,
      ],
      [
        "a validly signed token for a user that does not exist",
        {
          authorization: `Bearer ${await signHs256(stack.info.jwt_secret, {
            ...claims,
            sub: crypto.randomUUID(),
            session_id: undefined,
          })}`,
        },
        401,
        /^Invalid or expired session/,
      ],
      [
        "the service role key as a session",
        { authorization: `Bearer ${stack.info.service_role_key}`, apikey: stack.info.service_role_key },
        401,
        /^Invalid or expired session/,
      ],
      [
        "the secret key as a session",
        { authorization: `Bearer ${stack.info.secret_key}`, apikey: stack.info.secret_key },
        401,
        /^Invalid or expired session/,
      ],
      ["a Basic header", { authorization: "Basic YWRtaW46cGFzc3dvcmQ=" }, 401, /^Missing credentials/],
      ["a member", { authorization: `Bearer ${member}` }, 403, /^Not allowed: only admins/],
      [
        "the anon key as scheduler secret",
        { "x-backup-secret": stack.info.anon_key },
        401,
        /^Invalid scheduler secret/,
      ],
      [
        "a blank scheduler secret next to a valid admin session",
        { "x-backup-secret": "   ", authorization: `Bearer ${admin}` },
        401,
        /^Invalid scheduler secret/,
      ],
      ["a 4 KB scheduler secret", { "x-backup-secret": "x".repeat(4096) }, 401, /^Invalid scheduler secret/],
    ];
    // The unchanged token is still good: the refusals above are about the token, not the user.
    assert.equal(`${head}.${payload}.${signature}`, admin);

    for (const [what, headers, status, pattern] of cases) {
      for (const action of ["run", "status", "schedule"]) {
        const r = await callFunction(stack, { body: { action, cron: null }, headers });
        assert.equal(r.status, status, `${what} (${action}): ${JSON.stringify(r.body)}`);
        assert.match(String(r.body.error), pattern, `${what} (${action})`);
        assert.deepEqual(Object.keys(r.body), ["error"], `${what}: nothing but the error is answered`);
      }
    }
    assert.equal(await runCount(stack), before, "no run was created");
  } finally {
    await stack.close();
  }
});

Deno.test("the scheduler secret: only from Vault, only for run; an old secret replayed after rotation is refused", async () => {
  const stack = await openStack();
  const asAdmin = await adminHeaders(stack);
  const vault = await keepSchedulerSecrets(stack, asAdmin);
  try {
    await waitForIdle(stack);
    // The product's own path: saving a schedule keeps a generated secret in Vault (removed at the end).
    await saveYearlySchedule(stack, asAdmin);
    const [{ secret: old }] = await stack.sql<Array<{ secret: string }>>`
      select decrypted_secret as secret from vault.decrypted_secrets where name = ${CRON_SECRET_NAME}`;
    assert.ok(old.length >= 32, "a long random secret");

    // The scheduler may start a run and nothing else, even with the right secret.
    const before = await runCount(stack);
    for (const action of ["status", "test", "schedule"]) {
      const r = await callFunction(stack, {
        body: { action, cron: null },
        headers: { "x-backup-secret": old },
      });
      assert.equal(r.status, 403, action);
      assert.match(
        String(r.body.error),
        new RegExp(`^Not allowed: the scheduler secret only starts backups`),
      );
    }
    const [{ n: jobs }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from cron.job where jobname = 'auto-backup'`;
    assert.equal(jobs, 1, "the scheduler secret could not remove the schedule");

    // Rotation: a new value in Vault (what docs/security.md tells admins to run). The job reads the
    // secret from Vault at each call, so nothing else changes.
    const rotated = crypto.randomUUID() + crypto.randomUUID();
    await stack.sql`select vault.update_secret(
      (select id from vault.secrets where name = ${CRON_SECRET_NAME}), ${rotated}::text)`;
    for (const replay of [old, old.slice(0, -1), `${old}x`, rotated.toUpperCase()]) {
      const r = await callFunction(stack, {
        body: { action: "run" },
        headers: { "x-backup-secret": replay },
      });
      assert.equal(r.status, 401, "an old or altered secret is refused");
      assert.match(String(r.body.error), /^Invalid scheduler secret/);
    }
    assert.equal(await runCount(stack), before, "no run was created by a refused call");

    const accepted = await callFunction(stack, {
      body: { action: "run" },
      headers: { "x-backup-secret": rotated },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const row = await waitForRun(stack, String(accepted.body.run_id));
    assert.equal(row.trigger, "schedule");
    assert.equal(row.status, "success", `${row.error_code}: ${row.error}`);
  } finally {
    await vault.restore(); // Leave Vault as it was.
    await waitForIdle(stack);
    await stack.close();
  }
});

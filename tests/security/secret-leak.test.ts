/**
 * Secrets never leave the function. A private instance of the real function (its own Deno process, every
 * log line captured) runs a successful backup and a failing one against the stack, with known secret
 * values: the Azure client secret, the service role key, the JWT secret, the database password, the
 * scheduler secret, the alert webhook URL (a bearer URL), the users' session tokens, every access token
 * and upload session URL the Graph emulator handed out, and a signed Storage URL. None of them may
 * appear in any log line, run row, response body, alert (webhook and mail), or the backup file itself.
 *
 * The runs are made to take the paths that produce messages: an upload session (the file is over
 * 4 MiB), throttling and a dropped connection with retries, a fragment refused for good (the run ends
 * `partial` and alerts), and a webhook that takes the alert but drops the connection (fetch's error then
 * names the webhook URL, which the redactor must hide).
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import {
  adminEmail,
  allowNextRun,
  downloadFromStorage,
  memberEmail,
  openStack,
  signIn,
  stackSecrets,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { type FunctionProcess, startFunctionProcess } from "../support/function-process.ts";

Deno.test("no secret or bearer URL in logs, run rows, responses, alerts or the file, on success and on failure", async () => {
  const stack = await openStack();
  const table = `leak_probe_${crypto.randomUUID().slice(0, 8)}`;
  const webhook = startDroppingWebhook();
  // Teams and Slack webhook URLs carry their credential in the path.
  const webhookUrl = `${webhook.origin}/services/T0LEAK/B0LEAK/${crypto.randomUUID()}`;
  const cronSecret = `cron-${crypto.randomUUID()}-${crypto.randomUUID()}`;
  let fn: FunctionProcess | undefined;
  try {
    await waitForIdle(stack);
    await stack.emulator.reset();
    // Incompressible enough that the gzip file exceeds 4 MiB: OneDrive then gets an upload session.
    await stack.sql.unsafe(`
      create table public.${table} (id integer primary key, noise text not null);
      insert into public.${table}
        select g, encode(sha256((g || '-' || random())::text::bytea), 'base64')
               || encode(sha256((random() || '-' || g)::text::bytea), 'base64')
        from generate_series(1, 80000) g;`);

    fn = await startFunctionProcess(stack, {
      BACKUP_CRON_SECRET: cronSecret,
      BACKUP_ALERT_WEBHOOK_URL: webhookUrl,
      BACKUP_ALERT_EMAIL: "ops@example.com",
      BACKUP_ALERT_SENDER: "backup@example.com",
    });
    const admin = await signIn(stack, adminEmail(stack));
    const member = await signIn(stack, memberEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const responses: string[] = [];
    const call = async (init: Parameters<FunctionProcess["call"]>[0]) => {
      const r = await fn!.call(init);
      responses.push(r.text);
      return r;
    };

    // Refused callers get an error body too: it must not echo what they sent or what we hold.
    assert.equal(
      (await call({ body: { action: "run" }, headers: { "x-backup-secret": "guess" } })).status,
      401,
    );
    assert.equal(
      (await call({ body: { action: "run" }, headers: { authorization: `Bearer ${member}` } })).status,
      403,
    );
    assert.equal((await call({ body: { action: "status" }, headers: asAdmin })).status, 200);
    assert.equal((await call({ body: { action: "test" }, headers: asAdmin })).status, 200);

    // Run 1 succeeds after a throttled fragment and a dropped connection (both retried and logged).
    await stack.emulator.addFault({
      route: "uploadFragment",
      action: { kind: "throttle", status: 503, retryAfter: { seconds: 1 } },
    });
    await stack.emulator.addFault({ route: "uploadFragment", action: { kind: "disconnect" } });
    const first = await call({ body: { action: "run" }, headers: asAdmin });
    assert.equal(first.status, 202, first.text);
    const ok = await waitForRun(stack, String(first.body.run_id));
    assert.equal(ok.status, "success", `${ok.error_code}: ${ok.error}`);
    assert.ok(Number(ok.size_bytes) > 4 * 1024 * 1024, "the file needed an upload session");

    // Run 2, started by the scheduler secret: OneDrive refuses every fragment, so the run is partial
    // and both alert channels fire.
    await stack.emulator.clearFaults();
    await stack.emulator.addFault({
      route: "uploadFragment",
      times: 0,
      action: { kind: "error", status: 403, code: "accessDenied", message: "Access denied" },
    });
    await allowNextRun(stack); // a minute later: runs through the function are rate limited
    const second = await call({ body: { action: "run" }, headers: { "x-backup-secret": cronSecret } });
    assert.equal(second.status, 202, second.text);
    const bad = await waitForRun(stack, String(second.body.run_id));
    assert.equal(bad.status, "partial", `${bad.error_code}: ${bad.error}`);
    assert.match(bad.error ?? "", /^The backup is safe in Supabase Storage but not in OneDrive/);
    await stack.emulator.clearFaults();
    assert.equal((await call({ body: { action: "status" }, headers: asAdmin })).status, 200);

    // What was handed out, to look for.
    const issued = await stack.emulator.issued();
    assert.ok(issued.accessTokens.length >= 1, "the function got access tokens");
    assert.ok(issued.uploadUrls.length >= 2, "both runs opened upload sessions");
    // A download URL from the function's download action (its one legitimate place is that answer,
    // kept out of `responses`): its token must not leak anywhere else.
    const signed = await fn!.call({ body: { action: "download", run_id: ok.id }, headers: asAdmin });
    assert.equal(signed.status, 200, signed.text);
    const signedUrl = String(signed.body.url);
    const secrets: Array<[string, string]> = [
      ...stackSecrets(stack).map((s) => ["a stack secret", s] as [string, string]),
      ["the scheduler secret", cronSecret],
      ["the webhook URL", webhookUrl],
      ["the webhook URL's path", new URL(webhookUrl).pathname],
      ["the admin's session", admin],
      ["the member's session", member],
      ["the signed Storage URL's token", new URL(signedUrl, "http://x").searchParams.get("token")!],
      ...issued.accessTokens.map((t) => ["a Graph access token", t] as [string, string]),
      ...issued.accessTokens.map((t) =>
        ["a Graph access token's signature", t.split(".")[2]] as [string, string]
      ),
      ...issued.uploadUrls.map((u) => ["an upload URL", u] as [string, string]),
      ...issued.uploadUrls.map((u) =>
        ["an upload URL's tempauth", new URL(u).searchParams.get("tempauth")!] as [string, string]
      ),
    ];
    assert.ok(secrets.every(([, s]) => typeof s === "string" && s.length >= 8));

    const rows = await stack.sql<Array<{ row: string }>>`
      select row_to_json(r)::text as row from public.backup_runs r where id in (${ok.id}, ${bad.id})`;
    assert.equal(rows.length, 2);
    await waitForWebhook(webhook.received);
    assert.equal(webhook.received.length, 1, "the failing run alerted once by webhook");
    assert.match(webhook.received[0], /"text":"Backup only partly succeeded/);
    const mail = await stack.emulator.mail();
    assert.equal(mail.length, 1, "and once by mail");
    const backup = new TextDecoder().decode(gunzipSync(await downloadFromStorage(stack, ok.storage_path!)));
    assert.ok(backup.includes(`"name":"${table}"`), "the file holds the probe table");

    await fn.stop();
    const logs = fn.lines.join("\n");
    assert.match(logs, /retrying/, "the retries were logged");
    assert.match(logs, /Cannot send the alert webhook: fetch failed \(.*\*\*\*.*connection closed/);

    const haystacks: Array<[string, string]> = [
      ["the function's log", logs],
      ["a run row", rows.map((r) => r.row).join("\n")],
      ["a response", responses.join("\n")],
      ["the webhook alert", webhook.received.join("\n")],
      ["the mail alert", JSON.stringify(mail)],
      ["the backup file", backup],
    ];
    for (const [where, text] of haystacks) {
      for (const [what, secret] of secrets) {
        assert.ok(!text.includes(secret), `${what} appears in ${where}`);
      }
    }
  } finally {
    await fn?.stop();
    webhook.stop();
    await stack.emulator.reset();
    await stack.sql.unsafe(`drop table if exists public.${table}`);
    await waitForIdle(stack);
    await stack.close();
  }
});

/**
 * A webhook endpoint that reads the alert and then closes the connection without answering, as a
 * failing proxy would.
 */
function startDroppingWebhook(): { origin: string; received: string[]; stop(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  (async () => {
    for await (const conn of listener) {
      let text = "";
      const buffer = new Uint8Array(64 * 1024);
      const decoder = new TextDecoder();
      for (;;) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) break;
        text += decoder.decode(buffer.subarray(0, n), { stream: true });
        const end = text.indexOf("\r\n\r\n");
        const length = Number(/content-length:\s*(\d+)/i.exec(text)?.[1] ?? "0");
        if (end >= 0 && text.length - end - 4 >= length) {
          received.push(text.slice(end + 4));
          break;
        }
      }
      conn.close();
    }
  })().catch(() => {});
  return {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    received,
    stop: () => listener.close(),
  };
}

async function waitForWebhook(received: unknown[]): Promise<void> {
  // Alerts are sent right after the run row is final; give the request a moment to land.
  for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
}

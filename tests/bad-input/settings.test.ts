/**
 * Settings an admin gets wrong, through a private instance of the real function (its own Deno process
 * with the stack's environment plus the bad values), the stack's database, gateway and Graph emulator:
 * every problem is reported by `status` and `test` with the variable's name and the fix, a run records
 * it, and OneDrive problems that only Microsoft can reveal (a link to a file, an expired or removed
 * link, a wrong or expired client secret) come back as advice rather than as HTTP codes.
 */
import assert from "node:assert/strict";
import { adminEmail, openStack, signIn, type Stack, waitForIdle, waitForRun } from "../support/harness.ts";
import { startFunctionProcess } from "../support/function-process.ts";

type Check = { name: string; ok: boolean; message: string };

const SECRET_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

Deno.test("malformed settings: status and test name each variable and its fix; a run records them and stops", async () => {
  const stack = await openStack();
  const fn = await startFunctionProcess(stack, {
    AZURE_TENANT_ID: `{${stack.env.AZURE_TENANT_ID}}`,
    AZURE_CLIENT_ID: `"${stack.env.AZURE_CLIENT_ID}"`,
    AZURE_CLIENT_SECRET: SECRET_ID,
    ONEDRIVE_BACKUP_LINK: "https://1drv.ms/f/s!AkX2mIaWqPpxgQ",
    BACKUP_RETENTION_COUNT: "-5",
    BACKUP_SCHEMAS: "public,,pg_catalog",
    BACKUP_COMPRESSION: "zip",
    BACKUP_EXCLUDE_TABLES: '"unclosed, payments',
    BACKUP_ALERT_WEBHOOK_URL: "http://hooks.example.com/services/x",
  });
  try {
    await waitForIdle(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const expected: Array<[string, RegExp]> = [
      [
        "AZURE_TENANT_ID",
        /not a tenant ID: use the Directory \(tenant\) ID.*\(no spaces, braces or quotes\)/,
      ],
      ["AZURE_CLIENT_ID", /not an application ID: use the Application \(client\) ID.*\(no spaces, braces/],
      [
        "AZURE_CLIENT_SECRET",
        /looks like a secret ID \(a GUID\), not the secret itself: copy the Value column/,
      ],
      [
        "ONEDRIVE_BACKUP_LINK",
        /points to a personal OneDrive \("1drv\.ms"\).*OneDrive for Business or SharePoint/,
      ],
      ["BACKUP_RETENTION_COUNT", /must be a whole number of backups to keep \(0 keeps all\), not "-5"/],
      ["BACKUP_SCHEMAS", /has an empty entry in "public,,pg_catalog": list schema names separated by commas/],
      ["BACKUP_SCHEMAS", /lists the system schema "pg_catalog".*remove it and list your app's schemas/],
      ["BACKUP_COMPRESSION", /must be "gzip" or "none", not "zip"/],
      ["BACKUP_EXCLUDE_TABLES", /has an unclosed double quote in ""unclosed, payments": close it/],
      [
        "BACKUP_ALERT_WEBHOOK_URL",
        /must be an https URL \(it uses "http:"\): set it to the incoming webhook URL/,
      ],
    ];

    const status = await fn.call({ body: { action: "status" }, headers: asAdmin });
    assert.equal(status.status, 200, status.text);
    const problems = status.body.config_problems as Array<{ variable: string; message: string }>;
    for (const [variable, pattern] of expected) {
      assert.ok(
        problems.some((p) =>
          p.variable === variable && pattern.test(p.message) && p.message.includes(variable)
        ),
        `${variable} ${pattern} in ${JSON.stringify(problems, null, 1)}`,
      );
    }

    const test = await fn.call({ body: { action: "test" }, headers: asAdmin });
    const checks = test.body.checks as Check[];
    const configuration = checks.find((c) => c.name === "configuration")!;
    assert.equal(configuration.ok, false);
    for (const [, pattern] of expected) assert.match(configuration.message, pattern);
    const onedrive = checks.find((c) => c.name === "onedrive")!;
    assert.deepEqual(onedrive, {
      name: "onedrive",
      ok: false,
      message: "Cannot check OneDrive: fix the OneDrive settings listed under configuration first",
    });

    const started = await fn.call({ body: { action: "run" }, headers: asAdmin });
    assert.equal(started.status, 202, started.text);
    const row = await waitForRun(stack, String(started.body.run_id));
    assert.equal(row.status, "failed");
    assert.equal(row.error_code, "config_invalid");
    assert.match(row.error!, /^Cannot start the backup: the configuration is invalid: /);
    for (const [, pattern] of expected) assert.match(row.error!, pattern);
    assert.equal(row.file_name, null, "nothing was exported");

    for (const text of [status.text, test.text, row.error!]) {
      assert.ok(!text.includes(SECRET_ID), "the pasted value is not repeated back");
    }
  } finally {
    await fn.stop();
    await stack.close();
  }
});

/** Deletes a file through Graph as the app would (the emulator's admin API only adds files). */
async function deleteFromOneDrive(stack: Stack, itemId: string): Promise<void> {
  const env = stack.env;
  const token = await fetch(`${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: env.AZURE_CLIENT_ID,
      client_secret: env.AZURE_CLIENT_SECRET,
      grant_type: "client_credentials",
      scope: `${env.GRAPH_BASE_URL}/.default`,
    }),
  }).then((r) => r.json()) as { access_token: string };
  const { driveId } = await stack.emulator.state();
  const response = await fetch(`${env.GRAPH_BASE_URL}/v1.0/drives/${driveId}/items/${itemId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  await response.body?.cancel();
}

Deno.test("OneDrive settings only Microsoft can judge: an expired client secret, a link to a file, an expired or removed link", async () => {
  const stack = await openStack();
  const link = `https://contoso.sharepoint.com/:f:/s/Backups/EbAdInPuT${crypto.randomUUID().slice(0, 8)}`;
  const fn = await startFunctionProcess(stack, { ONEDRIVE_BACKUP_LINK: link });
  let fileId: string | undefined;
  try {
    await waitForIdle(stack);
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const onedriveChecks = async () => {
      const r = await fn.call({ body: { action: "test" }, headers: asAdmin });
      assert.equal(r.status, 200, r.text);
      const checks = r.body.checks as Check[];
      assert.equal(checks.find((c) => c.name === "configuration")?.ok, true, "the settings look valid");
      return checks.filter((c) => c.name.startsWith("graph") || c.name.startsWith("onedrive"));
    };

    // The client secret expired in Azure (first: this process has no cached token yet).
    await stack.emulator.configure({ secretExpired: true });
    const expiredSecret = await onedriveChecks();
    assert.equal(expiredSecret[0].ok, false);
    assert.match(
      expiredSecret[0].message,
      /^Cannot get a Microsoft Graph token: the client secret in AZURE_CLIENT_SECRET has expired .*Create a new secret .* and update AZURE_CLIENT_SECRET$/,
    );
    await stack.emulator.configure({ secretExpired: false });

    const file = await stack.emulator.putFile("Backups/readme.txt", "not a folder");
    fileId = file.id;
    await stack.emulator.addLink(link, "Backups/readme.txt");
    const toFile = (await onedriveChecks()).find((c) => c.name === "onedrive_folder")!;
    assert.equal(toFile.ok, false);
    assert.match(
      toFile.message,
      /^Cannot resolve OneDrive folder "https:\/\/contoso\.sharepoint\.com\/:f:\/s\/Backups\/EbAd…": the sharing link points to a file \("readme\.txt"\), not a folder\. Share the destination folder itself and put that link in ONEDRIVE_BACKUP_LINK$/,
    );

    await stack.emulator.addLink(link, "Backups", "expired");
    const expired = (await onedriveChecks()).find((c) => c.name === "onedrive_folder")!;
    assert.equal(expired.ok, false);
    assert.match(
      expired.message,
      /: the sharing link has expired \(Graph error "accessDenied": The sharing link has expired\.\)\. Share the folder again with a link that does not expire .* and put it in ONEDRIVE_BACKUP_LINK$/,
    );
    assert.doesNotMatch(expired.message, /permission/, "not mistaken for missing permissions");

    await stack.emulator.addLink(link, "Backups", "revoked");
    const revoked = (await onedriveChecks()).find((c) => c.name === "onedrive_folder")!;
    assert.equal(revoked.ok, false);
    assert.match(
      revoked.message,
      /: the sharing link does not exist \(was it removed\?\) or this app cannot see it .*Copy the folder's link again \(Share > Copy link\) into ONEDRIVE_BACKUP_LINK/,
    );

    // A run with the expired link keeps its Storage copy and says what to fix.
    await stack.emulator.addLink(link, "Backups", "expired");
    const started = await fn.call({ body: { action: "run" }, headers: asAdmin });
    assert.equal(started.status, 202, started.text);
    const row = await waitForRun(stack, String(started.body.run_id));
    assert.equal(row.status, "partial");
    assert.equal(row.storage_status, "success");
    assert.equal(row.error_code, "onedrive_link_expired");
    assert.match(
      row.error!,
      /^The backup is safe in Supabase Storage but not in OneDrive\. OneDrive copy failed: .*has expired/,
    );

    // Fixed in OneDrive: the same setting works again, no restart needed.
    await stack.emulator.addLink(link, "Backups");
    assert.ok((await onedriveChecks()).every((c) => c.ok));
  } finally {
    await fn.stop();
    if (fileId) await deleteFromOneDrive(stack, fileId).catch(() => {});
    await stack.emulator.reset();
    await stack.close();
  }
});

Deno.test("a wrong client secret (not a GUID) gets the same advice from Microsoft's answer", async () => {
  const stack = await openStack();
  const fn = await startFunctionProcess(stack, {
    AZURE_CLIENT_SECRET: "Wr0ng~secret.value_0123456789abcdefghij",
  });
  try {
    const admin = await signIn(stack, adminEmail(stack));
    const r = await fn.call({ body: { action: "test" }, headers: { authorization: `Bearer ${admin}` } });
    const checks = r.body.checks as Check[];
    const token = checks.find((c) => c.name === "graph_token")!;
    assert.equal(token.ok, false);
    assert.match(
      token.message,
      /^Cannot get a Microsoft Graph token: AZURE_CLIENT_SECRET is not a valid secret of the app ".*Copy the secret's Value \(not its Secret ID\)/,
    );
    assert.ok(!r.text.includes("Wr0ng~secret"), "the secret is not echoed");
  } finally {
    await fn.stop();
    await stack.close();
  }
});

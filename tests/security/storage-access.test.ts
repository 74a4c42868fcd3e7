/**
 * The `backups` bucket over the Storage API, for every kind of caller: it stays private; anon and
 * members can neither list, download, sign nor write; admins can list, download and sign (that is how
 * the Settings page offers a download) but cannot write or delete; a signed URL works for its object
 * only, and is refused once it expires (the Settings page asks for 300 s; the test asks for 2 s).
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  memberEmail,
  openStack,
  removeFromStorage,
  signIn,
  type Stack,
  storageNames,
  uploadToStorage,
} from "../integration/support/harness.ts";

interface Reply {
  status: number;
  text: string;
}

async function storage(
  stack: Stack,
  path: string,
  init: { method?: string; token?: string | null; apikey?: string; body?: BodyInit; json?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { apikey: init.apikey ?? stack.info.anon_key };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body = init.body;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  }
  const response = await fetch(`${stack.info.supabase_url}/storage/v1${path}`, {
    method: init.method ?? "GET",
    headers,
    body,
  });
  return { status: response.status, text: await response.text() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("the backups bucket: private, readable and signable by admins only, writable by no client", async () => {
  const stack = await openStack();
  const name = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const other = `security-other-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const content = new TextEncoder().encode("not a real backup, but private all the same");
  try {
    await uploadToStorage(stack, name, content);
    await uploadToStorage(stack, other, content);
    const [bucket] = await stack.sql<Array<{ public: boolean }>>`
      select public from storage.buckets where id = 'backups'`;
    assert.equal(bucket.public, false, "the bucket is private");

    const admin = await signIn(stack, adminEmail(stack));
    const member = await signIn(stack, memberEmail(stack));
    const outsiders: Array<[string, string | null]> = [["anon", null], ["a member", member]];
    for (const [who, token] of outsiders) {
      const publicUrl = await storage(stack, `/object/public/backups/${name}`, { token });
      assert.ok(publicUrl.status >= 400, `${who}: no public URL (${publicUrl.status})`);
      const download = await storage(stack, `/object/backups/${name}`, { token });
      assert.ok(download.status === 400 || download.status === 404, `${who}: download ${download.status}`);
      assert.ok(!download.text.includes("not a real backup"), `${who}: no content`);
      const authenticated = await storage(stack, `/object/authenticated/backups/${name}`, { token });
      assert.ok(authenticated.status >= 400, `${who}: authenticated download ${authenticated.status}`);
      const listed = await storage(stack, "/object/list/backups", {
        method: "POST",
        token,
        json: { prefix: "", limit: 100 },
      });
      assert.ok(!listed.text.includes(name), `${who}: the file is not listed`);
      const sign = await storage(stack, `/object/sign/backups/${name}`, {
        method: "POST",
        token,
        json: { expiresIn: 60 },
      });
      assert.ok(sign.status >= 400, `${who}: cannot sign (${sign.status})`);
      assert.ok(!sign.text.includes("token="), `${who}: no signed URL`);
    }

    // Nobody writes through the API, admins included.
    for (const [who, token] of [...outsiders, ["an admin", admin] as [string, string]]) {
      const planted = await storage(stack, `/object/backups/planted-${crypto.randomUUID()}.json.gz`, {
        method: "POST",
        token,
        body: content,
      });
      assert.ok(planted.status >= 400, `${who}: cannot upload (${planted.status})`);
      const overwritten = await storage(stack, `/object/backups/${name}`, {
        method: "PUT",
        token,
        body: new TextEncoder().encode("tampered"),
      });
      assert.ok(overwritten.status >= 400, `${who}: cannot overwrite (${overwritten.status})`);
      await storage(stack, "/object/backups", { method: "DELETE", token, json: { prefixes: [name] } });
      assert.ok((await storageNames(stack)).includes(name), `${who}: cannot delete`);
      const flipped = await storage(stack, "/bucket/backups", {
        method: "PUT",
        token,
        json: { public: true },
      });
      assert.ok(flipped.status >= 400, `${who}: cannot make the bucket public (${flipped.status})`);
    }
    const [still] = await stack.sql<Array<{ public: boolean }>>`
      select public from storage.buckets where id = 'backups'`;
    assert.equal(still.public, false);
    const [{ n: planted }] = await stack.sql<Array<{ n: number }>>`
      select count(*)::int as n from storage.objects where bucket_id = 'backups' and name like 'planted-%'`;
    assert.equal(planted, 0);

    // An admin reads the file (RLS read policy) …
    const read = await storage(stack, `/object/authenticated/backups/${name}`, { token: admin });
    assert.equal(read.status, 200);
    const adminList = await storage(stack, "/object/list/backups", {
      method: "POST",
      token: admin,
      json: { prefix: "", limit: 1000 },
    });
    assert.ok(adminList.text.includes(name), "an admin lists the backups");

    // … and downloads it through a short-lived signed URL, for that object only.
    const signed = await storage(stack, `/object/sign/backups/${name}`, {
      method: "POST",
      token: admin,
      json: { expiresIn: 2 },
    });
    assert.equal(signed.status, 200, signed.text);
    const signedPath = (JSON.parse(signed.text) as { signedURL: string }).signedURL;
    const token = new URL(signedPath, "http://x").searchParams.get("token")!;
    const fresh = await fetch(`${stack.info.supabase_url}/storage/v1${signedPath}`);
    assert.equal(fresh.status, 200);
    assert.deepEqual(new Uint8Array(await fresh.arrayBuffer()), content);
    const elsewhere = await storage(stack, `/object/sign/backups/${other}?token=${token}`);
    assert.equal(elsewhere.status, 400, "the token opens its own object only");
    const tampered = await storage(stack, `/object/sign/backups/${name}?token=${token.slice(0, -2)}xx`);
    assert.equal(tampered.status, 400, "a tampered token is refused");

    await sleep(3_000);
    const expired = await fetch(`${stack.info.supabase_url}/storage/v1${signedPath}`);
    const expiredText = await expired.text();
    assert.equal(expired.status, 400, "the signed URL is refused after it expires");
    assert.match(expiredText, /expired/);
    assert.ok(!expiredText.includes("not a real backup"));
  } finally {
    await removeFromStorage(stack, [name, other]);
    await stack.close();
  }
});

Deno.test("the Settings page signs download links for minutes, not hours", async () => {
  const source = await Deno.readTextFile(
    new URL("../../src/data/backups/backup-download-mutation.ts", import.meta.url),
  );
  const seconds = Number(/export const DOWNLOAD_LINK_SECONDS = (\d+);/.exec(source)?.[1]);
  assert.ok(seconds > 0 && seconds <= 600, `DOWNLOAD_LINK_SECONDS is ${seconds}`);
  assert.match(source, /createSignedUrl\(storagePath, DOWNLOAD_LINK_SECONDS/);
});

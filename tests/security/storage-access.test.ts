/**
 * The `backups` bucket over the Storage API through the real supabase-js client, on a database
 * prepared like an existing app whose own policies open the bucket to everyone: the exact policy found
 * on a public app (`for all using (bucket_id = 'backups')`, no role, so anon too), a catch-all for
 * signed-in users (`for all to authenticated using (true)`) and a bucket policy letting clients change
 * any bucket. With the project's migrations applied, anon, a member and an admin can neither list,
 * download, sign, upload (a planted `backup-2099-…` file), overwrite nor delete there, nor make the
 * bucket public or delete it. Admins download only through the function's `download` action
 * (tests/security/download-action.test.ts).
 */
import assert from "node:assert/strict";
import { createClient } from "@supabase/supabase-js";
import {
  adminEmail,
  memberEmail,
  openStack,
  removeFromStorage,
  type Stack,
  storageNames,
  uploadToStorage,
} from "../support/harness.ts";
import {
  anonClient,
  everyRole,
  serviceClient,
  signedInClient,
  storageFailure,
  type SupabaseClient,
} from "./support/supabase-clients.ts";

const APP_POLICIES = [
  `create policy "Admin can manage backups" on storage.objects for all using (bucket_id = 'backups')`,
  `create policy "Signed-in users manage files" on storage.objects for all to authenticated using (true)`,
  `create policy "Anyone manages buckets" on storage.buckets for all using (true) with check (true)`,
];
const DROP_APP_POLICIES = [
  `drop policy if exists "Admin can manage backups" on storage.objects`,
  `drop policy if exists "Signed-in users manage files" on storage.objects`,
  `drop policy if exists "Anyone manages buckets" on storage.buckets`,
];

/** Gives the running stack's database the open policies of an existing app, for the test's duration. */
async function openLikeAnExistingApp(stack: Stack): Promise<() => Promise<void>> {
  for (const statement of [...DROP_APP_POLICIES, ...APP_POLICIES]) await stack.sql.unsafe(statement);
  return async () => {
    for (const statement of DROP_APP_POLICIES) await stack.sql.unsafe(statement);
  };
}

const PLANTED = "backup-2099-01-01T00-00-00Z.json.gz";

Deno.test("an app's open policies do not open the backups bucket: anon, members and admins get nothing", async () => {
  const stack = await openStack();
  const name = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const content = new TextEncoder().encode("not a real backup, but private all the same");
  const close = await openLikeAnExistingApp(stack);
  try {
    await uploadToStorage(stack, name, content);
    const outsiders: Array<[string, SupabaseClient]> = [
      ["anon", anonClient(stack)],
      ["a member", await signedInClient(stack, memberEmail(stack))],
      ["an admin", await signedInClient(stack, adminEmail(stack))],
    ];
    for (const [who, client] of outsiders) {
      const bucket = client.storage.from("backups");
      // The app's policies really are open: they would let these clients in without the lock.
      const [{ open }] = await stack.sql<Array<{ open: number }>>`
        select count(*)::int as open from pg_policies
        where schemaname = 'storage' and tablename = 'objects' and permissive = 'PERMISSIVE'`;
      assert.ok(open >= 2, "the app's permissive policies are in place");

      const listed = await bucket.list("", { limit: 1000 });
      assert.deepEqual(listed.data ?? [], [], `${who}: lists nothing`);
      const found = await bucket.list("", { search: name });
      assert.deepEqual(found.data ?? [], [], `${who}: finds nothing by name`);

      const download = await bucket.download(name);
      assert.equal(download.data, null, `${who}: no content`);
      assert.deepEqual(storageFailure(download.error), [400, "404", "Object not found"], `${who}: download`);

      const signed = await bucket.createSignedUrl(name, 60 * 60 * 24 * 365 * 10);
      assert.equal(signed.data, null, `${who}: no signed URL, whatever the lifetime`);
      assert.deepEqual(storageFailure(signed.error), [400, "404", "Object not found"], `${who}: sign`);
      const many = await client.storage.from("backups").createSignedUrls([name], 60);
      assert.ok(
        (many.data ?? []).every((s) => s.signedUrl === null || s.signedUrl === ""),
        `${who}: batch sign`,
      );

      const planted = await bucket.upload(PLANTED, content, { contentType: "application/gzip" });
      assert.deepEqual(
        storageFailure(planted.error),
        [400, "403", "new row violates row-level security policy"],
        `${who}: cannot plant ${PLANTED}`,
      );
      const upserted = await bucket.upload(name, new TextEncoder().encode("tampered"), { upsert: true });
      assert.ok(upserted.error, `${who}: cannot overwrite by upsert`);
      const updated = await bucket.update(name, new TextEncoder().encode("tampered"));
      assert.ok(updated.error, `${who}: cannot overwrite by update`);

      const removed = await bucket.remove([name]);
      assert.deepEqual(removed.data, [], `${who}: deletes nothing`);
      assert.ok((await storageNames(stack)).includes(name), `${who}: the file is still there`);

      const flipped = await client.storage.updateBucket("backups", { public: true });
      assert.ok(flipped.error, `${who}: cannot make the bucket public`);
      await client.storage.emptyBucket("backups");
      const dropped = await client.storage.deleteBucket("backups");
      assert.ok(dropped.error, `${who}: cannot delete the bucket`);

      const publicUrl = bucket.getPublicUrl(name).data.publicUrl;
      const publicAnswer = await fetch(publicUrl);
      assert.ok(!(await publicAnswer.text()).includes("not a real backup"), `${who}: no public URL`);
      assert.notEqual(publicAnswer.status, 200);
    }

    const [bucket] = await stack.sql<Array<{ public: boolean }>>`
      select public from storage.buckets where id = 'backups'`;
    assert.equal(bucket?.public, false, "the bucket is still there, private");
    const names = await storageNames(stack);
    assert.ok(names.includes(name), "the file survived every attempt");
    assert.ok(!names.includes(PLANTED), "nothing was planted");
    const [stored] = await stack.sql<Array<{ size: number }>>`
      select (metadata->>'size')::int as size from storage.objects where bucket_id = 'backups' and name = ${name}`;
    assert.equal(stored.size, content.length, "its content was not replaced");
  } finally {
    await close();
    await removeFromStorage(stack, [name, PLANTED]);
    await stack.close();
  }
});

Deno.test("signed URLs: for their object only, download-scoped, refused once expired", async () => {
  const stack = await openStack();
  const name = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const other = `security-other-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const content = new TextEncoder().encode("signed content");
  try {
    await uploadToStorage(stack, name, content);
    await uploadToStorage(stack, other, content);
    const { signHs256 } = await import("./support/forged-tokens.ts");
    const base = `${stack.info.supabase_url}/storage/v1/object/sign/backups`;
    const now = Math.floor(Date.now() / 1000);
    const token = (claims: Record<string, unknown>) => signHs256(stack.info.jwt_secret, claims);
    const valid = await token({ url: `backups/${name}`, scope: "download", iat: now, exp: now + 60 });
    const fresh = await fetch(`${base}/${name}?token=${valid}`);
    assert.equal(fresh.status, 200, "a token made like Storage's opens its object");
    assert.deepEqual(new Uint8Array(await fresh.arrayBuffer()), content);

    const elsewhere = await fetch(`${base}/${other}?token=${valid}`);
    assert.equal(elsewhere.status, 400, "the token opens its own object only");
    await elsewhere.body?.cancel();
    // As storage-api: a token from before scopes existed opens its object unless it is upload-shaped
    // (it carries `upsert`); an upload token never reads.
    const legacy = await fetch(
      `${base}/${name}?token=${await token({ url: `backups/${name}`, iat: now, exp: now + 60 })}`,
    );
    assert.equal(legacy.status, 200, "an unscoped download-shaped token is a download token");
    await legacy.body?.cancel();
    for (const claims of [{ upsert: false }, { scope: "upload" }]) {
      const upload = await fetch(
        `${base}/${name}?token=${await token({
          url: `backups/${name}`,
          iat: now,
          exp: now + 60,
          ...claims,
        })}`,
      );
      assert.equal(
        upload.status,
        400,
        `an upload token is refused for a download: ${JSON.stringify(claims)}`,
      );
      assert.match(await upload.text(), /Token is not scoped for download/);
    }
    const expired = await fetch(
      `${base}/${name}?token=${await token({
        url: `backups/${name}`,
        scope: "download",
        iat: now - 400,
        exp: now - 100,
      })}`,
    );
    const expiredText = await expired.text();
    assert.equal(expired.status, 400, "an expired token is refused");
    assert.match(expiredText, /jwt expired/);
    assert.ok(!expiredText.includes("signed content"));
  } finally {
    await removeFromStorage(stack, [name, other]);
    await stack.close();
  }
});

Deno.test("a custom role an app gave its API users (granted to authenticator) gets nothing from backups either", async () => {
  // Apps may mint JWTs with their own role (an auth hook setting `role`); PostgREST and Storage switch to
  // any role granted to authenticator. Policies `to public` (the app's) apply to it, and so do ours.
  const stack = await openStack();
  const role = `rt_app_role_${crypto.randomUUID().slice(0, 8)}`;
  const scratch = `rt-role-${crypto.randomUUID().slice(0, 8)}`;
  const backup = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const close = await openLikeAnExistingApp(stack);
  try {
    await stack.sql.unsafe(`create role ${role} nologin`);
    await stack.sql.unsafe(`grant ${role} to authenticator`);
    await stack.sql.unsafe(`grant usage on schema storage to ${role}`);
    await stack.sql.unsafe(`grant all on storage.objects, storage.buckets to ${role}`);
    // The app's catch-all for its role, as broad as a policy gets.
    await stack.sql.unsafe(
      `create policy "${role} manages files" on storage.objects for all to ${role} using (true) with check (true)`,
    );
    await stack.sql`insert into storage.buckets (id, name, public) values (${scratch}, ${scratch}, false)`;
    await uploadToStorage(stack, backup, new TextEncoder().encode("private"));
    const { signHs256 } = await import("./support/forged-tokens.ts");
    const now = Math.floor(Date.now() / 1000);
    const token = await signHs256(stack.info.jwt_secret, {
      sub: crypto.randomUUID(),
      role,
      iat: now,
      exp: now + 600,
    });
    const client = createClient(stack.info.supabase_url, stack.info.anon_key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { headers: { authorization: `Bearer ${token}` } },
    });
    // Control: the role is live, and the app's role-less policy lets it write the app's other buckets.
    const elsewhere = await client.storage.from(scratch).upload("x.txt", new TextEncoder().encode("x"));
    assert.equal(
      elsewhere.error,
      null,
      `the custom role works elsewhere: ${JSON.stringify(elsewhere.error)}`,
    );

    const bucket = client.storage.from("backups");
    assert.deepEqual((await bucket.list("", { limit: 1000 })).data ?? [], [], "lists nothing");
    assert.deepEqual(storageFailure((await bucket.download(backup)).error), [400, "404", "Object not found"]);
    assert.deepEqual(storageFailure((await bucket.createSignedUrl(backup, 60)).error), [
      400,
      "404",
      "Object not found",
    ]);
    assert.deepEqual(storageFailure((await bucket.upload(PLANTED, new TextEncoder().encode("x"))).error), [
      400,
      "403",
      "new row violates row-level security policy",
    ]);
    assert.deepEqual((await bucket.remove([backup])).data, []);
    assert.ok(
      (await client.storage.updateBucket("backups", { public: true })).error,
      "cannot open the bucket",
    );
    const names = await storageNames(stack);
    assert.ok(names.includes(backup) && !names.includes(PLANTED));
  } finally {
    await close();
    await stack.sql`delete from storage.objects where bucket_id = ${scratch}`;
    await stack.sql`delete from storage.buckets where id = ${scratch}`;
    await removeFromStorage(stack, [backup, PLANTED]);
    await stack.sql.unsafe(`drop policy if exists "${role} manages files" on storage.objects`);
    await stack.sql.unsafe(`revoke all on storage.objects, storage.buckets from ${role}`);
    await stack.sql.unsafe(`revoke usage on schema storage from ${role}`);
    await stack.sql.unsafe(`drop role if exists ${role}`);
    await stack.close();
  }
});

Deno.test("move, copy and signed upload URLs: they work in the app's other buckets, never into or out of backups", async () => {
  const stack = await openStack();
  const scratch = `rt-move-${crypto.randomUUID().slice(0, 8)}`;
  const backup = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const secret = "a private backup";
  const close = await openLikeAnExistingApp(stack);
  try {
    await stack.sql`insert into storage.buckets (id, name, public) values (${scratch}, ${scratch}, false)`;
    await uploadToStorage(stack, backup, new TextEncoder().encode(secret));
    const member = await signedInClient(stack, memberEmail(stack));

    // Controls: with the app's catch-all policy a member moves, copies and uploads by signed URL in
    // its other buckets, so the refusals below come from the backups lock, not from missing routes.
    const own = member.storage.from(scratch);
    assert.equal((await own.upload("a.txt", new TextEncoder().encode("a"))).error, null);
    const moved = await own.move("a.txt", "b.txt");
    assert.equal(moved.error, null, `move: ${JSON.stringify(moved.error)}`);
    const copied = await own.copy("b.txt", "c.txt");
    assert.equal(copied.error, null, `copy: ${JSON.stringify(copied.error)}`);
    assert.equal(await (await own.download("c.txt")).data?.text(), "a");
    const signedUpload = await own.createSignedUploadUrl("d.txt");
    assert.equal(signedUpload.error, null, `sign upload: ${JSON.stringify(signedUpload.error)}`);
    const viaToken = await own.uploadToSignedUrl(
      "d.txt",
      signedUpload.data!.token,
      new TextEncoder().encode("d"),
    );
    assert.equal(viaToken.error, null, `upload to signed URL: ${JSON.stringify(viaToken.error)}`);
    const names = async (bucket: string) =>
      (await stack.sql<Array<{ name: string }>>`
        select name from storage.objects where bucket_id = ${bucket} order by name`).map((r) => r.name);
    assert.deepEqual(await names(scratch), ["b.txt", "c.txt", "d.txt"]);

    for (
      const [who, client] of await everyRole(stack, member)
    ) {
      const bucket = client.storage.from("backups");
      const hidden = [400, "404", "Object not found"];
      // Into the bucket: the update's or insert's WITH CHECK refuses (anon cannot even see the source).
      const refusedIn = who === "anon" ? hidden : [400, "403", "new row violates row-level security policy"];
      assert.deepEqual(
        storageFailure((await bucket.move(backup, "renamed.json.gz")).error),
        hidden,
        `${who}: rename`,
      );
      assert.deepEqual(
        storageFailure((await bucket.move(backup, "stolen.json.gz", { destinationBucket: scratch })).error),
        hidden,
        `${who}: cannot move a backup out`,
      );
      assert.deepEqual(
        storageFailure((await bucket.copy(backup, "stolen.json.gz", { destinationBucket: scratch })).error),
        hidden,
        `${who}: cannot copy a backup out`,
      );
      assert.deepEqual(
        storageFailure(
          (await client.storage.from(scratch).move("b.txt", PLANTED, { destinationBucket: "backups" })).error,
        ),
        refusedIn,
        `${who}: cannot move a file in`,
      );
      assert.deepEqual(
        storageFailure(
          (await client.storage.from(scratch).copy("b.txt", PLANTED, { destinationBucket: "backups" })).error,
        ),
        refusedIn,
        `${who}: cannot copy a file in`,
      );
      for (const upsert of [false, true]) {
        const signed = await bucket.createSignedUploadUrl(upsert ? backup : PLANTED, { upsert });
        assert.equal(signed.data, null, `${who}: no signed upload URL into backups (upsert: ${upsert})`);
        assert.deepEqual(
          storageFailure(signed.error),
          [400, "403", "new row violates row-level security policy"],
          `${who}: sign upload`,
        );
      }
    }
    // A signed upload token opens its own path only: one made for the scratch bucket cannot write backups.
    const token = (await own.createSignedUploadUrl("e.txt")).data!.token;
    const redirected = await member.storage
      .from("backups")
      .uploadToSignedUrl(PLANTED, token, new TextEncoder().encode("planted"));
    assert.match(
      String(redirected.error?.message),
      /does not match the requested object/,
      "a token signed for another path plants nothing",
    );

    assert.deepEqual(
      await names("backups").then((n) =>
        n.filter((x) => x === backup || x === PLANTED || x === "renamed.json.gz")
      ),
      [backup],
    );
    assert.ok(!(await names(scratch)).includes("stolen.json.gz"), "nothing left the bucket");
    const [stored] = await stack.sql<Array<{ size: number }>>`
      select (metadata->>'size')::int as size from storage.objects where bucket_id = 'backups' and name = ${backup}`;
    assert.equal(stored.size, secret.length, "the backup is intact");
  } finally {
    await close();
    await stack.sql`delete from storage.objects where bucket_id = ${scratch}`;
    await stack.sql`delete from storage.buckets where id = ${scratch}`;
    await removeFromStorage(stack, [backup, PLANTED]);
    await stack.close();
  }
});

Deno.test("emptying a bucket works as on Supabase: one readable object empties it all, so no client may read the backups bucket", async () => {
  // storage-api's emptyBucket finds the bucket and lists one object as the caller, then queues an
  // admin job (service key, no RLS) that deletes every object: reading is enough, no delete policy is
  // needed. The backups bucket stays whole only because no client can read a single object there.
  const stack = await openStack();
  const scratch = `rt-empty-${crypto.randomUUID().slice(0, 8)}`;
  const backup = `security-probe-${crypto.randomUUID().slice(0, 8)}.json.gz`;
  const service = serviceClient(stack);
  const policies = [
    `create policy "rt: members read the scratch bucket" on storage.objects for select to authenticated using (bucket_id = '${scratch}')`,
    // The read policy main's first migration had, as an app may still carry it, plus a broad one.
    `create policy "rt: admins read backups" on storage.objects for select to authenticated using (bucket_id = 'backups')`,
    `create policy "rt: anyone reads buckets" on storage.buckets for select using (true)`,
  ];
  const drops = [
    `drop policy if exists "rt: members read the scratch bucket" on storage.objects`,
    `drop policy if exists "rt: admins read backups" on storage.objects`,
    `drop policy if exists "rt: anyone reads buckets" on storage.buckets`,
  ];
  try {
    for (const statement of [...drops, ...policies]) await stack.sql.unsafe(statement);
    await stack.sql`insert into storage.buckets (id, name, public) values (${scratch}, ${scratch}, false)`;
    for (const name of ["a.txt", "b.txt"]) {
      const put = await service.storage.from(scratch).upload(name, new TextEncoder().encode(name));
      assert.equal(put.error, null, `service uploads ${name}`);
    }
    await uploadToStorage(stack, backup, new TextEncoder().encode("private"));

    const member = await signedInClient(stack, memberEmail(stack));
    const emptied = await member.storage.emptyBucket(scratch);
    assert.equal(emptied.error, null, JSON.stringify(emptied.error));
    const [{ left }] = await stack.sql<Array<{ left: number }>>`
      select count(*)::int as left from storage.objects where bucket_id = ${scratch}`;
    assert.equal(left, 0, "a caller who can read one object empties the bucket, without any delete policy");

    for (
      const [who, client] of await everyRole(stack, member)
    ) {
      await client.storage.emptyBucket("backups");
      assert.ok((await storageNames(stack)).includes(backup), `${who}: emptyBucket leaves the backups`);
    }
  } finally {
    for (const statement of drops) await stack.sql.unsafe(statement);
    await stack.sql`delete from storage.objects where bucket_id = ${scratch}`;
    await stack.sql`delete from storage.buckets where id = ${scratch}`;
    await removeFromStorage(stack, [backup]);
    await stack.close();
  }
});

Deno.test("the Settings page downloads through the function's download action, never by signing itself", async () => {
  const source = await Deno.readTextFile(
    new URL("../../src/data/backups/backup-download-mutation.ts", import.meta.url),
  );
  assert.match(source, /invokeAutoBackup(<\w+>)?\(\{ action: "download", run_id: runId \}\)/);
  assert.doesNotMatch(source, /createSignedUrl|storage\.from/);
});

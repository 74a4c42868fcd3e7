/**
 * URLs signed in advance for the names future backups will take, the red team's reproduction. Hosted
 * Storage checks a signed URL's signature, expiry and path only, then serves the object without RLS,
 * and backup file names are predictable (`backup-YYYY-MM-DDTHH-MM-SSZ.json.gz`). On an app whose
 * `backups` bucket was open before the install, anyone could upload a file under each coming name,
 * sign it for ten years, and delete it again; when the real backup was later written under that name,
 * the old URL opened it. Each run now stores its copy in its own folder, `<run id>/<file name>` (a
 * uuid made when the run starts), so no URL signed beforehand names it.
 *
 * Here, on the running stack: the lock's restrictive policies are lifted and the exact open policy of
 * a real app is added (the bucket as it was before the install); anon, through supabase-js, plants a
 * file under every name a run could take in the next two minutes, signs each for ten years and removes
 * it; the bucket is locked again; an admin runs a backup (its file name is one of those planted). No
 * URL signed back then opens anything, and the run's copy is where nobody could have signed it.
 */
import assert from "node:assert/strict";
import {
  adminEmail,
  callFunction,
  openStack,
  removeFromStorage,
  signIn,
  type Stack,
  storagePaths,
  waitForIdle,
  waitForRun,
} from "../support/harness.ts";
import { anonClient } from "./support/supabase-clients.ts";

const OPEN_POLICY =
  `create policy "Admin can manage backups" on storage.objects for all using (bucket_id = 'backups')`;
const TEN_YEARS = 60 * 60 * 24 * 365 * 10;

interface PolicyRow {
  policyname: string;
  cmd: string;
  qual: string | null;
  with_check: string | null;
}

/**
 * Puts the bucket back as it was before the install: the lock's restrictive policies dropped (their
 * definitions kept), the open policy added. The returned function locks it again, exactly as before.
 */
async function asBeforeTheInstall(stack: Stack): Promise<() => Promise<void>> {
  const lock = await stack.sql<PolicyRow[]>`
    select policyname, cmd, qual, with_check from pg_policies
    where schemaname = 'storage' and tablename = 'objects' and permissive = 'RESTRICTIVE'
      and roles = '{public}' and policyname like 'Backups bucket:%'`;
  assert.equal(lock.length, 4, "the lock's four restrictive policies are installed");
  await stack.sql.begin(async (tx) => {
    for (const p of lock) await tx.unsafe(`drop policy "${p.policyname}" on storage.objects`);
    await tx.unsafe(`drop policy if exists "Admin can manage backups" on storage.objects`);
    await tx.unsafe(OPEN_POLICY);
  });
  return async () => {
    await stack.sql.begin(async (tx) => {
      await tx.unsafe(`drop policy if exists "Admin can manage backups" on storage.objects`);
      for (const p of lock) {
        await tx.unsafe(
          `create policy "${p.policyname}" on storage.objects as restrictive for ${p.cmd} to public` +
            (p.qual === null ? "" : ` using (${p.qual})`) +
            (p.with_check === null ? "" : ` with check (${p.with_check})`),
        );
      }
    });
  };
}

/** `backup-YYYY-MM-DDTHH-MM-SSZ.json.gz` for the given second. */
function nameAt(ms: number): string {
  return `backup-${new Date(ms).toISOString().slice(0, 19).replaceAll(":", "-")}Z.json.gz`;
}

Deno.test("a URL signed before the install for a coming backup's name opens nothing", async () => {
  const stack = await openStack();
  const signed = new Map<string, string>();
  let relock: (() => Promise<void>) | undefined;
  try {
    await waitForIdle(stack);
    relock = await asBeforeTheInstall(stack);

    // The attacker, with the public key only: plant, sign for ten years, remove.
    const bucket = anonClient(stack).storage.from("backups");
    const from = Date.now();
    for (let s = 0; s < 120; s++) {
      const name = nameAt(from + s * 1000);
      const up = await bucket.upload(name, new TextEncoder().encode("planted"), {
        contentType: "application/gzip",
      });
      assert.equal(up.error, null, `the open bucket takes ${name}`);
      const url = await bucket.createSignedUrl(name, TEN_YEARS);
      assert.equal(url.error, null, `the open bucket signs ${name}`);
      signed.set(name, url.data!.signedUrl);
    }
    const removed = await bucket.remove([...signed.keys()]);
    assert.equal(removed.data?.length, signed.size, "and forgets them");

    await relock();
    relock = undefined;

    const admin = await signIn(stack, adminEmail(stack));
    const started = await callFunction(stack, {
      body: { action: "run" },
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const run = await waitForRun(stack, String(started.body.run_id));
    assert.equal(run.storage_status, "success", run.error ?? "");
    assert.ok(signed.has(run.file_name!), `the run's name ${run.file_name} was signed in advance`);

    // The URL signed for the run's very name, and every other one: nothing.
    for (const [name, url] of signed) {
      const answer = await fetch(url);
      const text = await answer.text();
      assert.equal(answer.status, 400, `${name}: ${answer.status} ${text.slice(0, 80)}`);
      assert.match(text, /Object not found/, name);
    }
    assert.equal(run.storage_path, `${run.id}/${run.file_name}`, "the copy is in the run's own folder");
    // Nothing at the bucket's root under a backup's name: every copy is in a run's folder.
    const paths = (await storagePaths(stack)).map((o) => o.path);
    assert.ok(paths.includes(run.storage_path!));
    assert.ok(!paths.includes(run.file_name!), "nothing at the root under the run's name");
  } finally {
    await relock?.();
    await removeFromStorage(stack, [...signed.keys()]);
    await stack.close();
  }
});

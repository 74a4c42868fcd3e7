import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { parseConfig, secretValues } from "../../../../supabase/functions/_shared/backup/lib/config.ts";
import { BackupError } from "../../../../supabase/functions/_shared/backup/lib/errors.ts";
import { type PipelineDeps, runBackup } from "../../../../supabase/functions/_shared/backup/run/pipeline.ts";
import { createRedactor } from "../../../../supabase/functions/_shared/backup/lib/redact.ts";
import { spoolToTempFile } from "../../../../supabase/functions/_shared/backup/export/spool.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/scratch-database.ts";
import { FakeOneDrive, FakeStorage, recordingFetch } from "../../../support/fakes.ts";
import { BackupHasher } from "../../../../supabase/functions/_shared/backup/export/hashing.ts";

const SECRETS = {
  key: "service-key-SECRET-1",
  client: "Abc8Q~client-SECRET-value_0123456789",
  cron: "cron-SECRET-value-42-0123456789abcdef",
};

function env(db: ScratchDatabase, extra: Record<string, string> = {}) {
  return {
    SUPABASE_URL: "https://proj.supabase.co",
    SUPABASE_SERVICE_ROLE_KEY: SECRETS.key,
    SUPABASE_DB_URL: db.url,
    AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
    AZURE_CLIENT_ID: "66666666-7777-8888-9999-000000000000",
    AZURE_CLIENT_SECRET: SECRETS.client,
    ONEDRIVE_BACKUP_LINK: "https://contoso.sharepoint.com/:f:/s/b/Eabc",
    BACKUP_CRON_SECRET: SECRETS.cron,
    BACKUP_ALERT_WEBHOOK_URL: "https://hooks.example.com/alert",
    BACKUP_RETENTION_COUNT: "2",
    ...extra,
  };
}

interface Harness {
  deps: PipelineDeps;
  storage: FakeStorage;
  onedrive: FakeOneDrive;
  posts: Array<{ url: string; body: unknown }>;
  spooled: string[];
  logs: string[];
}

function harness(db: ScratchDatabase, extraEnv: Record<string, string> = {}, withOneDrive = true): Harness {
  const config = parseConfig(env(db, extraEnv));
  const storage = new FakeStorage();
  const onedrive = new FakeOneDrive();
  const { fetch, posts } = recordingFetch();
  const spooled: string[] = [];
  const logs: string[] = [];
  // A clock that sleeping moves forward: runs in quick succession get distinct file names.
  let clock = Date.now();
  const deps: PipelineDeps = {
    config,
    sql: db.sql,
    storage,
    onedrive: withOneDrive ? onedrive : null,
    fetch,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    now: () => new Date(clock),
    redact: createRedactor(secretValues(config)),
    log: (m) => logs.push(m),
    spool: async (stream, options) => {
      const file = await spoolToTempFile(stream, options);
      spooled.push(file.path);
      return file;
    },
  };
  return { deps, storage, onedrive, posts, spooled, logs };
}

async function seedApp(db: ScratchDatabase): Promise<void> {
  await db.sql.unsafe(`
    create table public.owners (id int primary key, name text not null);
    create table public.dogs (id int primary key, owner_id int references public.owners (id), name text);
    insert into public.owners select g, 'owner ' || g from generate_series(1, 300) g;
    insert into public.dogs select g, 1 + g % 300, 'dog ' || g from generate_series(1, 1500) g;`);
}

async function runRow(db: ScratchDatabase, id: string) {
  const [row] = await db.sql`select * from public.backup_runs where id = ${id}`;
  return row;
}

async function assertGone(paths: string[]) {
  assert.ok(paths.length > 0);
  for (const p of paths) {
    await assert.rejects(Deno.stat(p), Deno.errors.NotFound, `spool file ${p} was deleted`);
  }
}

/** Two earlier runs of the same night, recorded with their copies (1 byte each, as the fakes seed them). */
const RECORDED = ["backup-2020-01-01T00-00-00Z.json.gz", "backup-2020-01-01T01-00-00Z.json.gz"];
/** Files nobody recorded, named like backups (one "from the future"). */
const PLANTED = ["backup-2099-01-01T00-00-00Z.json.gz", "backup-2019-01-01T00-00-00Z.json.gz"];

async function seedHistory(db: ScratchDatabase, h: Harness, opts: { onedrive?: boolean } = {}) {
  for (const name of [...RECORDED, ...PLANTED]) h.storage.objects.set(name, new Uint8Array([1]));
  const ids = new Map<string, string>();
  if (opts.onedrive !== false) {
    for (const name of [...RECORDED, ...PLANTED]) ids.set(name, h.onedrive.seed(name));
  }
  for (const name of RECORDED) {
    const at = name.slice(7, 17) + "T" + name.slice(18, 26).replaceAll("-", ":") + "Z";
    await db.sql`
      insert into public.backup_runs (trigger, status, started_at, finished_at, file_name, size_bytes,
        storage_path, storage_status, onedrive_status, onedrive_item_id, onedrive_drive_id)
      values ('schedule', 'success', ${at}, ${at}, ${name}, 1, ${name}, 'success',
        ${ids.has(name) ? "success" : "skipped"}, ${ids.get(name) ?? null}, ${
      ids.has(name) ? "drive" : null
    })`;
  }
}

function assertNoSecrets(value: unknown) {
  const text = JSON.stringify(value);
  for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), `secret leaked: ${text}`);
}

Deno.test("a full run stores a verified, restorable copy in both destinations and prunes old ones", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db);
    await seedHistory(db, h);
    h.storage.objects.set("unrelated.txt", new Uint8Array([1]));
    const outcome = await runBackup(h.deps, { trigger: "cli", requestedBy: null });
    assert.ok(!("busy" in outcome));
    assert.equal(outcome.status, "success", outcome.error ?? "");
    assert.match(outcome.fileName!, /^backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json\.gz$/);

    const row = await runRow(db, outcome.runId);
    assert.equal(row.status, "success");
    assert.equal(row.trigger, "cli");
    assert.equal(row.phase, null);
    assert.equal(row.storage_status, "success");
    assert.equal(row.onedrive_status, "success");
    // In the run's own folder (storage-path.ts): nobody could sign or plant that path beforehand.
    assert.equal(row.storage_path, `${outcome.runId}/${outcome.fileName}`);
    assert.equal(row.error, null);
    // The app's tables plus the admin model's user_roles (empty), never backup_runs.
    assert.equal(row.row_count, "1800");
    assert.equal(row.table_count, 3);
    assert.deepEqual(row.tables.filter((t: { name: string }) => t.name !== "user_roles"), [
      { schema: "public", name: "owners", rows: 300 },
      { schema: "public", name: "dogs", rows: 1500 },
    ]);
    assert.ok(row.finished_at);

    const stored = h.storage.objects.get(row.storage_path)!;
    const uploaded = h.onedrive.files.get(outcome.fileName!)!;
    assert.deepEqual(uploaded.bytes, stored, "the same bytes in both destinations");
    assert.equal(Number(row.size_bytes), stored.length);
    const hasher = new BackupHasher();
    hasher.update(stored);
    const digest = hasher.digest();
    assert.equal(row.sha256, digest.sha256);
    assert.equal(row.quick_xor_hash, digest.quickXorHash);
    assert.equal(row.onedrive_item_id, uploaded.id);
    assert.match(row.onedrive_web_url, /^https:\/\/contoso\.sharepoint\.com\//);
    const doc = JSON.parse(new TextDecoder().decode(gunzipSync(stored)));
    assert.equal(doc.complete, true);
    assert.equal(doc.tables.find((t: { name: string }) => t.name === "dogs").rows.length, 1500);

    // Retention (count 2, tiers 7/4/12): the older of the two recorded runs of one night goes (its night
    // and month are held by the newer one), in both destinations; files nobody recorded stay, whatever
    // their names, and so does everything else.
    assert.deepEqual(h.storage.removed, [RECORDED[0]]);
    assert.deepEqual(h.onedrive.deleted, [RECORDED[0]]);
    for (const name of PLANTED) {
      assert.ok(h.storage.objects.has(name), `${name} is not ours: it stays in Storage`);
      assert.ok(h.onedrive.files.has(name), `${name} is not ours: it stays in OneDrive`);
    }
    assert.ok(h.storage.objects.has("unrelated.txt"));
    const pruned = await db.sql`
      select file_name, storage_deleted_at is not null as storage_gone, onedrive_deleted_at is not null as onedrive_gone
      from public.backup_runs where file_name in ${db.sql(RECORDED)} order by file_name`;
    assert.deepEqual(pruned.map((r) => [r.file_name, r.storage_gone, r.onedrive_gone]), [
      [RECORDED[0], true, true],
      [RECORDED[1], false, false],
    ]);
    assert.equal(h.posts.length, 0, "no alert on success");
    await assertGone(h.spooled);
  } finally {
    await db.drop();
  }
});

Deno.test("OneDrive failing: partial, the Storage copy kept, one alert without secrets", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db, {
      BACKUP_ALERT_EMAIL: "ops@example.com",
      BACKUP_ALERT_SENDER: "backup@example.com",
    });
    h.onedrive.failUpload = Object.assign(
      new Error(
        `Cannot upload: Graph answered 503 at https://contoso.sharepoint.com/_api/uploadSession?tempauth=abc (secret ${SECRETS.client})`,
      ),
      { code: "graph_unavailable" },
    );
    await seedHistory(db, h, { onedrive: false });
    const outcome = await runBackup(h.deps, { trigger: "schedule", requestedBy: null });
    assert.ok(!("busy" in outcome));
    assert.equal(outcome.status, "partial");
    const row = await runRow(db, outcome.runId);
    assert.equal(row.status, "partial");
    assert.equal(row.storage_status, "success");
    assert.equal(row.onedrive_status, "failed");
    assert.equal(row.error_code, "graph_unavailable");
    assert.match(
      row.error,
      /^The backup is safe in Supabase Storage but not in OneDrive\. OneDrive copy failed: Cannot upload/,
    );
    assert.ok(!row.error.includes("tempauth"));
    assertNoSecrets(row);
    assert.ok(h.storage.objects.has(`${outcome.runId}/${outcome.fileName}`));
    assert.deepEqual(h.storage.removed, [RECORDED[0]], "Storage is still pruned (it holds a verified copy)");

    assert.equal(h.posts.length, 1, "exactly one webhook alert");
    assert.equal(h.posts[0].url, "https://hooks.example.com/alert");
    const text = (h.posts[0].body as { text: string }).text;
    assert.match(text, /^Backup only partly succeeded for proj\.supabase\.co \(schedule run /);
    assert.match(text, /OneDrive: failed/);
    assert.equal(h.onedrive.mails.length, 1);
    assert.deepEqual(h.onedrive.mails[0].to, ["ops@example.com"]);
    assertNoSecrets([h.posts, h.onedrive.mails, h.logs]);
  } finally {
    await db.drop();
  }
});

Deno.test("Storage failing with OneDrive fine is partial; both failing is failed; nothing pruned then", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db);
    h.storage.failUpload = new BackupError(
      "storage_unavailable",
      "Cannot store backup: HTTP 503 (gave up after retries)",
    );
    const partial = await runBackup(h.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in partial));
    assert.equal(partial.status, "partial");
    assert.equal(partial.errorCode, "storage_unavailable");
    assert.match(partial.error!, /^The backup is safe in OneDrive but not in Supabase Storage/);

    h.onedrive.failUpload = Object.assign(new Error("Cannot resolve OneDrive folder"), {
      code: "onedrive_link_not_found",
    });
    h.onedrive.seed("backup-2020-01-01T00-00-00Z.json.gz");
    const failed = await runBackup(h.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in failed));
    assert.equal(failed.status, "failed");
    assert.match(
      failed.error!,
      /^The backup was not stored anywhere\. Supabase Storage copy failed: .*OneDrive copy failed: /,
    );
    const row = await runRow(db, failed.runId);
    assert.equal(row.storage_status, "failed");
    assert.equal(row.onedrive_status, "failed");
    assert.deepEqual(h.onedrive.deleted, []);
    await assertGone(h.spooled);
  } finally {
    await db.drop();
  }
});

Deno.test("a wrong size or hash reported by a destination is never a success", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db);
    h.onedrive.reportedHash = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const a = await runBackup(h.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in a));
    assert.equal(a.status, "partial");
    assert.equal(a.errorCode, "onedrive_hash_mismatch");
    h.onedrive.reportedHash = null;
    h.storage.reportedSize = 3;
    const b = await runBackup(h.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in b));
    assert.equal(b.status, "partial");
    assert.equal(b.errorCode, "storage_verify_failed");
    assert.match(b.error!, /the stored object has 3 bytes instead of \d+/);
  } finally {
    await db.drop();
  }
});

Deno.test("without AZURE_* OneDrive is skipped and a Storage copy is a success; plain JSON when asked", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db, {
      AZURE_TENANT_ID: "",
      AZURE_CLIENT_ID: "",
      AZURE_CLIENT_SECRET: "",
      ONEDRIVE_BACKUP_LINK: "",
      BACKUP_COMPRESSION: "none",
    }, false);
    const outcome = await runBackup(h.deps, { trigger: "cli", requestedBy: null });
    assert.ok(!("busy" in outcome));
    assert.equal(outcome.status, "success");
    assert.equal(outcome.onedriveStatus, "skipped");
    assert.match(outcome.fileName!, /\.json$/);
    assert.equal(
      JSON.parse(new TextDecoder().decode(h.storage.objects.get(`${outcome.runId}/${outcome.fileName}`)!))
        .complete,
      true,
    );
    assert.equal((await runRow(db, outcome.runId)).onedrive_status, "skipped");
  } finally {
    await db.drop();
  }
});

Deno.test("objects planted at the root under the run's file name are neither taken nor touched", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    await seedApp(db);
    const h = harness(db);
    // Every name the run could pick in the next minute, planted at the bucket's root (where the
    // names used to go) and in a folder someone guessed: the run's copy goes elsewhere, untouched.
    const base = h.deps.now().getTime();
    const planted = new Map<string, Uint8Array>();
    for (let s = 0; s < 60; s++) {
      const at = new Date(base + s * 1000).toISOString().slice(0, 19).replaceAll(":", "-");
      const name = `backup-${at}Z.json.gz`;
      planted.set(name, new TextEncoder().encode(`planted ${s}`));
      planted.set(`backups/${name}`, new TextEncoder().encode(`planted ${s}`));
    }
    for (const [name, bytes] of planted) h.storage.objects.set(name, bytes);
    const outcome = await runBackup(h.deps, { trigger: "cli", requestedBy: null });
    assert.ok(!("busy" in outcome));
    assert.equal(outcome.status, "success", outcome.error ?? "");
    assert.ok(planted.has(outcome.fileName!), "the run took a name someone had planted");
    const row = await runRow(db, outcome.runId);
    assert.equal(row.storage_path, `${outcome.runId}/${outcome.fileName}`);
    const stored = h.storage.objects.get(row.storage_path)!;
    const hasher = new BackupHasher();
    hasher.update(stored);
    assert.equal(hasher.digest().sha256, row.sha256, "the run's copy holds the run's bytes");
    for (const [name, bytes] of planted) assert.deepEqual(h.storage.objects.get(name), bytes, name);
  } finally {
    await db.drop();
  }
});

Deno.test("an invalid configuration or an unreachable database fails the run with a clear error", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    const bad = harness(db, { BACKUP_COMPRESSION: "zip" });
    const a = await runBackup(bad.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in a));
    assert.equal(a.status, "failed");
    assert.equal(a.errorCode, "config_invalid");
    assert.match(
      a.error!,
      /^Cannot start the backup: the configuration is invalid: BACKUP_COMPRESSION must be "gzip" or "none"/,
    );
    assert.equal(bad.posts.length, 1);

    // The run row lives in a reachable database, but the export connection cannot be made.
    const h = harness(db);
    h.deps.config = { ...h.deps.config, dbUrl: "postgres://postgres:pw-SECRET@127.0.0.1:1/nothing" };
    const b = await runBackup(h.deps, { trigger: "manual", requestedBy: null });
    assert.ok(!("busy" in b));
    assert.equal(b.status, "failed");
    assert.equal(b.errorCode, "database_unreachable");
    assert.match(b.error!, /^Cannot export the database: the connection was lost/);
    const row = await runRow(db, b.runId);
    assert.equal(row.status, "failed");
    assert.equal(row.storage_status, "failed");
    assert.ok(!JSON.stringify(row).includes("pw-SECRET"));
  } finally {
    await db.drop();
  }
});

Deno.test("a second run while one is running is refused with the running id", async () => {
  const db = await createScratchDatabase({ supabase: true });
  try {
    const h = harness(db);
    const [{ id }] = await db
      .sql`insert into public.backup_runs (trigger, status) values ('manual', 'running') returning id`;
    const outcome = await runBackup(h.deps, { trigger: "cli", requestedBy: null });
    assert.deepEqual(outcome, { busy: true, runningId: id });
    // An abandoned run is reaped first, then the new run proceeds.
    await db.sql`update public.backup_runs set heartbeat_at = now() - interval '1 hour' where id = ${id}`;
    const next = await runBackup(h.deps, { trigger: "cli", requestedBy: null });
    assert.ok(!("busy" in next));
    assert.equal(next.status, "success");
    assert.equal((await runRow(db, id)).status, "failed");
    assert.equal(h.posts.length, 1, "the abandoned run was alerted once");
    assert.match((h.posts[0].body as { text: string }).text, /stopped without finishing/);
  } finally {
    await db.drop();
  }
});

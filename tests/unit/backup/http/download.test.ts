/**
 * The `download` action and the public-bucket guard, through the real handler on a scratch database
 * (migrations applied) with an in-memory Storage: who may ask, which runs are signed, for how long,
 * and the audit row each URL leaves. The HTTP end to end (real gateway, real signed URL) is in
 * tests/security/download-action.test.ts.
 */
import assert from "node:assert/strict";
import { parseConfig, secretValues } from "../../../../supabase/functions/_shared/backup/lib/config.ts";
import { createHandler } from "../../../../supabase/functions/_shared/backup/http/handler.ts";
import { createRedactor } from "../../../../supabase/functions/_shared/backup/lib/redact.ts";
import { DOWNLOAD_URL_SECONDS } from "../../../../supabase/functions/_shared/backup/http/download.ts";
import { runBackup } from "../../../../supabase/functions/_shared/backup/run/pipeline.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/scratch-database.ts";
import { FakeStorage } from "../../../support/fakes.ts";
import { runStoragePath } from "../../../../supabase/functions/_shared/backup/destinations/storage-path.ts";

const ADMIN = "bbbbbbbb-0000-4000-8000-000000000001";
const MEMBER = "bbbbbbbb-0000-4000-8000-000000000002";
const SECRET = "download-test-scheduler-secret-0123456789";
const NOW = new Date("2026-11-29T10:00:00.000Z");

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
/** Session-shaped tokens; the fake Auth below decides which are valid. */
const jwt = (claims: Record<string, unknown>) =>
  `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}.signature`;
const ADMIN_TOKEN = jwt({ sub: ADMIN, role: "authenticated" });
const MEMBER_TOKEN = jwt({ sub: MEMBER, role: "authenticated" });

interface Setup {
  db: ScratchDatabase;
  storage: FakeStorage;
  handle: (req: Request) => Promise<Response>;
  config: ReturnType<typeof parseConfig>;
}

async function setup(): Promise<Setup> {
  const db = await createScratchDatabase({ supabase: true });
  await db
    .sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@dl.test'), (${MEMBER}, 'member@dl.test')`;
  await db.sql`insert into public.user_roles (user_id, role) values (${ADMIN}, 'admin')`;
  const config = parseConfig({
    SUPABASE_URL: "http://127.0.0.1:54321",
    SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
    SUPABASE_DB_URL: db.url,
    BACKUP_CRON_SECRET: SECRET,
  });
  const users: Record<string, string> = { [ADMIN_TOKEN]: ADMIN, [MEMBER_TOKEN]: MEMBER };
  const fakeAuth: typeof fetch = (input, init) => {
    const token = new Request(input, init).headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    return Promise.resolve(
      users[token]
        ? Response.json({ id: users[token], aud: "authenticated" })
        : Response.json({ msg: "invalid JWT" }, { status: 403 }),
    );
  };
  const storage = new FakeStorage();
  const handle = createHandler({
    config,
    sql: db.sql,
    storage,
    onedrive: null,
    fetch: fakeAuth,
    schedule: {
      setSchedule: () => Promise.reject(new Error("unused")),
      getSchedule: () => Promise.resolve({ cron: null, next_run_at: null, timezone: "UTC" }),
      readCronSecret: () => Promise.resolve(null),
    },
    pipeline: {
      sleep: () => Promise.resolve(),
      now: () => NOW,
      redact: createRedactor(secretValues(config)),
      log: () => {},
    },
    now: () => NOW,
  });
  return { db, storage, handle, config };
}

function post(body: unknown, headers: Record<string, string>): Request {
  return new Request("http://fn/auto-backup", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * A finished run; its copy is recorded where the pipeline puts it (`<run id>/<file name>`) unless
 * `storage_path` says otherwise (a function of the new row's id).
 */
async function insertRun(
  db: ScratchDatabase,
  values: {
    file_name?: string | null;
    storage_path?: ((id: string) => string | null) | string | null;
    storage_status: string;
    storage_deleted_at?: Date;
  },
): Promise<string> {
  const fileName = values.file_name === undefined ? "backup-2026-11-29T09-00-00Z.json.gz" : values.file_name;
  const [row] = await db.sql<Array<{ id: string }>>`
    insert into public.backup_runs (trigger, status, finished_at, file_name, storage_status, storage_deleted_at)
    values ('manual', 'success', now(), ${fileName}, ${values.storage_status}, ${
    values.storage_deleted_at ?? null
  })
    returning id`;
  const path = typeof values.storage_path === "function"
    ? values.storage_path(row.id)
    : values.storage_path === undefined
    ? `${row.id}/${fileName}`
    : values.storage_path;
  await db.sql`update public.backup_runs set storage_path = ${path} where id = ${row.id}`;
  return row.id;
}

/** What a refused download leaves: no URL signed, no download recorded. */
async function assertNoDownload(s: Setup, why: string): Promise<void> {
  assert.deepEqual(s.storage.signed, [], "nothing was signed");
  const [{ n }] = await s.db.sql<
    Array<{ n: number }>
  >`select count(*)::int as n from public.backup_downloads`;
  assert.equal(n, 0, why);
}

/** One backup run of the real pipeline into the in-memory Storage, without OneDrive, as the CLI starts it. */
function runOnce(s: Setup) {
  return runBackup(
    {
      config: s.config,
      sql: s.db.sql,
      storage: s.storage,
      onedrive: null,
      fetch,
      sleep: () => Promise.resolve(),
      now: () => new Date(),
      redact: createRedactor(secretValues(s.config)),
      log: () => {},
    },
    { trigger: "cli", requestedBy: null },
  );
}

Deno.test("download: an admin gets a 300 s URL for a run's verified Storage copy, and it is recorded", async () => {
  const s = await setup();
  try {
    const name = "backup-2026-11-29T09-00-00Z.json.gz";
    const runId = await insertRun(s.db, { file_name: name, storage_status: "success" });
    const path = `${runId}/${name}`;
    const response = await s.handle(post({ action: "download", run_id: runId }, admin));
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.deepEqual(body, {
      url: `https://storage.test/object/sign/backups/${path}?token=t&download=${name}`,
      file_name: name,
      expires_at: "2026-11-29T10:05:00.000Z",
      expires_in: 300,
    });
    assert.equal(DOWNLOAD_URL_SECONDS, 300);
    assert.deepEqual(s.storage.signed, [{ name: path, expiresIn: 300 }]);
    const audit = await s.db.sql<
      Array<{ run_id: string; storage_path: string; requested_by: string; expires_at: Date }>
    >`select run_id, storage_path, requested_by, expires_at from public.backup_downloads`;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].run_id, runId);
    assert.equal(audit[0].storage_path, path);
    assert.equal(audit[0].requested_by, ADMIN);
    assert.equal(audit[0].expires_at.toISOString(), "2026-11-29T10:05:00.000Z");
  } finally {
    await s.db.drop();
  }
});

Deno.test("download: members, anon and the scheduler are refused; bad, unknown and copy-less runs too", async () => {
  const s = await setup();
  try {
    const name = "backup-2026-11-29T09-00-00Z.json.gz";
    const runId = await insertRun(s.db, { file_name: name, storage_status: "success" });
    const refused = async (body: unknown, headers: Record<string, string>) => {
      const response = await s.handle(post(body, headers));
      return { status: response.status, error: (await response.json()).error as string };
    };
    const member = await refused({ action: "download", run_id: runId }, {
      authorization: `Bearer ${MEMBER_TOKEN}`,
    });
    assert.equal(member.status, 403);
    assert.equal((await refused({ action: "download", run_id: runId }, {})).status, 401);
    const scheduler = await refused({ action: "download", run_id: runId }, { "x-backup-secret": SECRET });
    assert.equal(scheduler.status, 403);
    assert.match(scheduler.error, /scheduler secret only starts backups, not "download"/);

    for (const bad of [undefined, 42, "", "../backup.json.gz", `${runId}'--`]) {
      const answer = await refused({ action: "download", run_id: bad }, admin);
      assert.equal(answer.status, 400, String(bad));
      assert.match(answer.error, /^Invalid run_id: send \{"action": "download", "run_id": /);
    }
    const unknown = await refused({ action: "download", run_id: crypto.randomUUID() }, admin);
    assert.equal(unknown.status, 404);
    assert.match(unknown.error, /^Cannot download run [0-9a-f-]+: no such backup run$/);

    const failedCopy = await insertRun(s.db, { storage_path: null, storage_status: "failed" });
    const noCopy = await refused({ action: "download", run_id: failedCopy }, admin);
    assert.equal(noCopy.status, 409);
    assert.match(noCopy.error, /it has no verified copy in Supabase Storage \(storage status: failed\)/);
    const pending = await insertRun(s.db, { storage_status: "running" });
    assert.equal((await refused({ action: "download", run_id: pending }, admin)).status, 409);

    // A run row whose path is not where the tool writes that run's file (planted or corrupted) is
    // never signed: another folder, another run's folder, another name, a path in the file name.
    const other = crypto.randomUUID();
    const rows: Array<[string | null, (id: string) => string]> = [
      [name, () => "../secrets/other-bucket.txt"],
      [name, () => "avatars/a.png"],
      [name, () => `x/${name}`],
      [name, () => `${other}/${name}`],
      [name, (id) => `${id}/backup-2099-01-01T00-00-00Z.json.gz`],
      [name, () => "backup-2099-01-01T00-00-00Z.json.gz"],
      [name, (id) => `${id}/${id}/${name}`],
      ["backup-2099.json.gz", (id) => `${id}/backup-2099.json.gz`],
      [`x/${name}`, (id) => `${id}/x/${name}`],
      [`x/${name}`, () => `x/${name}`],
      [null, (id) => `${id}/${name}`],
    ];
    for (const [fileName, path] of rows) {
      const planted = await insertRun(s.db, {
        file_name: fileName,
        storage_path: path,
        storage_status: "success",
      });
      const answer = await refused({ action: "download", run_id: planted }, admin);
      assert.equal(answer.status, 409, path(planted));
      assert.match(answer.error, /not where this tool writes the run's backup file/);
    }
    await assertNoDownload(s, "refusals leave no download record");
  } finally {
    await s.db.drop();
  }
});

Deno.test("download: a run whose Storage copy retention deleted is refused with the date (409)", async () => {
  const s = await setup();
  try {
    const name = "backup-2026-11-01T03-00-00Z.json.gz";
    const pruned = await insertRun(s.db, {
      file_name: name,
      storage_status: "success",
      storage_deleted_at: new Date("2026-11-09T03:00:41Z"),
    });
    const response = await s.handle(post({ action: "download", run_id: pruned }, admin));
    assert.equal(response.status, 409);
    assert.equal(
      (await response.json()).error,
      `Cannot download run ${pruned}: its Storage copy "${name}" was deleted by retention on 2026-11-09 03:00 UTC; download a newer backup, or this file from the OneDrive folder if it is still kept there`,
    );
    await assertNoDownload(s, "no download record");
  } finally {
    await s.db.drop();
  }
});

Deno.test("download: a copy recorded at the bucket's root (before runs had their own folder) is not signed", async () => {
  const s = await setup();
  try {
    // While the bucket was open, anyone could have replaced an object under such a predictable name.
    const name = "backup-2026-11-20T03-00-00Z.json.gz";
    const legacy = await insertRun(s.db, { file_name: name, storage_path: name, storage_status: "success" });
    const response = await s.handle(post({ action: "download", run_id: legacy }, admin));
    assert.equal(response.status, 409);
    assert.match((await response.json()).error, /is not where this tool writes the run's backup file/);
    assert.deepEqual(s.storage.signed, []);
  } finally {
    await s.db.drop();
  }
});

Deno.test("a run's copy goes to its own folder in the bucket", async () => {
  const s = await setup();
  try {
    const outcome = await runOnce(s);
    assert.ok(!("busy" in outcome));
    assert.equal(outcome.status, "success", outcome.error ?? "");
    const [row] = await s.db.sql<Array<{ storage_path: string }>>`
      select storage_path from public.backup_runs where id = ${outcome.runId}`;
    assert.equal(row.storage_path, runStoragePath(outcome.runId, outcome.fileName!));
    assert.deepEqual([...s.storage.objects.keys()], [`${outcome.runId}/${outcome.fileName}`]);
    const response = await s.handle(post({ action: "download", run_id: outcome.runId }, admin));
    assert.equal(response.status, 200);
    assert.deepEqual(s.storage.signed, [{ name: row.storage_path, expiresIn: 300 }]);
  } finally {
    await s.db.drop();
  }
});

Deno.test("a public backups bucket: test reports it, a run refuses to store there", async () => {
  const s = await setup();
  try {
    s.storage.public = true;
    const t = await s.handle(post({ action: "test" }, admin));
    const { checks } = await t.json();
    const storage = checks.find((c: { name: string }) => c.name === "storage");
    assert.equal(storage.ok, false);
    assert.match(
      storage.message,
      /^Cannot use Storage: the Storage bucket "backups" is public, so anyone could download every backup; make it private/,
    );

    const result = await runOnce(s);
    assert.ok(!("busy" in result));
    assert.equal(s.storage.objects.size, 0, "nothing stored in the public bucket");
    assert.equal(result.storageStatus, "failed");
    assert.equal(result.errorCode, "storage_public");
    assert.match(result.error ?? "", /the Storage bucket "backups" is public/);

    s.storage.public = false;
    const ok = await (await s.handle(post({ action: "test" }, admin))).json();
    const fine = ok.checks.find((c: { name: string }) => c.name === "storage");
    assert.equal(fine.ok, true);
    assert.equal(fine.message, 'The Storage bucket "backups" exists and is private');
  } finally {
    await s.db.drop();
  }
});

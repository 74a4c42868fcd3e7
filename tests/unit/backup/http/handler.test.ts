import assert from "node:assert/strict";
import { parseConfig, secretValues } from "../../../../supabase/functions/_shared/backup/lib/config.ts";
import {
  createHandler,
  MAX_BODY_BYTES,
  type ScheduleApi,
} from "../../../../supabase/functions/_shared/backup/http/handler.ts";
import { createRedactor } from "../../../../supabase/functions/_shared/backup/lib/redact.ts";
import { secretsEqual } from "../../../../supabase/functions/_shared/backup/http/auth.ts";
import { ScheduleError } from "../../../../supabase/functions/_shared/backup/schedule/schedule-error.ts";
import { createScratchDatabase, type ScratchDatabase } from "../../../support/scratch-database.ts";
import { FakeOneDrive, FakeStorage } from "../../../support/fakes.ts";

const VAULT_SECRET = "vault-secret-0123456789abcdef0123456789";
const FIXED_SECRET = "fixed-cron-secret-abcdefghij-0123456789";
const SHORT_SECRET = "fixed-cron-secret-abcdefghij";
const ADMIN = "aaaaaaaa-0000-4000-8000-000000000001";
const MEMBER = "aaaaaaaa-0000-4000-8000-000000000002";

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
function jwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}.signature`;
}
const ADMIN_TOKEN = jwt({ sub: ADMIN, role: "authenticated" });
const MEMBER_TOKEN = jwt({ sub: MEMBER, role: "authenticated" });
const ANON_KEY = jwt({ role: "anon" });
const FORGED = jwt({ sub: ADMIN, role: "authenticated", forged: true });

interface Setup {
  db: ScratchDatabase;
  handle: (req: Request) => Promise<Response>;
  background: Promise<unknown>[];
  scheduleCalls: Array<{ cron: string | null; projectUrl: string }>;
  authCalls: string[];
}

async function setup(
  extraEnv: Record<string, string> = {},
  vaultSecret: string | null = VAULT_SECRET,
): Promise<Setup> {
  const db = await createScratchDatabase({ supabase: true });
  await db
    .sql`insert into auth.users (id, email) values (${ADMIN}, 'admin@example.com'), (${MEMBER}, 'member@example.com')`;
  await db.sql`insert into public.user_roles (user_id, role) values (${ADMIN}, 'admin')`;
  await db.sql`create table public.notes (id int primary key, body text)`;
  await db.sql`insert into public.notes select g, 'note ' || g from generate_series(1, 100) g`;
  const config = parseConfig({
    SUPABASE_URL: "http://127.0.0.1:54321",
    SUPABASE_SERVICE_ROLE_KEY: "service-role-key-for-tests",
    SUPABASE_DB_URL: db.url,
    ...extraEnv,
  });
  const authCalls: string[] = [];
  // Supabase Auth: only the tokens it issued are valid (a forged one has the right sub but a bad signature).
  const fakeFetch: typeof fetch = (input, init) => {
    const req = new Request(input, init);
    assert.equal(new URL(req.url).pathname, "/auth/v1/user");
    assert.equal(req.headers.get("apikey"), "service-role-key-for-tests");
    const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    authCalls.push(token);
    const users: Record<string, string> = { [ADMIN_TOKEN]: ADMIN, [MEMBER_TOKEN]: MEMBER };
    return Promise.resolve(
      users[token]
        ? Response.json({ id: users[token], aud: "authenticated" })
        : Response.json({ code: 403, error_code: "bad_jwt", msg: "invalid JWT" }, { status: 403 }),
    );
  };
  const scheduleCalls: Setup["scheduleCalls"] = [];
  const schedule: ScheduleApi = {
    setSchedule(_sql, opts) {
      scheduleCalls.push(opts);
      if (opts.cron === "bad") {
        return Promise.reject(
          new ScheduleError("invalid_schedule", 'Cannot use the backup schedule "bad": expected 5 fields'),
        );
      }
      return Promise.resolve({
        cron: opts.cron,
        next_run_at: opts.cron ? "2026-11-25T02:00:00.000Z" : null,
        timezone: "UTC",
      });
    },
    getSchedule: () =>
      Promise.resolve({ cron: "0 2 * * *", next_run_at: "2026-11-25T02:00:00.000Z", timezone: "UTC" }),
    readCronSecret: () => Promise.resolve(vaultSecret),
  };
  const background: Promise<unknown>[] = [];
  const onedrive = config.azure ? new FakeOneDrive() : null;
  const handle = createHandler({
    config,
    sql: db.sql,
    storage: new FakeStorage(),
    onedrive,
    fetch: fakeFetch,
    schedule,
    waitUntil: (p) => background.push(p),
    pipeline: {
      sleep: () => Promise.resolve(),
      now: () => new Date(),
      redact: createRedactor(secretValues(config)),
      log: () => {},
    },
  });
  return { db, handle, background, scheduleCalls, authCalls };
}

function post(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request("http://fn/auto-backup", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function runCount(db: ScratchDatabase): Promise<number> {
  const [{ n }] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from public.backup_runs`;
  return n;
}

Deno.test("secretsEqual compares in constant time and exactly", () => {
  assert.equal(secretsEqual("abc", "abc"), true);
  assert.equal(secretsEqual("abc", "abd"), false);
  assert.equal(secretsEqual("abc", "abcd"), false);
  assert.equal(secretsEqual("", "abc"), false);
});

Deno.test("HTTP contract: CORS, methods and bodies", async () => {
  const s = await setup();
  try {
    const options = await s.handle(new Request("http://fn/auto-backup", { method: "OPTIONS" }));
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("access-control-allow-origin"), "*");
    assert.match(
      options.headers.get("access-control-allow-headers")!,
      /authorization.*apikey.*x-backup-secret/,
    );

    const get = await s.handle(new Request("http://fn/auto-backup"));
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST, OPTIONS");
    assert.match((await get.json()).error, /^Method GET not allowed: use POST/);

    for (const body of ["{not json", "[1]", '"run"', { action: "explode" }, { action: 3 }]) {
      const r = await s.handle(post(body, asAdmin));
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.headers.get("access-control-allow-origin"), "*");
      assert.match((await r.json()).error, /^Invalid (request body|action)/);
    }
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

Deno.test("callers: nobody, the anon key, a forged token, a member and a wrong secret are refused; no run is created", async () => {
  const s = await setup();
  try {
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{}, 401, /^Missing credentials/],
      [{ authorization: "Basic abc" }, 401, /^Missing credentials/],
      [{ authorization: `Bearer ${ANON_KEY}` }, 401, /^Invalid or expired session/],
      [{ authorization: `Bearer ${FORGED}` }, 401, /^Invalid or expired session/],
      [{ authorization: `Bearer ${MEMBER_TOKEN}` }, 403, /^Not allowed: only admins can manage backups/],
      [{ "x-backup-secret": "wrong" }, 401, /^Invalid scheduler secret/],
      [{ "x-backup-secret": "" }, 401, /^Invalid scheduler secret/],
      [{ "x-backup-secret": VAULT_SECRET.slice(0, -1) }, 401, /^Invalid scheduler secret/],
      [{ "x-backup-secret": FIXED_SECRET }, 401, /^Invalid scheduler secret/],
      [
        { "x-backup-secret": VAULT_SECRET, authorization: `Bearer ${ADMIN_TOKEN}` },
        403,
        /only starts backups/,
      ],
    ];
    for (const [headers, status, pattern] of cases) {
      const action = headers["x-backup-secret"] === VAULT_SECRET ? "status" : "run";
      const r = await s.handle(post({ action }, headers));
      assert.equal(r.status, status, JSON.stringify(headers));
      assert.match((await r.json()).error, pattern);
    }
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

Deno.test("run: 202 at once, the work continues in the background, a second run gets 409 with the running id", async () => {
  const s = await setup();
  try {
    const first = await s.handle(post({ action: "run" }, asAdmin));
    assert.equal(first.status, 202);
    const body = await first.json();
    assert.equal(body.status, "running");
    assert.match(body.run_id, /^[0-9a-f-]{36}$/);
    const [row] = await s.db
      .sql`select trigger, requested_by from public.backup_runs where id = ${body.run_id}`;
    assert.deepEqual({ ...row }, { trigger: "manual", requested_by: ADMIN });

    const second = await s.handle(post({ action: "run" }, { "x-backup-secret": VAULT_SECRET }));
    if (second.status === 409) {
      assert.deepEqual(await second.json(), {
        error: "A backup is already running: wait for it to finish",
        run_id: body.run_id,
      });
    } else {
      // The first run finished already (tiny database): then it ended less than a minute ago.
      assert.equal(second.status, 429);
    }
    await Promise.all(s.background);
    const [done] = await s.db
      .sql`select status, onedrive_status from public.backup_runs where id = ${body.run_id}`;
    assert.deepEqual({ ...done }, { status: "success", onedrive_status: "skipped" });

    // Deterministic 409: a run that is still going.
    const [{ id }] = await s.db.sql`insert into public.backup_runs (trigger) values ('cli') returning id`;
    const busy = await s.handle(post({}, { "x-backup-secret": VAULT_SECRET }));
    assert.equal(busy.status, 409);
    assert.equal((await busy.json()).run_id, id);
  } finally {
    await Promise.allSettled(s.background);
    await s.db.drop();
  }
});

Deno.test("run: 429 rate_limited while another run started or ended less than 60 s ago, for admins and the scheduler", async () => {
  const s = await setup();
  try {
    // A run that ended 10 s ago (database clock).
    await s.db.sql`insert into public.backup_runs (trigger, status, started_at, finished_at, heartbeat_at)
                   values ('cli', 'success', now() - interval '40 seconds', now() - interval '10 seconds',
                           now() - interval '10 seconds')`;
    for (const headers of [asAdmin, { "x-backup-secret": VAULT_SECRET }]) {
      const r = await s.handle(post({ action: "run" }, headers));
      assert.equal(r.status, 429);
      const retry = Number(r.headers.get("retry-after"));
      assert.ok(retry >= 45 && retry <= 51, `Retry-After ${retry}`);
      const body = await r.json();
      assert.equal(body.error_code, "rate_limited");
      assert.equal(body.retry_after_seconds, retry);
      assert.match(
        body.error,
        /^Cannot start a backup yet: the previous run started or ended at \d\d:\d\d:\d\d UTC, less than 60 s ago; try again in \d+ s$/,
      );
    }
    assert.equal(await runCount(s.db), 1, "no run row was created");

    // A run that only started (then failed at once) counts too.
    await s.db.sql`update public.backup_runs set started_at = now() - interval '5 seconds',
                   heartbeat_at = now() - interval '5 seconds', finished_at = null, status = 'failed'`;
    assert.equal((await s.handle(post({ action: "run" }, asAdmin))).status, 429);

    // A run the reaper closed just now ended at its last heartbeat, long ago: it does not delay the next.
    await s.db
      .sql`update public.backup_runs set status = 'failed', started_at = now() - interval '20 minutes',
                   heartbeat_at = now() - interval '19 minutes', finished_at = now()`;
    const afterCrash = await s.handle(post({ action: "run" }, asAdmin));
    assert.equal(afterCrash.status, 202);
    await Promise.all(s.background);
    await s.db.sql`delete from public.backup_runs where id = ${(await afterCrash.json()).run_id}`;

    // A minute after a run, it starts.
    await s.db.sql`update public.backup_runs set started_at = now() - interval '61 seconds',
                   finished_at = now() - interval '61 seconds', heartbeat_at = now() - interval '61 seconds'`;
    const ok = await s.handle(post({ action: "run" }, asAdmin));
    assert.equal(ok.status, 202);
    await Promise.all(s.background);
  } finally {
    await Promise.allSettled(s.background);
    await s.db.drop();
  }
});

Deno.test("BACKUP_CRON_SECRET is accepted next to the Vault secret", async () => {
  const s = await setup({ BACKUP_CRON_SECRET: FIXED_SECRET });
  try {
    const r = await s.handle(post({ action: "run" }, { "x-backup-secret": FIXED_SECRET }));
    assert.equal(r.status, 202);
    await Promise.all(s.background);
    const [row] = await s.db.sql`select trigger, requested_by, status from public.backup_runs`;
    assert.deepEqual({ ...row }, { trigger: "schedule", requested_by: null, status: "success" });
  } finally {
    await Promise.allSettled(s.background);
    await s.db.drop();
  }
});

Deno.test("status reports what is configured (never values), the schedule, and reaps a dead run", async () => {
  const s = await setup({
    AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555",
    AZURE_CLIENT_ID: "66666666-7777-8888-9999-000000000000",
    AZURE_CLIENT_SECRET: "Abc8Q~client-secret-value-0123456789",
    ONEDRIVE_BACKUP_LINK: "https://contoso.sharepoint.com/:f:/s/b/Eabc",
    BACKUP_RETENTION_COUNT: "7",
  });
  try {
    const [{ id }] = await s.db.sql`insert into public.backup_runs (trigger, heartbeat_at)
                                    values ('schedule', now() - interval '1 hour') returning id`;
    const r = await s.handle(post({ action: "status" }, asAdmin));
    assert.equal(r.status, 200);
    const body = await r.json();
    assert.deepEqual(body, {
      configured: {
        azure: true,
        destination: true,
        alert_webhook: false,
        alert_email: false,
        cron_secret: true,
      },
      destination: { kind: "link", folder_name: "Backups" },
      onedrive_enabled: true,
      compression: "gzip",
      retention_count: 7,
      retention: { keep_all: false, keep_last: 7, daily: 7, weekly: 4, monthly: 12, min_age_days: 7 },
      schemas: ["public"],
      schedule: { cron: "0 2 * * *", next_run_at: "2026-11-25T02:00:00.000Z", timezone: "UTC" },
      config_problems: [],
    });
    assert.ok(!JSON.stringify(body).includes("client-secret"));
    const [row] = await s.db.sql`select status, error_code from public.backup_runs where id = ${id}`;
    assert.deepEqual({ ...row }, { status: "failed", error_code: "run_abandoned" });
  } finally {
    await s.db.drop();
  }
});

Deno.test("test lists every check; schedule delegates and maps errors", async () => {
  const s = await setup({ AZURE_TENANT_ID: "11111111-2222-3333-4444-555555555555" });
  try {
    const t = await s.handle(post({ action: "test" }, asAdmin));
    assert.equal(t.status, 200);
    const { checks } = await t.json();
    assert.deepEqual(checks.map((c: { name: string }) => c.name), [
      "configuration",
      "database",
      "storage",
      "onedrive",
    ]);
    assert.equal(checks[3].ok, false);
    assert.match(checks[3].message, /^Cannot check OneDrive: fix the OneDrive settings/);
    assert.equal(checks[0].ok, false);
    assert.match(checks[0].message, /OneDrive is half configured/);
    assert.equal(checks[1].ok, true);
    assert.match(checks[1].message, /^Connected to PostgreSQL \d+/);
    assert.equal(checks[2].ok, true);

    const set = await s.handle(post({ action: "schedule", cron: "0 3 * * *" }, asAdmin));
    assert.equal(set.status, 200);
    assert.deepEqual(await set.json(), {
      cron: "0 3 * * *",
      next_run_at: "2026-11-25T02:00:00.000Z",
      timezone: "UTC",
    });
    assert.deepEqual(s.scheduleCalls, [{ cron: "0 3 * * *", projectUrl: "http://127.0.0.1:54321" }]);
    const off = await s.handle(post({ action: "schedule", cron: null }, asAdmin));
    assert.equal((await off.json()).cron, null);
    const bad = await s.handle(post({ action: "schedule", cron: "bad" }, asAdmin));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /^Cannot use the backup schedule/);
    const missing = await s.handle(post({ action: "schedule" }, asAdmin));
    assert.equal(missing.status, 400);
    assert.match((await missing.json()).error, /^Invalid schedule/);
  } finally {
    await s.db.drop();
  }
});

/** A request whose body is a stream that counts the bytes anyone pulls from it. */
function streamed(
  total: number,
  headers: Record<string, string>,
  opts: { chunk?: number; fill?: (n: number) => Uint8Array } = {},
): { request: Request; pulled: () => number } {
  const chunk = opts.chunk ?? 1024;
  const fill = opts.fill ?? ((n) => new Uint8Array(n).fill(0x20));
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      const n = Math.min(chunk, total - pulled);
      pulled += n;
      controller.enqueue(fill(n));
    },
  }, { highWaterMark: 0 });
  const request = new Request("http://fn/auto-backup", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { request, pulled: () => pulled };
}

Deno.test("the caller is checked from the headers before any byte of the body is read", async () => {
  const s = await setup();
  try {
    const cases: Array<[Record<string, string>, number]> = [
      [{}, 401],
      [{ authorization: `Bearer ${FORGED}` }, 401],
      [{ authorization: `Bearer ${MEMBER_TOKEN}` }, 403],
      [{ "x-backup-secret": "wrong" }, 401],
    ];
    for (const [headers, status] of cases) {
      const { request, pulled } = streamed(4096, headers);
      const r = await s.handle(request);
      assert.equal(r.status, status, JSON.stringify(headers));
      await r.body?.cancel();
      assert.equal(pulled(), 0, `the body of ${JSON.stringify(headers)} was not read`);
    }
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

Deno.test("bodies over 16 KiB get 413: a declared length unread, a chunked body cut off at the limit", async () => {
  const s = await setup();
  try {
    // Content-Length says too much: refused from the headers, for anyone, without reading.
    for (const headers of [asAdmin, {}]) {
      const declared = streamed(MAX_BODY_BYTES + 1, {
        ...headers,
        "content-length": String(MAX_BODY_BYTES + 1),
      });
      const r = await s.handle(declared.request);
      assert.equal(r.status, 413);
      assert.match((await r.json()).error, /^Request body too large: the limit is 16384 bytes/);
      assert.equal(declared.pulled(), 0);
    }
    const bogus = await s.handle(post({ action: "status" }, { ...asAdmin, "content-length": "12abc" }));
    assert.equal(bogus.status, 400);
    await bogus.body?.cancel();

    // No length (chunked): read up to the limit, then cancelled.
    const chunked = streamed(64 * 1024 * 1024, asAdmin);
    const r = await s.handle(chunked.request);
    assert.equal(r.status, 413);
    assert.match((await r.json()).error, /^Request body too large/);
    assert.ok(chunked.pulled() <= MAX_BODY_BYTES + 1024, `read ${chunked.pulled()} bytes of 64 MiB`);

    // Exactly at the limit is fine.
    const json = new TextEncoder().encode('{"action": "status"}');
    const padded = streamed(MAX_BODY_BYTES, asAdmin, {
      chunk: MAX_BODY_BYTES,
      fill: (n) => {
        const bytes = new Uint8Array(n).fill(0x20);
        bytes.set(json);
        return bytes;
      },
    });
    const ok = await s.handle(padded.request);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

Deno.test("a BACKUP_CRON_SECRET shorter than 32 characters is a configuration problem and opens nothing", async () => {
  const s = await setup({ BACKUP_CRON_SECRET: SHORT_SECRET }, null);
  try {
    const r = await s.handle(post({ action: "run" }, { "x-backup-secret": SHORT_SECRET }));
    assert.equal(r.status, 401);
    assert.match((await r.json()).error, /^Invalid scheduler secret/);
    const t = await s.handle(post({ action: "test" }, asAdmin));
    const { checks } = await t.json();
    assert.equal(checks[0].name, "configuration");
    assert.equal(checks[0].ok, false);
    assert.match(
      checks[0].message,
      /BACKUP_CRON_SECRET is too short \(28 characters, at least 32 needed\): .*openssl rand -hex 32/,
    );
    assert.ok(!checks[0].message.includes(SHORT_SECRET));
    // Nor does the page read it as a configured scheduler secret (no Vault secret exists here).
    const st = await s.handle(post({ action: "status" }, asAdmin));
    assert.equal((await st.json()).configured.cron_secret, false);
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

Deno.test("header and body tricks: odd secret headers, lying lengths, gzip, deep nesting", async () => {
  const s = await setup();
  try {
    // Header names are case-insensitive: the secret is recognised (then refused for anything but run).
    const cased = await s.handle(post({ action: "status" }, { "X-BACKUP-SECRET": VAULT_SECRET }));
    assert.equal(cased.status, 403);
    assert.match((await cased.json()).error, /only starts backups/);
    // Two secret headers arrive joined ("a, b") and match nothing, not even when one of them is right.
    const twice = new Headers({ "content-type": "application/json" });
    twice.append("x-backup-secret", VAULT_SECRET);
    twice.append("x-backup-secret", "wrong");
    const joined = await s.handle(
      new Request("http://fn/auto-backup", { method: "POST", headers: twice, body: '{"action":"run"}' }),
    );
    assert.equal(joined.status, 401);
    await joined.body?.cancel();
    for (const length of ["-1", "10, 10", "0x10", "1e3", ""]) {
      const r = await s.handle(post({ action: "status" }, { ...asAdmin, "content-length": length }));
      assert.equal(r.status, 400, JSON.stringify(length));
      await r.body?.cancel();
    }
    // A compressed body is not decoded: its bytes are not JSON.
    const gz = await new Response(
      new Blob(['{"action":"status"}']).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    const zipped = await s.handle(
      new Request("http://fn/auto-backup", {
        method: "POST",
        headers: { ...asAdmin, "content-type": "application/json", "content-encoding": "gzip" },
        body: gz,
      }),
    );
    assert.equal(zipped.status, 400);
    assert.match((await zipped.json()).error, /^Invalid request body/);
    // 16 KiB of nesting is parsed and refused as an action, quickly.
    const depth = (MAX_BODY_BYTES - 20) / 2;
    const started = performance.now();
    const nested = await s.handle(post(`{"action":${"[".repeat(depth)}${"]".repeat(depth)}}`, asAdmin));
    assert.equal(nested.status, 400);
    const refusal: string = (await nested.json()).error;
    // Quoted in at most 60 characters, and never a 500 (the hosted runtime's V8 cannot stringify it).
    assert.match(refusal, /^Invalid action \[(\[{3}|…\])/);
    assert.ok(refusal.length < 150, refusal);
    assert.ok(performance.now() - started < 2_000);
    assert.equal(await runCount(s.db), 0);
  } finally {
    await s.db.drop();
  }
});

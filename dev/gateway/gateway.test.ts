/**
 * The gateway against the real client: supabase-js talks to a stack started here (embedded Postgres,
 * gateway, Deno functions server; free ports, a temporary state directory, no app).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type RunningStack } from "../stack/start-stack.ts";
import { signJwt } from "./api-keys.ts";

let stack: RunningStack;
let stateDir: string;
let db: pg.Client;

/** Node 20 has no WebSocket; these tests never use Realtime, so it only has to be constructible lazily. */
class NoRealtime {
  constructor() {
    throw new Error("Realtime is not served by the local gateway");
  }
}

const client = (key?: string, headers: Record<string, string> = {}): SupabaseClient =>
  createClient(stack.info.supabase_url, key ?? stack.info.anon_key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers },
    realtime: { transport: NoRealtime as never },
  });

async function signedIn(email: string): Promise<SupabaseClient> {
  const supabase = client();
  const { error } = await supabase.auth.signInWithPassword({ email, password: "password" });
  if (error) throw error;
  return supabase;
}

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "gateway-test-"));
  stack = await startStack({ stateDir, ports: "free", app: false, seed: true, quiet: true });
  db = new pg.Client({ connectionString: stack.info.db_url });
  await db.connect();
  await db.query("delete from public.backup_runs");
  await db.query(`
    insert into public.backup_runs (trigger, status, finished_at, started_at, file_name) values
      ('schedule', 'success', now() - interval '2 days', now() - interval '2 days', 'backup-a.json.gz'),
      ('manual', 'failed', now() - interval '1 day', now() - interval '1 day', 'backup-b.json.gz'),
      ('cli', 'partial', now(), now() - interval '1 hour', 'backup-c.json.gz')`);
});

afterAll(async () => {
  await db?.end();
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("stack files", () => {
  it("publishes stack.json and stack.env while running", () => {
    expect(existsSync(path.join(stateDir, "stack.json"))).toBe(true);
    expect(stack.env.SUPABASE_URL).toBe(stack.info.supabase_url);
    expect(stack.env.SUPABASE_SERVICE_ROLE_KEY).toBe(stack.info.service_role_key);
    expect(stack.info.users.map((u) => [u.email, u.admin])).toEqual([
      ["admin@example.com", true],
      ["member@example.com", false],
    ]);
  });
});

describe("auth", () => {
  it("signs in with a password and returns the user", async () => {
    const supabase = await signedIn("admin@example.com");
    const { data, error } = await supabase.auth.getUser();
    expect(error).toBeNull();
    expect(data.user?.email).toBe("admin@example.com");
    const { data: session } = await supabase.auth.getSession();
    const claims = JSON.parse(
      Buffer.from(session.session!.access_token.split(".")[1]!, "base64url").toString(),
    );
    expect(claims).toMatchObject({ role: "authenticated", aal: "aal1", email: "admin@example.com" });
    expect(typeof claims.session_id).toBe("string");
  });

  it("refuses a wrong password", async () => {
    const { data, error } = await client().auth.signInWithPassword({
      email: "admin@example.com",
      password: "nope",
    });
    expect(data.session).toBeNull();
    expect(error?.status).toBe(400);
    expect(error?.code).toBe("invalid_credentials");
  });

  it("rotates refresh tokens and ends the session on sign-out", async () => {
    const supabase = await signedIn("member@example.com");
    const before = (await supabase.auth.getSession()).data.session!;
    const { data: refreshed, error } = await supabase.auth.refreshSession();
    expect(error).toBeNull();
    expect(refreshed.session?.refresh_token).not.toBe(before.refresh_token);
    const token = refreshed.session!.access_token;
    await supabase.auth.signOut();
    const { error: after } = await client().auth.getUser(token);
    expect(after?.name).toBe("AuthSessionMissingError");
  });
});

describe("rest: backup_runs and RLS", () => {
  it("lets an admin read every run, newest first, with an exact count", async () => {
    const supabase = await signedIn("admin@example.com");
    const { data, error, count } = await supabase
      .from("backup_runs")
      .select("id, status, file_name", { count: "exact" })
      .order("started_at", { ascending: false })
      .limit(2);
    expect(error).toBeNull();
    expect(count).toBe(3);
    expect(data?.map((r) => r.file_name)).toEqual(["backup-c.json.gz", "backup-b.json.gz"]);
  });

  it("shows a member no run", async () => {
    const supabase = await signedIn("member@example.com");
    const { data, error } = await supabase.from("backup_runs").select("*");
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });

  it("refuses anon any access to runs", async () => {
    const { data, error, status } = await client().from("backup_runs").select("*");
    expect(data).toBeNull();
    expect(status).toBe(401);
    expect(error?.code).toBe("42501");
  });

  it("refuses inserts, updates and deletes from every client role", async () => {
    const admin = await signedIn("admin@example.com");
    const member = await signedIn("member@example.com");
    for (const [who, supabase, status] of [
      ["admin", admin, 403],
      ["member", member, 403],
      ["anon", client(), 401],
    ] as const) {
      const insert = await supabase.from("backup_runs").insert({ trigger: "manual", status: "failed" });
      expect(insert.error?.code, who).toBe("42501");
      expect(insert.status, who).toBe(status);
      const update = await supabase.from("backup_runs").update({ status: "failed" }).eq("trigger", "cli");
      expect(update.error?.code, who).toBe("42501");
      const remove = await supabase.from("backup_runs").delete().neq("status", "running");
      expect(remove.error?.code, who).toBe("42501");
    }
    const { rows } = await db.query(
      "select count(*)::int as n, count(*) filter (where status = 'partial')::int as partial from public.backup_runs",
    );
    expect(rows[0]).toEqual({ n: 3, partial: 1 });
  });

  it("calls functions through rpc as the caller", async () => {
    const admin = await signedIn("admin@example.com");
    const member = await signedIn("member@example.com");
    expect((await admin.rpc("can_manage_backups")).data).toBe(true);
    expect((await member.rpc("can_manage_backups")).data).toBe(false);
    expect((await client().rpc("can_manage_backups")).data).toBe(false);
    const adminId = "a11ce000-0000-4000-8000-000000000001";
    const viaPost = await member.rpc("has_role", { _user_id: adminId, _role: "admin" });
    expect(viaPost).toMatchObject({ data: true, error: null });
    const viaGet = await member.rpc("has_role", { _user_id: adminId, _role: "moderator" }, { get: true });
    expect(viaGet).toMatchObject({ data: false, error: null });
    const missing = await member.rpc("has_role", { nobody: 1 });
    expect(missing.error?.code).toBe("PGRST202");
  });
});

describe("rest: queries on the demo app", () => {
  it("pages through a table larger than 1,000 rows with exact counts", async () => {
    const member = await signedIn("member@example.com");
    const { data, count, error } = await member
      .from("payments")
      .select("id, amount", { count: "exact" })
      .order("id")
      .range(20_000, 20_009);
    expect(error).toBeNull();
    expect(count).toBe(30_000);
    expect(data?.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => 20_001 + i));
  });

  it("applies filters, single objects and head counts", async () => {
    const member = await signedIn("member@example.com");
    const one = await member.from("owners").select("email, city").eq("email", "client2@exemple.fr").single();
    expect(one.data).toEqual({ email: "client2@exemple.fr", city: "Marseille" });
    const none = await member.from("owners").select("id").eq("email", "nobody@exemple.fr").maybeSingle();
    expect(none).toMatchObject({ data: null, error: null });
    const many = await member.from("owners").select("id").in("id", [1, 2, 3]).single();
    expect(many.error?.code).toBe("PGRST116");
    const head = await member
      .from("dogs")
      .select("*", { count: "exact", head: true })
      .gte("weight_kg", 30)
      .lt("weight_kg", 40);
    const expected = await db.query(
      "select count(*)::int as n from public.dogs where weight_kg >= 30 and weight_kg < 40",
    );
    expect(head.count).toBe(expected.rows[0].n);
    const nulls = await member.from("owners").select("id", { count: "exact", head: true }).is("phone", null);
    expect(nulls.count).toBe(Math.floor(2_500 / 9));
    const like = await member.from("dogs").select("name").ilike("name", "%réglisse%").limit(1);
    expect(like.data?.[0]?.name).toBe("Réglisse 🐶");
  });

  it("passes Postgres' JSON through untouched (big integers keep every digit)", async () => {
    const member = await signedIn("member@example.com");
    const token = (await member.auth.getSession()).data.session!.access_token;
    const response = await fetch(
      `${stack.info.supabase_url}/rest/v1/payments?select=bank_reference&id=eq.1`,
      {
        headers: { apikey: stack.info.anon_key, authorization: `Bearer ${token}` },
      },
    );
    expect(await response.text()).toBe('[{"bank_reference":9007199254741000}]');
  });

  it("answers unsupported syntax with an explicit error, never a wrong result", async () => {
    const member = await signedIn("member@example.com");
    const embedded = await member.from("owners").select("id, dogs(name)");
    expect(embedded.status).toBe(501);
    expect(embedded.error?.message).toMatch(/local gateway does not support embedded resources/);
    const or = await member.from("owners").select("id").or("city.eq.Paris,city.eq.Lyon");
    expect(or.status).toBe(501);
    expect(or.error?.message).toMatch(/logical operators/);
    const unknown = await member.from("no_such_table").select("*");
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe("PGRST205");
  });

  it("requires a project API key, as Supabase's gateway does", async () => {
    const missing = await fetch(`${stack.info.supabase_url}/rest/v1/owners?select=id&limit=1`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { message: string }).message).toBe("No API key found in request");
    const wrong = await fetch(`${stack.info.supabase_url}/rest/v1/owners?select=id&limit=1`, {
      headers: { apikey: "nope" },
    });
    expect(wrong.status).toBe(401);
  });

  it("rejects invalid and expired JWTs with 401", async () => {
    const forged = await signJwt("not-the-secret-not-the-secret-123", { role: "service_role" });
    const bad = await client(stack.info.anon_key, { Authorization: `Bearer ${forged}` })
      .from("backup_runs")
      .select("*");
    expect(bad.status).toBe(401);
    expect(bad.error?.code).toBe("PGRST301");
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await signJwt(stack.info.jwt_secret, {
      role: "authenticated",
      sub: "a11ce000-0000-4000-8000-000000000001",
      exp: past,
    });
    const old = await client(stack.info.anon_key, { Authorization: `Bearer ${expired}` })
      .from("owners")
      .select("id")
      .limit(1);
    expect(old.status).toBe(401);
    expect(old.error?.code).toBe("PGRST303");
    const fn = await fetch(`${stack.info.supabase_url}/functions/v1/no-such-function`, {
      method: "POST",
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(fn.status).toBe(401);
    const storage = await client(stack.info.anon_key, { Authorization: `Bearer ${forged}` })
      .storage.from("backups")
      .list();
    expect((storage.error as { status?: number } | null)?.status).toBe(401);
  });
});

describe("storage", () => {
  const content = Buffer.from('{"format":"supabase-backup","complete":true}\n');
  const name = "backup-2026-11-24T02-00-00Z.json.gz";

  /** storage-api answers errors with HTTP 400 and the real status in the body's `statusCode`. */
  const failure = (error: unknown) => {
    const e = error as { status?: number; statusCode?: string; message?: string } | null;
    return [e?.status, e?.statusCode, e?.message];
  };

  it("stores, lists, signs, downloads and deletes backup files with the bucket's rules", async () => {
    const service = client(stack.info.service_role_key);
    const upload = await service.storage
      .from("backups")
      .upload(name, content, { contentType: "application/gzip" });
    expect(upload.error).toBeNull();
    expect(upload.data?.fullPath).toBe(`backups/${name}`);

    const again = await service.storage.from("backups").upload(name, content);
    expect(failure(again.error)).toEqual([400, "409", "The resource already exists"]);

    const listed = await service.storage
      .from("backups")
      .list("", { sortBy: { column: "name", order: "asc" } });
    expect(listed.data?.map((f) => [f.name, f.metadata?.size])).toEqual([[name, content.length]]);

    // Signed URLs: made with the service key (the function's download action), for one object.
    const signed = await service.storage.from("backups").createSignedUrl(name, 60);
    expect(signed.error).toBeNull();
    const fetched = await fetch(signed.data!.signedUrl);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(content);
    const tampered = await fetch(signed.data!.signedUrl.replace(name, "other.json.gz"));
    expect(tampered.status).toBe(400);

    const downloaded = await service.storage.from("backups").download(name);
    expect(Buffer.from(await downloaded.data!.arrayBuffer())).toEqual(content);

    // No client role reaches the bucket, admins included (restrictive policies).
    for (const who of ["member@example.com", "admin@example.com"]) {
      const user = await signedIn(who);
      expect((await user.storage.from("backups").list()).data, who).toEqual([]);
      expect(failure((await user.storage.from("backups").download(name)).error), who).toEqual([
        400,
        "404",
        "Object not found",
      ]);
      expect(failure((await user.storage.from("backups").createSignedUrl(name, 60)).error), who).toEqual([
        400,
        "404",
        "Object not found",
      ]);
      const planted = await user.storage.from("backups").upload("planted.json.gz", content);
      expect(failure(planted.error), who).toEqual([400, "403", "new row violates row-level security policy"]);
      expect((await user.storage.from("backups").remove([name])).data, who).toEqual([]);
    }
    const admin = await signedIn("admin@example.com");
    const publicUrl = admin.storage.from("backups").getPublicUrl(name).data.publicUrl;
    const publicAnswer = await fetch(publicUrl);
    expect(publicAnswer.status).toBe(400);
    expect((await publicAnswer.json()).statusCode).toBe("404");

    const removed = await service.storage.from("backups").remove([name]);
    expect(removed.data?.map((o) => o.name)).toEqual([name]);
    expect((await service.storage.from("backups").list()).data).toEqual([]);
    const files = await readdir(path.join(stateDir, "storage", "buckets", "backups")).catch(() => []);
    expect(files).toEqual([]);
  });

  it("replaces with x-upsert, lists folders, and serves public buckets without auth", async () => {
    const service = client(stack.info.service_role_key);
    expect((await service.storage.createBucket("avatars", { public: true })).error).toBeNull();
    const bucket = service.storage.from("avatars");
    await bucket.upload("people/amélie.txt", new Blob(["v1"], { type: "text/plain" }));
    const replaced = await bucket.upload("people/amélie.txt", new Blob(["v2"], { type: "text/plain" }), {
      upsert: true,
    });
    expect(replaced.error).toBeNull();
    await bucket.upload("logo.txt", Buffer.from("logo"), { contentType: "text/plain" });
    const root = await bucket.list();
    expect(root.data?.map((e) => [e.name, e.id === null])).toEqual([
      ["logo.txt", false],
      ["people", true],
    ]);
    const folder = await bucket.list("people");
    expect(folder.data?.map((e) => e.name)).toEqual(["amélie.txt"]);
    const publicFile = await fetch(bucket.getPublicUrl("people/amélie.txt").data.publicUrl);
    expect(publicFile.headers.get("content-type")).toBe("text/plain");
    expect(await publicFile.text()).toBe("v2");
    const anonUpload = await client().storage.from("avatars").upload("x.txt", Buffer.from("x"));
    expect(failure(anonUpload.error)).toEqual([400, "403", "new row violates row-level security policy"]);
  });
});

describe("functions", () => {
  it("proxies /functions/v1/<name> to the Deno functions server", async () => {
    const response = await fetch(`${stack.info.supabase_url}/functions/v1/no-such-function`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.info.anon_key}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: "NOT_FOUND", message: "Requested function was not found" });
  });
});

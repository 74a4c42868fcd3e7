/**
 * Helpers for the integration tests: they run against the local stack (`npm test` starts one and points
 * STACK_JSON at it; otherwise `npm run dev`), over real HTTP, with the real function under Deno, the
 * gateway, embedded Postgres and the Graph emulator.
 */
import postgres from "postgres";
import { loadStack, type StackInfo } from "./stack.ts";
import { GraphEmulatorAdmin } from "../../dev/graph-emulator/admin-client.ts";
import { type CallInit, callJson, type CallResult } from "./http.ts";

export type Sql = postgres.Sql;

export interface Stack {
  info: StackInfo;
  env: Record<string, string>;
  sql: Sql;
  emulator: GraphEmulatorAdmin;
  close(): Promise<void>;
}

export async function openStack(): Promise<Stack> {
  const { info, env } = await loadStack();
  const sql = postgres(info.db_url, { max: 3, onnotice: () => {} });
  if (!info.graph_emulator_url) {
    throw new Error("These tests need the Graph emulator: the stack runs without it");
  }
  return {
    info,
    env,
    sql,
    emulator: new GraphEmulatorAdmin(info.graph_emulator_url),
    close: () => sql.end({ timeout: 5 }),
  };
}

export async function signIn(stack: Stack, email: string): Promise<string> {
  const user = stack.info.users.find((u) => u.email === email);
  if (!user) throw new Error(`Cannot sign in: no user "${email}" in the stack`);
  const response = await fetch(`${stack.info.supabase_url}/auth/v1/token?grant_type=password`, {
    method: "POST",
    headers: { apikey: stack.info.anon_key, "content-type": "application/json" },
    body: JSON.stringify({ email, password: user.password }),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`Cannot sign in as "${email}": HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  return body.access_token as string;
}

export const adminEmail = (stack: Stack) => stack.info.users.find((u) => u.admin)!.email;
export const memberEmail = (stack: Stack) => stack.info.users.find((u) => !u.admin)!.email;

/** Request headers of a freshly signed-in admin. */
export async function adminHeaders(stack: Stack): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signIn(stack, adminEmail(stack))}` };
}

/** POST /functions/v1/auto-backup through the gateway, as the browser or pg_net would. */
export function callFunction(stack: Stack, init: CallInit): Promise<CallResult> {
  return callJson(`${stack.info.supabase_url}/functions/v1/auto-backup`, init);
}

export interface RunRow {
  id: string;
  status: string;
  trigger: string;
  phase: string | null;
  file_name: string | null;
  size_bytes: string | null;
  row_count: string | null;
  sha256: string | null;
  quick_xor_hash: string | null;
  storage_status: string;
  onedrive_status: string;
  storage_path: string | null;
  onedrive_item_id: string | null;
  error: string | null;
  error_code: string | null;
  tables: Array<{ schema: string; name: string; rows: number }> | null;
}

export async function runRow(stack: Stack, id: string): Promise<RunRow> {
  const [row] = await stack.sql<RunRow[]>`select * from public.backup_runs where id = ${id}`;
  return row;
}

/** Polls until the run leaves `running` (the function works in the background). */
export async function waitForRun(stack: Stack, id: string, timeoutMs = 120_000): Promise<RunRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await runRow(stack, id);
    if (row && row.status !== "running") return row;
    if (Date.now() > deadline) throw new Error(`Run ${id} is still running after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Waits until no run is in progress, so a test starts from a free slot: nothing running, and the next
 * run through the function is not refused for coming too soon (see allowNextRun).
 */
export async function waitForIdle(stack: Stack): Promise<void> {
  const running = await stack.sql<
    Array<{ id: string }>
  >`select id from public.backup_runs where status = 'running'`;
  for (const r of running) await waitForRun(stack, r.id);
  await allowNextRun(stack);
}

/**
 * The function refuses a run while another started or ended less than 60 s ago (database clock). Tests
 * stand for that minute passing by moving the whole finished history back by it: the order of the runs
 * and the gaps between them stay the same.
 */
export async function allowNextRun(stack: Stack): Promise<void> {
  await stack.sql`
    update public.backup_runs
    set started_at = started_at - interval '61 seconds', finished_at = finished_at - interval '61 seconds',
        heartbeat_at = heartbeat_at - interval '61 seconds'
    where status <> 'running'`;
}

/** `folder/file` as a URL path, each segment encoded. */
const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** Storage as the function reaches it: the service role key. */
function serviceHeaders(stack: Stack): Record<string, string> {
  return { authorization: `Bearer ${stack.info.service_role_key}`, apikey: stack.info.service_role_key };
}

/** The bytes of the object at `name` (a path: runs store theirs at `<run id>/<file name>`). */
export async function downloadFromStorage(stack: Stack, name: string): Promise<Uint8Array> {
  const response = await fetch(
    `${stack.info.supabase_url}/storage/v1/object/backups/${encodePath(name)}`,
    {
      headers: serviceHeaders(stack),
    },
  );
  if (!response.ok) throw new Error(`Cannot download "${name}" from Storage: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Every object in the bucket, folders walked (runs store theirs at `<run id>/<file name>`). */
export async function storagePaths(
  stack: Stack,
  prefix = "",
): Promise<Array<{ path: string; size: number | null }>> {
  const out: Array<{ path: string; size: number | null }> = [];
  for (let offset = 0;; offset += 100) {
    const response = await fetch(`${stack.info.supabase_url}/storage/v1/object/list/backups`, {
      method: "POST",
      headers: { ...serviceHeaders(stack), "content-type": "application/json" },
      body: JSON.stringify({ prefix, limit: 100, offset, sortBy: { column: "name", order: "asc" } }),
    });
    if (!response.ok) throw new Error(`Cannot list Storage folder "${prefix}": HTTP ${response.status}`);
    const page = await response.json() as Array<
      { name: string; id: string | null; metadata: { size?: number } | null }
    >;
    for (const o of page) {
      const path = prefix ? `${prefix}/${o.name}` : o.name;
      if (o.id === null) out.push(...await storagePaths(stack, path));
      else out.push({ path, size: o.metadata?.size ?? null });
    }
    if (page.length < 100) return out;
  }
}

/** The file names (last path segment) of every object in the bucket, in its folders too. */
export async function storageNames(stack: Stack): Promise<string[]> {
  return (await storagePaths(stack)).map((o) => o.path.slice(o.path.lastIndexOf("/") + 1));
}

export async function uploadToStorage(stack: Stack, name: string, bytes: Uint8Array): Promise<void> {
  const response = await fetch(
    `${stack.info.supabase_url}/storage/v1/object/backups/${encodePath(name)}`,
    {
      method: "POST",
      headers: { ...serviceHeaders(stack), "content-type": "application/octet-stream" },
      body: bytes as BodyInit,
    },
  );
  await response.body?.cancel();
  if (!response.ok) throw new Error(`Cannot upload "${name}" to Storage: HTTP ${response.status}`);
}

export async function removeFromStorage(stack: Stack, names: string[]): Promise<void> {
  const response = await fetch(`${stack.info.supabase_url}/storage/v1/object/backups`, {
    method: "DELETE",
    headers: { ...serviceHeaders(stack), "content-type": "application/json" },
    body: JSON.stringify({ prefixes: names }),
  });
  await response.body?.cancel();
}

/** Names of the files in the emulator's destination folder. */
export async function oneDriveNames(stack: Stack): Promise<string[]> {
  return (await stack.emulator.files()).filter((f) => f.path.startsWith("Backups/")).map((f) => f.name);
}

/** A local endpoint standing in for a Teams/Slack incoming webhook. */
export function startWebhook(): { url: string; received: Array<{ text: string }>; stop(): Promise<void> } {
  const received: Array<{ text: string }> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push(await req.json());
    return new Response("1");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    stop: () => server.shutdown(),
  };
}

/** Values a test must never find in logs, rows, responses or alerts. */
export function stackSecrets(stack: Stack): string[] {
  const env = stack.env;
  const out = [
    env.SUPABASE_SERVICE_ROLE_KEY,
    env.AZURE_CLIENT_SECRET,
    env.SUPABASE_JWT_SECRET,
    env.BACKUP_CRON_SECRET,
  ];
  try {
    out.push(new URL(env.SUPABASE_DB_URL).password);
  } catch {
    // not a URL
  }
  return out.filter((s): s is string => typeof s === "string" && s.length >= 6);
}

export function fileName(path: string): string {
  return path.split("/").at(-1)!;
}

const SCHEDULER_SECRET_NAMES = ["auto_backup_cron_secret", "auto_backup_project_url"];

/**
 * Keeps Vault's scheduler secrets as they are now; `restore()` removes the schedule (as `admin`, an
 * admin's request headers) and puts those secrets back, so a test that saves a schedule leaves no trace.
 */
export async function keepSchedulerSecrets(
  stack: Stack,
  admin: Record<string, string>,
): Promise<{ restore(): Promise<void> }> {
  const saved = await stack.sql<Array<{ name: string; secret: string }>>`
    select name, decrypted_secret as secret from vault.decrypted_secrets
    where name in ${stack.sql(SCHEDULER_SECRET_NAMES)}`;
  return {
    async restore() {
      await callFunction(stack, { body: { action: "schedule", cron: null }, headers: admin }).catch(() => {});
      await stack.sql`delete from vault.secrets where name in ${stack.sql(SCHEDULER_SECRET_NAMES)}`;
      for (const s of saved) await stack.sql`select vault.create_secret(${s.secret}::text, ${s.name}::text)`;
    },
  };
}

/**
 * Saves a schedule through the function, the product's own path (Vault then holds a generated
 * scheduler secret): a yearly job that will not fire during a test.
 */
export async function saveYearlySchedule(stack: Stack, admin: Record<string, string>): Promise<void> {
  const scheduled = await callFunction(stack, {
    body: { action: "schedule", cron: "0 3 1 1 *" },
    headers: admin,
  });
  if (scheduled.status !== 200) {
    throw new Error(`Cannot save a schedule: HTTP ${scheduled.status} ${JSON.stringify(scheduled.body)}`);
  }
}

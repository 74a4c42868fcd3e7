/**
 * The HTTP contract of the `auto-backup` function (DESIGN section 4): CORS, methods, body, caller
 * checks, and the actions run / test / status / schedule / download. Everything it needs is injected, so tests
 * drive it with real or fake parts alike.
 */
import { authenticateCaller, type Caller } from "./auth.ts";
import type { BackupConfig } from "../lib/config.ts";
import { describeProblems, MIN_CRON_SECRET_LENGTH } from "../lib/config.ts";
import type { Sql } from "../lib/db.ts";
import { BackupError, errorMessage } from "../lib/errors.ts";
import { publicBucketMessage } from "../destinations/bucket-guard.ts";
import { createDownload } from "./download.ts";
import { type OneDriveClient, type PipelineDeps, reapAndAlert, startBackup } from "../run/pipeline.ts";
import { destinationOf } from "../../graph/destination.ts";
import type { GraphClient } from "../../graph/types.ts";
import { rateLimitedResponse } from "./run-rate-limit.ts";
import { retentionStatus } from "../run/retention-plan.ts";
import type { BackupSchedule } from "../schedule/schedule.ts";
import type { StorageClient } from "../destinations/storage.ts";

export interface ScheduleApi {
  setSchedule(sql: Sql, opts: { cron: string | null; projectUrl: string }): Promise<BackupSchedule>;
  getSchedule(sql: Sql): Promise<BackupSchedule>;
  readCronSecret(sql: Sql): Promise<string | null>;
}

export interface HandlerDeps {
  config: BackupConfig;
  sql: Sql;
  storage: StorageClient;
  /** null when AZURE_* are not set. */
  onedrive: (OneDriveClient & Pick<GraphClient, "probe">) | null;
  fetch: typeof fetch;
  schedule: ScheduleApi;
  /** Keeps background work alive after the response (EdgeRuntime.waitUntil on Supabase). */
  waitUntil?: (promise: Promise<unknown>) => void;
  pipeline: Omit<PipelineDeps, "config" | "sql" | "storage" | "onedrive" | "fetch">;
  now?: () => Date;
}

const ACTIONS = ["run", "test", "status", "schedule", "download"] as const;
type Action = typeof ACTIONS[number];

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type, x-backup-secret",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-max-age": "86400",
};

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json; charset=utf-8", ...extra },
  });
}

const fail = (status: number, error: string, extra: Record<string, unknown> = {}) =>
  json(status, { error, ...extra });

/** Largest request body accepted: every action's JSON fits in a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

const tooLarge = () =>
  fail(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes; send only {"action": …}`);

/** A declared Content-Length over the limit is refused from the headers alone, before anything else. */
function declaredLengthProblem(request: Request): Response | null {
  const declared = request.headers.get("content-length");
  if (declared === null) return null;
  if (!/^\s*\d+\s*$/.test(declared)) {
    return fail(400, "Invalid request: the Content-Length header is not a number");
  }
  return Number(declared) > MAX_BODY_BYTES ? tooLarge() : null;
}

/**
 * Reads at most MAX_BODY_BYTES of the body (a chunked body has no length to check up front): past the
 * limit the stream is cancelled and the request refused, so a huge body is never buffered.
 */
async function readBody(
  request: Request,
): Promise<{ body: Record<string, unknown> } | { response: Response }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        return { response: tooLarge() };
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return { body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { response: fail(400, 'Invalid request body: expected JSON such as {"action": "run"}') };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { response: fail(400, 'Invalid request body: expected a JSON object such as {"action": "run"}') };
  }
  return { body: parsed as Record<string, unknown> };
}

export function createHandler(deps: HandlerDeps): (request: Request) => Promise<Response> {
  const { config, sql } = deps;
  const now = deps.now ?? (() => new Date());
  const redact = deps.pipeline.redact;
  const pipelineDeps: PipelineDeps = {
    ...deps.pipeline,
    config,
    sql,
    storage: deps.storage,
    onedrive: deps.onedrive,
    fetch: deps.fetch,
  };

  // The folder's name costs a Graph call: keep it for a while (failures for a shorter while).
  let folderCache: { name: string | null; expires: number } | null = null;
  async function folderName(): Promise<string | null> {
    const dest = destinationOf(config.destination);
    if (!deps.onedrive || !dest) return null;
    const t = now().getTime();
    if (folderCache && folderCache.expires > t) return folderCache.name;
    try {
      const folder = await Promise.race([
        deps.onedrive.resolveFolder(dest),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), 5000)),
      ]);
      folderCache = { name: folder.name, expires: t + 10 * 60_000 };
    } catch {
      folderCache = { name: null, expires: t + 60_000 };
    }
    return folderCache.name;
  }

  // A too-short BACKUP_CRON_SECRET is a configuration problem and never a key.
  const fixedCronSecret = config.cronSecret && config.cronSecret.length >= MIN_CRON_SECRET_LENGTH
    ? config.cronSecret
    : null;

  async function schedulerSecrets(): Promise<string[]> {
    const out: string[] = [];
    if (fixedCronSecret) out.push(fixedCronSecret);
    const vault = await deps.schedule.readCronSecret(sql).catch((error) => {
      // Without a Vault secret the fixed one may still be enough.
      if (out.length) return null;
      throw error;
    });
    if (vault) out.push(vault);
    return out;
  }

  async function run(caller: Caller): Promise<Response> {
    if (!config.dbUrl) return fail(500, `Cannot start the backup: ${describeProblems(config.problems)}`);
    const params = caller.kind === "user"
      ? { trigger: "manual" as const, requestedBy: caller.userId, rateLimited: true }
      : { trigger: "schedule" as const, requestedBy: null, rateLimited: true };
    let started;
    try {
      started = await startBackup(pipelineDeps, params);
    } catch (error) {
      return fail(
        503,
        redact(
          `Cannot start the backup: the database is unreachable or not migrated (${errorMessage(error)})`,
        ),
      );
    }
    if (started.kind === "rate_limited") {
      const limited = rateLimitedResponse(started);
      return json(limited.status, limited.body, limited.headers);
    }
    if (started.kind === "busy") {
      return fail(409, "A backup is already running: wait for it to finish", { run_id: started.runningId });
    }
    const done = started.done.catch((error) =>
      deps.pipeline.log(redact(`Run ${started.runId} ended with an unexpected error: ${errorMessage(error)}`))
    );
    deps.waitUntil?.(done);
    return json(202, { run_id: started.runId, status: "running" });
  }

  async function status(): Promise<Response> {
    await reapAndAlert(pipelineDeps).catch((error) =>
      deps.pipeline.log(redact(`Cannot check for abandoned runs: ${errorMessage(error)}`))
    );
    let schedule: BackupSchedule = { cron: null, next_run_at: null, timezone: "UTC" };
    let scheduleError: string | null = null;
    try {
      schedule = await deps.schedule.getSchedule(sql);
    } catch (error) {
      scheduleError = redact(errorMessage(error));
    }
    const vaultSecret = await deps.schedule.readCronSecret(sql).catch(() => null);
    const dest = config.destination;
    return json(200, {
      configured: {
        azure: config.azure !== null,
        destination: dest !== null,
        alert_webhook: config.alertWebhookUrl !== null,
        alert_email: config.alertEmails.length > 0 && config.alertSender !== null,
        cron_secret: fixedCronSecret !== null || vaultSecret !== null,
      },
      destination: { kind: dest?.kind ?? null, folder_name: await folderName() },
      onedrive_enabled: config.azure !== null && dest !== null,
      compression: config.compression,
      retention_count: config.retention.keepAll ? 0 : config.retention.keepLast,
      retention: retentionStatus(config.retention),
      schemas: config.schemas,
      schedule,
      ...(scheduleError ? { schedule_error: scheduleError } : {}),
      config_problems: config.problems.map((p) => ({ variable: p.variable, message: redact(p.message) })),
    });
  }

  async function test(): Promise<Response> {
    const checks: Array<{ name: string; ok: boolean; message: string }> = [];
    checks.push(
      config.problems.length
        ? { name: "configuration", ok: false, message: describeProblems(config.problems) }
        : { name: "configuration", ok: true, message: "Every setting is valid" },
    );
    try {
      const [row] = await sql<Array<{ version: string; runs: string | null }>>`
        select current_setting('server_version') as version, to_regclass('public.backup_runs')::text as runs`;
      checks.push(
        row.runs ? { name: "database", ok: true, message: `Connected to PostgreSQL ${row.version}` } : {
          name: "database",
          ok: false,
          message: "Cannot find the table public.backup_runs: apply the project's migrations",
        },
      );
    } catch (error) {
      checks.push({
        name: "database",
        ok: false,
        message: `Cannot connect to the database: ${errorMessage(error)}`,
      });
    }
    try {
      const bucket = await deps.storage.bucketInfo();
      checks.push(
        bucket?.public
          ? {
            name: "storage",
            ok: false,
            message: `Cannot use Storage: ${publicBucketMessage(deps.storage.bucket)}`,
          }
          : bucket
          ? {
            name: "storage",
            ok: true,
            message: `The Storage bucket "${deps.storage.bucket}" exists and is private`,
          }
          : {
            name: "storage",
            ok: false,
            message:
              `Cannot find the Storage bucket "${deps.storage.bucket}": apply the project's migrations`,
          },
      );
    } catch (error) {
      checks.push({ name: "storage", ok: false, message: errorMessage(error) });
    }
    const dest = destinationOf(config.destination);
    if (deps.onedrive && dest) {
      try {
        checks.push(...await deps.onedrive.probe(dest));
      } catch (error) {
        checks.push({ name: "onedrive", ok: false, message: errorMessage(error) });
      }
    } else if (config.problems.some((p) => /^(AZURE|ONEDRIVE|GRAPH)_/.test(p.variable))) {
      checks.push({
        name: "onedrive",
        ok: false,
        message: "Cannot check OneDrive: fix the OneDrive settings listed under configuration first",
      });
    } else {
      checks.push({
        name: "onedrive",
        ok: true,
        message:
          "OneDrive is not configured: backups go to Supabase Storage only (set AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and ONEDRIVE_BACKUP_LINK to add it)",
      });
    }
    return json(200, { checks: checks.map((c) => ({ ...c, message: redact(c.message) })) });
  }

  async function schedule(body: Record<string, unknown>): Promise<Response> {
    if (!("cron" in body) || (body.cron !== null && typeof body.cron !== "string")) {
      return fail(
        400,
        'Invalid schedule: send {"action": "schedule", "cron": "0 2 * * *"}, or "cron": null to remove it',
      );
    }
    try {
      const result = await deps.schedule.setSchedule(sql, {
        cron: body.cron as string | null,
        projectUrl: config.supabaseUrl,
      });
      return json(200, result);
    } catch (error) {
      const code = (error as { code?: string })?.code;
      const message = redact(errorMessage(error));
      if (code === "invalid_schedule") return fail(400, message);
      if (code === "scheduler_unavailable") return fail(503, message);
      return fail(500, message);
    }
  }

  async function download(caller: Caller, body: Record<string, unknown>): Promise<Response> {
    if (caller.kind !== "user") return fail(403, "Not allowed: only an admin may download a backup");
    try {
      const outcome = await createDownload({ sql, storage: deps.storage, now }, {
        runId: body.run_id,
        userId: caller.userId,
      });
      if (!outcome.ok) return fail(outcome.status, outcome.error);
      const { ok: _ok, ...answer } = outcome;
      return json(200, answer);
    } catch (error) {
      if (error instanceof BackupError && error.code === "storage_missing") {
        return fail(404, redact(error.message));
      }
      throw error;
    }
  }

  return async (request: Request): Promise<Response> => {
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
    if (request.method !== "POST") {
      return json(405, { error: `Method ${request.method} not allowed: use POST` }, {
        allow: "POST, OPTIONS",
      });
    }
    const declared = declaredLengthProblem(request);
    if (declared) return declared;
    let action: unknown = "run";
    try {
      // Who is calling comes from the headers alone: an unknown caller's body is never read.
      const caller = await authenticateCaller(request, {
        fetch: deps.fetch,
        supabaseUrl: config.supabaseUrl,
        apiKey: config.serviceKey,
        sql,
        schedulerSecrets,
      });
      if (caller.kind === "denied") return fail(caller.status, caller.error);
      const parsed = await readBody(request);
      if ("response" in parsed) return parsed.response;
      action = parsed.body.action ?? "run";
      if (typeof action !== "string" || !ACTIONS.includes(action as Action)) {
        return fail(
          400,
          `Invalid action ${JSON.stringify(action)}: use "run", "test", "status", "schedule" or "download"`,
        );
      }
      if (caller.kind === "scheduler" && action !== "run") {
        return fail(403, `Not allowed: the scheduler secret only starts backups, not "${action}"`);
      }
      switch (action as Action) {
        case "run":
          return await run(caller);
        case "status":
          return await status();
        case "test":
          return await test();
        case "schedule":
          return await schedule(parsed.body);
        case "download":
          return await download(caller, parsed.body);
      }
    } catch (error) {
      deps.pipeline.log(redact(`Unexpected error in "${action}": ${errorMessage(error)}`));
      return fail(500, redact(`Cannot complete "${action}": ${errorMessage(error)}`));
    }
  };
}

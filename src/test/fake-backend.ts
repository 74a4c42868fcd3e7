// A fake of the Supabase HTTP endpoints the app calls, installed as the global fetch so the real
// supabase-js client (and so the real data layer) runs in component tests. Requests it does not know
// fail the test loudly.
import { vi } from "vitest";
import type { StatusResponse, TestResponse } from "@contract";
import type { BackupRun } from "@/data/backups/types";

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export interface FakeBackendOptions {
  runs?: BackupRun[];
  /** Answer of rpc/can_manage_backups, or an error reply. */
  canManage?: boolean | Reply;
  status?: StatusResponse;
  /** Overrides the reply to a function action; return undefined to use the default. */
  onFunction?: (action: string, body: Record<string, unknown>) => Reply | undefined;
  /** Accounts accepted by the password sign-in. */
  users?: Array<{ id: string; email: string; password: string }>;
  /** Overrides the reply to a REST read of backup_runs. */
  onRuns?: (url: URL) => Reply | undefined;
}

export const SUPABASE_URL = "http://supabase.test";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

export function makeRun(overrides: Partial<BackupRun> = {}): BackupRun {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    trigger: "manual",
    requested_by: "user-admin",
    status: "success",
    phase: null,
    started_at: "2026-11-24T10:00:00.000Z",
    heartbeat_at: "2026-11-24T10:01:05.000Z",
    finished_at: "2026-11-24T10:01:05.000Z",
    file_name: "backup-2026-11-24T10-00-00Z.json.gz",
    size_bytes: 15_300_000,
    row_count: 34_567,
    table_count: 4,
    tables: [
      { schema: "public", name: "owners", rows: 2_000 },
      { schema: "public", name: "dogs", rows: 3_567 },
      { schema: "public", name: "contracts", rows: 9_000 },
      { schema: "public", name: "payments", rows: 20_000 },
    ],
    sha256: "9f2c4e0d1b7a5c3e8f6a4b2d0c9e7f5a3b1d8c6e4f2a0b9c7d5e3f1a8b6c4d2e",
    quick_xor_hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    // Each run's Storage copy is in its own folder: `<run id>/<file name>`.
    storage_path: "00000000-0000-4000-8000-000000000001/backup-2026-11-24T10-00-00Z.json.gz",
    storage_status: "success",
    onedrive_status: "success",
    onedrive_item_id: "01ITEM",
    onedrive_web_url: "https://contoso.sharepoint.com/backups/backup-2026-11-24T10-00-00Z.json.gz",
    bytes_uploaded: 15_300_000,
    error: null,
    error_code: null,
    storage_deleted_at: null,
    onedrive_deleted_at: null,
    onedrive_drive_id: null,
    ...overrides,
  };
}

export function makeStatus(overrides: Partial<StatusResponse> = {}): StatusResponse {
  return {
    configured: {
      azure: true,
      destination: true,
      alert_webhook: false,
      alert_email: true,
      cron_secret: true,
    },
    destination: { kind: "link", folder_name: "Sauvegardes" },
    onedrive_enabled: true,
    compression: "gzip",
    retention_count: 3,
    retention: { keep_all: false, keep_last: 3, daily: 7, weekly: 4, monthly: 12, min_age_days: 7 },
    schemas: ["public"],
    schedule: { cron: "0 1 * * *", next_run_at: "2026-11-25T01:00:00.000Z", timezone: "UTC" },
    ...overrides,
  };
}

export function installFakeBackend(options: FakeBackendOptions = {}) {
  const requests: RecordedRequest[] = [];
  const state = {
    runs: [...(options.runs ?? [])],
    status: options.status ?? makeStatus(),
    checks: [
      { name: "token", ok: true, message: "Token issued for tenant contoso" },
      { name: "folder", ok: false, message: 'Cannot resolve OneDrive folder "Sauvegardes": access denied' },
    ] satisfies TestResponse["checks"],
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    requests.push({ method: request.method, url, headers: request.headers, body });

    if (url.pathname === "/rest/v1/rpc/can_manage_backups") {
      const answer = options.canManage ?? true;
      return typeof answer === "boolean" ? json(200, answer) : json(answer.status, answer.body);
    }

    if (url.pathname === "/rest/v1/backup_runs" && request.method === "GET") {
      const override = options.onRuns?.(url);
      if (override) return json(override.status, override.body, override.headers);
      const sorted = [...state.runs].sort((a, b) => b.started_at.localeCompare(a.started_at));
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? sorted.length);
      const page = sorted.slice(offset, offset + limit);
      const headers: Record<string, string> = {};
      if (request.headers.get("prefer")?.includes("count=exact")) {
        headers["content-range"] = page.length
          ? `${offset}-${offset + page.length - 1}/${sorted.length}`
          : `*/${sorted.length}`;
      }
      return json(200, page, headers);
    }

    if (url.pathname === "/functions/v1/auto-backup" && request.method === "POST") {
      const payload = (body ?? {}) as Record<string, unknown>;
      const action = typeof payload.action === "string" ? payload.action : "run";
      const override = options.onFunction?.(action, payload);
      if (override) return json(override.status, override.body, override.headers);
      switch (action) {
        case "status":
          return json(200, state.status);
        case "test":
          return json(200, { checks: state.checks });
        case "schedule": {
          const cron = (payload.cron as string | null) ?? null;
          state.status = {
            ...state.status,
            schedule: { cron, next_run_at: cron ? "2026-11-30T23:30:00.000Z" : null, timezone: "UTC" },
          };
          return json(200, state.status.schedule);
        }
        case "download": {
          const run = state.runs.find((r) => r.id === payload.run_id);
          if (!run?.storage_path || run.storage_status !== "success") {
            return json(404, { error: `Cannot download run ${String(payload.run_id)}: no such backup run` });
          }
          if (run.storage_deleted_at) {
            return json(409, {
              error: `Cannot download run ${run.id}: its Storage copy "${run.file_name}" was deleted by retention on ${run.storage_deleted_at}`,
            });
          }
          return json(200, {
            url: `http://supabase.test/storage/v1/object/sign/backups/${run.storage_path}?token=signed-token&download=${run.file_name}`,
            file_name: run.file_name,
            expires_at: new Date(Date.now() + 300_000).toISOString(),
            expires_in: 300,
          });
        }
        case "run": {
          if (state.runs.some((run) => run.status === "running")) {
            const running = state.runs.find((run) => run.status === "running");
            return json(409, { error: "A backup is already running", run_id: running?.id });
          }
          const run = makeRun({
            id: `run-${state.runs.length + 1}`,
            status: "running",
            phase: "exporting",
            started_at: new Date().toISOString(),
            finished_at: null,
            storage_status: "pending",
            onedrive_status: "pending",
            bytes_uploaded: null,
          });
          state.runs.push(run);
          return json(202, { run_id: run.id, status: "running" });
        }
      }
    }

    if (url.pathname === "/auth/v1/token" && url.searchParams.get("grant_type") === "password") {
      const { email, password } = (body ?? {}) as { email?: string; password?: string };
      const user = (options.users ?? []).find((u) => u.email === email && u.password === password);
      if (!user) {
        return json(400, {
          code: "invalid_credentials",
          error_code: "invalid_credentials",
          msg: "Invalid login credentials",
        });
      }
      const now = Math.floor(Date.now() / 1000);
      return json(200, {
        access_token: `token-${user.id}`,
        token_type: "bearer",
        expires_in: 3600,
        expires_at: now + 3600,
        refresh_token: `refresh-${user.id}`,
        user: {
          id: user.id,
          aud: "authenticated",
          role: "authenticated",
          email,
          app_metadata: {},
          user_metadata: {},
          created_at: "2026-01-01T00:00:00Z",
        },
      });
    }

    if (url.pathname === "/auth/v1/logout") return new Response(null, { status: 204 });

    throw new Error(`Fake backend: unexpected request ${request.method} ${url.pathname}${url.search}`);
  };

  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) => handle(new Request(input, init)));
  vi.stubGlobal("fetch", fetchMock);
  return { requests, state, fetchMock };
}

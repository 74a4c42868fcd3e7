/**
 * What the HTTP handler is given: everything is injected, so tests drive it with real or fake parts alike.
 */
import type { BackupConfig } from "../lib/config.ts";
import type { Sql } from "../lib/db.ts";
import type { OneDriveClient, PipelineDeps } from "../run/pipeline.ts";
import type { BackupSchedule } from "../schedule/schedule.ts";
import type { StorageClient } from "../destinations/storage.ts";
import type { GraphClient } from "../../graph/types.ts";

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

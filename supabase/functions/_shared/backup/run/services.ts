/**
 * Builds the backup's collaborators from an environment: configuration, database, Storage client,
 * Graph client (only when AZURE_* are set), redactor. The edge function and `npm run backup` both
 * start here, so they run the same pipeline with the same settings.
 */
import { createGraphClient } from "../../graph/client.ts";
import type { GraphClient } from "../../graph/types.ts";
import { type BackupConfig, type Env, parseConfig, secretValues } from "../lib/config.ts";
import { connectDatabase, type Sql } from "../lib/db.ts";
import type { PipelineDeps } from "./pipeline.ts";
import { createRedactor, type Redactor } from "../lib/redact.ts";
import { realSleep, type Sleep } from "../lib/retry.ts";
import { createStorageClient, type StorageClient } from "../destinations/storage.ts";

export interface BackupServices {
  config: BackupConfig;
  sql: Sql;
  storage: StorageClient;
  onedrive: GraphClient | null;
  redact: Redactor;
  pipeline: PipelineDeps;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  fetch?: typeof fetch;
  sleep?: Sleep;
  now?: () => Date;
  log?: (message: string) => void;
  applicationName?: string;
  /** Database pool size; the CLI needs few, the function a few more (status calls during a run). */
  maxConnections?: number;
}

export function createBackupServices(env: Env, overrides: ServiceOverrides = {}): BackupServices {
  const config = parseConfig(env);
  const doFetch = overrides.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const sleep = overrides.sleep ?? realSleep;
  const redact = createRedactor(secretValues(config));
  const rawLog = overrides.log ?? ((message: string) => console.log(message));
  const log = (message: string) => rawLog(redact(message));
  const sql = connectDatabase(config.dbUrl || "postgres://invalid.invalid/unset", {
    max: overrides.maxConnections ?? 4,
    applicationName: overrides.applicationName ?? "auto-backup",
  });
  const timeoutMs = config.requestTimeoutSeconds === null ? undefined : config.requestTimeoutSeconds * 1000;
  const storage = createStorageClient({
    supabaseUrl: config.supabaseUrl,
    serviceKey: config.serviceKey,
    fetch: doFetch,
    sleep,
    timeoutMs,
    uploadTimeoutMs: timeoutMs,
  });
  const onedrive = config.azure
    ? createGraphClient({
      tenantId: config.azure.tenantId,
      clientId: config.azure.clientId,
      clientSecret: config.azure.clientSecret,
      authorityHost: config.azure.authorityHost,
      graphBaseUrl: config.azure.graphBaseUrl,
      uploadOrigins: config.azure.uploadOrigins,
      fetch: doFetch,
      sleep,
      log,
      ...(timeoutMs === undefined ? {} : { retry: { timeoutMs } }),
    })
    : null;
  const pipeline: PipelineDeps = {
    config,
    sql,
    storage,
    onedrive,
    fetch: doFetch,
    sleep,
    now: overrides.now ?? (() => new Date()),
    redact,
    log,
  };
  return {
    config,
    sql,
    storage,
    onedrive,
    redact,
    pipeline,
    close: () => sql.end({ timeout: 5 }),
  };
}

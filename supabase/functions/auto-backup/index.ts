/**
 * The `auto-backup` edge function: wiring only (docs/design.md §4). The logic lives in _shared/backup.
 */
import { installDriverCrashGuard } from "../_shared/backup/lib/driver-guard.ts";
import { createHandler } from "../_shared/backup/http/handler.ts";
import { getSchedule, readCronSecret, setSchedule } from "../_shared/backup/schedule/schedule.ts";
import { createBackupServices } from "../_shared/backup/run/services.ts";

declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } | undefined;

const services = createBackupServices(Deno.env.toObject(), { applicationName: "auto-backup-function" });
installDriverCrashGuard(services.pipeline.log);

Deno.serve(createHandler({
  config: services.config,
  sql: services.sql,
  storage: services.storage,
  onedrive: services.onedrive,
  fetch: services.pipeline.fetch,
  schedule: { setSchedule, getSchedule, readCronSecret },
  waitUntil: typeof EdgeRuntime !== "undefined" ? (p) => EdgeRuntime!.waitUntil(p) : undefined,
  pipeline: services.pipeline,
}));

/**
 * `status`: what is configured (never the values), the destination folder's name, retention, the
 * schedule. It also reaps a run whose function died, so the page never shows a ghost run as running.
 */
import { errorMessage } from "../../lib/errors.ts";
import { reapAndAlert } from "../../run/pipeline.ts";
import { retentionStatus } from "../../run/retention-plan.ts";
import type { BackupSchedule, StatusResponse } from "../contract.ts";
import { json } from "../respond.ts";
import type { ActionContext } from "./context.ts";

async function readSchedule(ctx: ActionContext): Promise<{ schedule: BackupSchedule; error: string | null }> {
  try {
    return { schedule: await ctx.deps.schedule.getSchedule(ctx.deps.sql), error: null };
  } catch (error) {
    return {
      schedule: { cron: null, next_run_at: null, timezone: "UTC" },
      error: ctx.redact(errorMessage(error)),
    };
  }
}

export async function statusAction(ctx: ActionContext): Promise<Response> {
  const { config, deps, redact } = ctx;
  await reapAndAlert(ctx.pipeline).catch((error) =>
    ctx.pipeline.log(redact(`Cannot check for abandoned runs: ${errorMessage(error)}`))
  );
  const { schedule, error: scheduleError } = await readSchedule(ctx);
  const vaultSecret = await deps.schedule.readCronSecret(deps.sql).catch(() => null);
  const dest = config.destination;
  return json<StatusResponse>(200, {
    configured: {
      azure: config.azure !== null,
      destination: dest !== null,
      alert_webhook: config.alertWebhookUrl !== null,
      alert_email: config.alertEmails.length > 0 && config.alertSender !== null,
      cron_secret: ctx.fixedCronSecret !== null || vaultSecret !== null,
    },
    destination: { kind: dest?.kind ?? null, folder_name: await ctx.folderName() },
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

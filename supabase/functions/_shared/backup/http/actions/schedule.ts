/**
 * `schedule`: sets or removes the pg_cron job and answers the schedule as saved (a bare BackupSchedule).
 * The schedule module's error codes choose the status: the caller's mistake is 400, a database without
 * pg_cron, pg_net or Vault is 503.
 */
import { errorMessage } from "../../lib/errors.ts";
import type { ScheduleResponse } from "../contract.ts";
import { fail, json } from "../respond.ts";
import type { ActionContext } from "./context.ts";

export async function scheduleAction(ctx: ActionContext, body: Record<string, unknown>): Promise<Response> {
  if (!("cron" in body) || (body.cron !== null && typeof body.cron !== "string")) {
    return fail(
      400,
      'Invalid schedule: send {"action": "schedule", "cron": "0 2 * * *"}, or "cron": null to remove it',
    );
  }
  try {
    const result = await ctx.deps.schedule.setSchedule(ctx.deps.sql, {
      cron: body.cron as string | null,
      projectUrl: ctx.config.supabaseUrl,
    });
    return json<ScheduleResponse>(200, result);
  } catch (error) {
    const code = (error as { code?: string })?.code;
    const message = ctx.redact(errorMessage(error));
    if (code === "invalid_schedule") return fail(400, message);
    if (code === "scheduler_unavailable") return fail(503, message);
    return fail(500, message);
  }
}

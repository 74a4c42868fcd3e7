/**
 * Errors of the `schedule` action, with a code so the HTTP handler can choose the status without parsing
 * messages: `invalid_schedule` is the caller's mistake (400); `invalid_project_url` is a configuration
 * problem of the function (SUPABASE_URL); `scheduler_unavailable` means pg_cron, pg_net or Vault is missing
 * from the database, which the project owner fixes by enabling the extension.
 */
import type { ScheduleErrorCode } from "../http/contract.ts";
export type { ScheduleErrorCode };

export class ScheduleError extends Error {
  readonly code: ScheduleErrorCode;

  constructor(code: ScheduleErrorCode, message: string) {
    super(message);
    this.name = "ScheduleError";
    this.code = code;
  }
}

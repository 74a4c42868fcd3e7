/**
 * `download`: an admin (never the scheduler) gets a short-lived signed URL of one run's Storage copy
 * (../download.ts checks the run and records the URL handed out).
 */
import { BackupError } from "../../lib/errors.ts";
import type { Caller } from "../auth.ts";
import type { DownloadResponse } from "../contract.ts";
import { createDownload } from "../download.ts";
import { fail, json } from "../respond.ts";
import type { ActionContext } from "./context.ts";

export async function downloadAction(
  ctx: ActionContext,
  caller: Caller,
  body: Record<string, unknown>,
): Promise<Response> {
  if (caller.kind !== "user") return fail(403, "Not allowed: only an admin may download a backup");
  try {
    const outcome = await createDownload({ sql: ctx.deps.sql, storage: ctx.deps.storage, now: ctx.now }, {
      runId: body.run_id,
      userId: caller.userId,
    });
    if (!outcome.ok) return fail(outcome.status, outcome.error);
    const { ok: _ok, ...answer } = outcome;
    return json<DownloadResponse>(200, answer);
  } catch (error) {
    if (error instanceof BackupError && error.code === "storage_missing") {
      return fail(404, ctx.redact(error.message));
    }
    throw error;
  }
}

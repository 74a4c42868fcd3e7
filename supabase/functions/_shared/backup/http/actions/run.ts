/**
 * `run`: starts a backup in the background and answers 202 at once; 409 while one runs, 429 too soon
 * after the previous one, 503 when the database cannot record it.
 */
import { describeProblems } from "../../lib/config.ts";
import { errorMessage } from "../../lib/errors.ts";
import { startBackup } from "../../run/pipeline.ts";
import type { Caller } from "../auth.ts";
import type { RunStartedResponse } from "../contract.ts";
import { fail, json } from "../respond.ts";
import { rateLimitedResponse } from "../run-rate-limit.ts";
import type { ActionContext } from "./context.ts";

export async function runAction(ctx: ActionContext, caller: Caller): Promise<Response> {
  const { config, redact } = ctx;
  if (!config.dbUrl) return fail(500, `Cannot start the backup: ${describeProblems(config.problems)}`);
  const params = caller.kind === "user"
    ? { trigger: "manual" as const, requestedBy: caller.userId, rateLimited: true }
    : { trigger: "schedule" as const, requestedBy: null, rateLimited: true };
  let started;
  try {
    started = await startBackup(ctx.pipeline, params);
  } catch (error) {
    return fail(
      503,
      redact(`Cannot start the backup: the database is unreachable or not migrated (${errorMessage(error)})`),
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
    ctx.pipeline.log(redact(`Run ${started.runId} ended with an unexpected error: ${errorMessage(error)}`))
  );
  ctx.deps.waitUntil?.(done);
  return json<RunStartedResponse>(202, { run_id: started.runId, status: "running" });
}

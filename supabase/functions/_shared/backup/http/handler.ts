/**
 * The HTTP entry of the `auto-backup` function (docs/design.md §4; types in contract.ts): CORS, methods,
 * the body's size, who is calling, then one action per module under actions/. It only routes.
 */
import { authenticateCaller, type Caller } from "./auth.ts";
import { errorMessage } from "../lib/errors.ts";
import type { BackupAction } from "./contract.ts";
import type { HandlerDeps } from "./handler-deps.ts";
import { CORS_HEADERS, fail } from "./respond.ts";
import { declaredLengthProblem, readBody } from "./request-body.ts";
import { type ActionContext, createActionContext } from "./actions/context.ts";
import { runAction } from "./actions/run.ts";
import { statusAction } from "./actions/status.ts";
import { testAction } from "./actions/test-checks.ts";
import { scheduleAction } from "./actions/schedule.ts";
import { downloadAction } from "./actions/download.ts";

export type { HandlerDeps, ScheduleApi } from "./handler-deps.ts";
export { MAX_BODY_BYTES } from "./request-body.ts";

type ActionHandler = (ctx: ActionContext, caller: Caller, body: Record<string, unknown>) => Promise<Response>;

const ACTIONS: Record<BackupAction, ActionHandler> = {
  run: (ctx, caller) => runAction(ctx, caller),
  test: (ctx) => testAction(ctx),
  status: (ctx) => statusAction(ctx),
  schedule: (ctx, _caller, body) => scheduleAction(ctx, body),
  download: (ctx, caller, body) => downloadAction(ctx, caller, body),
};

const isAction = (action: unknown): action is BackupAction =>
  typeof action === "string" && Object.hasOwn(ACTIONS, action);

/**
 * A caller's value quoted in an error, at most 60 characters. Never throws: 16 KiB of nested arrays
 * overflows JSON.stringify's stack on the hosted runtime's V8 (Deno 2.1), which must not turn a bad
 * request into a 500.
 */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? "[…]" : "{…}";
  }
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
/** Who may call, with what body, for which action: the answer refusing the request, or what to run. */
async function admit(
  ctx: ActionContext,
  request: Request,
): Promise<{ response: Response } | { caller: Caller; action: BackupAction; body: Record<string, unknown> }> {
  // Who is calling comes from the headers alone: an unknown caller's body is never read.
  const caller = await authenticateCaller(request, {
    fetch: ctx.deps.fetch,
    supabaseUrl: ctx.config.supabaseUrl,
    apiKey: ctx.config.serviceKey,
    sql: ctx.deps.sql,
    schedulerSecrets: ctx.schedulerSecrets,
  });
  if (caller.kind === "denied") return { response: fail(caller.status, caller.error) };
  const parsed = await readBody(request);
  if ("response" in parsed) return parsed;
  const action = parsed.body.action ?? "run";
  if (!isAction(action)) {
    return {
      response: fail(
        400,
        `Invalid action ${preview(action)}: use "run", "test", "status", "schedule" or "download"`,
      ),
    };
  }
  if (caller.kind === "scheduler" && action !== "run") {
    return { response: fail(403, `Not allowed: the scheduler secret only starts backups, not "${action}"`) };
  }
  return { caller, action, body: parsed.body };
}

export function createHandler(deps: HandlerDeps): (request: Request) => Promise<Response> {
  const ctx = createActionContext(deps);
  return async (request: Request): Promise<Response> => {
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
    if (request.method !== "POST") {
      return fail(405, `Method ${request.method} not allowed: use POST`, {}, { allow: "POST, OPTIONS" });
    }
    const declared = declaredLengthProblem(request);
    if (declared) return declared;
    let action = "run";
    try {
      const admitted = await admit(ctx, request);
      if ("response" in admitted) return admitted.response;
      action = admitted.action;
      return await ACTIONS[admitted.action](ctx, admitted.caller, admitted.body);
    } catch (error) {
      deps.pipeline.log(ctx.redact(`Unexpected error in "${action}": ${errorMessage(error)}`));
      return fail(500, ctx.redact(`Cannot complete "${action}": ${errorMessage(error)}`));
    }
  };
}

/**
 * The answer to a `run` that came too soon after the previous one (runs.ts enforces the limit in the
 * database): HTTP 429, error code `rate_limited`, when to retry in the message, the body and the
 * standard Retry-After header.
 */
import { MIN_RUN_INTERVAL_SECONDS } from "../run/runs.ts";
import type { ErrorResponse } from "./contract.ts";

export interface RateLimited {
  lastActivityAt: Date;
  retryAfterSeconds: number;
}

export function rateLimitedMessage(limit: RateLimited): string {
  const at = limit.lastActivityAt.toISOString().slice(11, 19);
  return `Cannot start a backup yet: the previous run started or ended at ${at} UTC, less than ${MIN_RUN_INTERVAL_SECONDS} s ago; try again in ${limit.retryAfterSeconds} s`;
}

export function rateLimitedResponse(limit: RateLimited): {
  status: 429;
  body: ErrorResponse & { error_code: "rate_limited"; retry_after_seconds: number };
  headers: Record<string, string>;
} {
  return {
    status: 429,
    body: {
      error: rateLimitedMessage(limit),
      error_code: "rate_limited",
      retry_after_seconds: limit.retryAfterSeconds,
    },
    headers: { "retry-after": String(limit.retryAfterSeconds) },
  };
}

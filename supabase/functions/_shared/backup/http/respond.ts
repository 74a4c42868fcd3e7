/**
 * Every answer of the function: JSON with the CORS headers a browser needs, typed by the contract.
 */
import type { ErrorResponse } from "./contract.ts";

export const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type, x-backup-secret",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-max-age": "86400",
};

/** A JSON answer; actions pass their contract type, so the body cannot drift from what the page reads. */
export function json<T>(status: number, body: T, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json; charset=utf-8", ...extra },
  });
}

/** An error answer: `{error, …}` with the contract's optional fields (error_code, run_id, …). */
export function fail(
  status: number,
  error: string,
  extra: Omit<ErrorResponse, "error"> = {},
  headers: Record<string, string> = {},
): Response {
  return json<ErrorResponse>(status, { error, ...extra }, headers);
}

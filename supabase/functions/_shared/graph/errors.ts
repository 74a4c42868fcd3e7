/**
 * Errors of the Graph client. `code` is machine-readable (stored in `backup_runs.error_code`), `message` tells
 * an admin what to fix. Messages never contain secrets, access tokens or upload URLs: they are built from
 * our own words plus Graph's error code and (sanitised) message.
 */

// The codes are part of the function's HTTP contract, declared there once.
import type { GraphErrorCode } from "../backup/http/contract.ts";
export type { GraphErrorCode };

export class GraphError extends Error {
  override readonly name = "GraphError";
  readonly code: GraphErrorCode;
  /** HTTP status of the response that caused the error; 0 when there was none (network, validation). */
  readonly status: number;
  /** Graph's own error code (`error.code`), when the service gave one. */
  readonly graphCode?: string;
  /** Graph's `request-id`, for a support ticket. */
  readonly requestId?: string;

  constructor(
    code: GraphErrorCode,
    message: string,
    options: { status?: number; graphCode?: string; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.graphCode = options.graphCode;
    this.requestId = options.requestId;
  }
}

/** What a Graph, upload-host or identity error body says, whatever its shape. */
export interface ServiceErrorDetail {
  code?: string;
  message?: string;
  innerCode?: string;
  aadsts?: number;
  requestId?: string;
}

export function parseServiceError(body: unknown, headers?: Headers): ServiceErrorDetail {
  const detail: ServiceErrorDetail = { requestId: headers?.get("request-id") ?? undefined };
  if (!body || typeof body !== "object") return detail;
  const record = body as Record<string, unknown>;
  if (typeof record.error === "string") {
    // Identity platform: {error, error_description: "AADSTSnnnn: …", error_codes: [n]}
    detail.code = record.error;
    const description = typeof record.error_description === "string" ? record.error_description : "";
    detail.message = description.split(/\r?\n/)[0];
    const codes = Array.isArray(record.error_codes) ? record.error_codes : [];
    const fromDescription = /AADSTS(\d+)/.exec(description);
    detail.aadsts = typeof codes[0] === "number"
      ? codes[0]
      : fromDescription
      ? Number(fromDescription[1])
      : undefined;
    return detail;
  }
  if (record.error && typeof record.error === "object") {
    const error = record.error as Record<string, unknown>;
    detail.code = typeof error.code === "string" ? error.code : undefined;
    detail.message = typeof error.message === "string" ? error.message : undefined;
    // Graph uses `innerError`, the SharePoint upload host `innererror`.
    const inner = (error.innerError ?? error.innererror) as Record<string, unknown> | undefined;
    if (inner && typeof inner.code === "string") detail.innerCode = inner.code;
    if (inner && typeof inner["request-id"] === "string") detail.requestId ??= inner["request-id"];
  }
  return detail;
}

/**
 * Removes what must never reach a message or a log: bearer tokens, JWT-looking strings, URL query strings
 * (upload URLs carry a `tempauth` credential) and over-long text.
 */
export function sanitise(text: string | undefined, maxLength = 300): string {
  if (!text) return "";
  const cleaned = text
    .replace(/Bearer\s+\S+/gi, "Bearer [redacted]")
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, "[redacted token]")
    .replace(/(https?:\/\/[^\s?"']+)\?[^\s"']*/gi, "$1?[redacted]")
    .replace(/\s+/g, " ")
    .trim();
  return cleaned.length > maxLength ? `${cleaned.slice(0, maxLength - 1)}…` : cleaned;
}

/** ` (Graph error "code": message)` for the end of a message, or "" when the service said nothing. */
export function describeServiceError(detail: ServiceErrorDetail): string {
  if (!detail.code && !detail.message) return "";
  const code = detail.innerCode && detail.innerCode !== detail.code
    ? `${detail.code}/${detail.innerCode}`
    : detail.code;
  const message = sanitise(detail.message);
  return ` (Graph error "${code ?? "unknown"}"${message ? `: ${message}` : ""})`;
}

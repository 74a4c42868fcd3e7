// Request bodies and response shapes of the three emulated services. Error bodies follow the real ones:
// Graph wraps `{code, message, innerError: {date, request-id, client-request-id}}`, the SharePoint upload host
// uses a lowercase `innererror`, and the identity platform answers OAuth errors with AADSTS descriptions.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export class BodyTooLargeError extends Error {}

/** Reads a request body up to `limit` bytes; larger bodies throw BodyTooLargeError. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLargeError(`Request body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-length": "0", ...headers });
  res.end();
}

/** A Graph error (`innerError`, request ids in headers and body). */
export function sendGraphError(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  code: string,
  message: string,
  extra: { headers?: Record<string, string>; innerCode?: string } = {},
): void {
  const requestId = randomUUID();
  const clientRequestId = headerValue(req, "client-request-id") ?? requestId;
  sendJson(
    res,
    status,
    {
      error: {
        code,
        message,
        innerError: {
          ...(extra.innerCode ? { code: extra.innerCode } : {}),
          date: new Date().toISOString().replace(/\.\d+Z$/, ""),
          "request-id": requestId,
          "client-request-id": clientRequestId,
        },
      },
    },
    { "request-id": requestId, "client-request-id": clientRequestId, ...extra.headers },
  );
}

/** An error from the upload host (SharePoint `_api/v2.0`, lowercase `innererror`). */
export function sendUploadHostError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: { headers?: Record<string, string>; innerCode?: string } = {},
): void {
  sendJson(
    res,
    status,
    { error: { code, message, ...(extra.innerCode ? { innererror: { code: extra.innerCode } } : {}) } },
    extra.headers,
  );
}

/** An identity platform (Entra ID) OAuth error. */
export function sendIdentityError(
  res: ServerResponse,
  status: number,
  error: string,
  aadsts: number,
  description: string,
  authority: string,
): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  sendJson(res, status, {
    error,
    error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${authority}/error?code=${aadsts}`,
  });
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

// The upload host behind `uploadUrl` (SharePoint's `_api/v2.0/.../uploadSession?...&tempauth=…`). It is
// served on another loopback address, like the real host, and authenticates only through the URL:
// an Authorization header is refused, as SharePoint does.
import { appendFile, open, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  applyLeadingFault,
  type EmulatorContext,
  type HostHandler,
  type RequestNote,
  sendProcessed,
  type UploadSession,
} from "./emulator-context.ts";
import { driveItemJson, exceedsQuota, freeName, sendQuotaExceeded } from "./graph-service.ts";
import { readBody, sendEmpty, sendUploadHostError } from "./http-replies.ts";

/** Fragments must be multiples of 320 KiB, except the last one. */
export const FRAGMENT_UNIT = 320 * 1024;
/** Graph refuses fragments of 60 MiB or more. */
export const FRAGMENT_LIMIT = 60 * 1024 * 1024;

export const handleUploadRequest: HostHandler = async (context, pathname, url, req, res, note) => {
  const method = req.method ?? "GET";
  note.route = method === "PUT" ? "uploadFragment" : method === "GET" ? "uploadStatus" : "uploadCancel";
  if (
    !/^\/_api\/v2\.0\/drives\/[^/]+\/items\/[^/]+\/uploadSession$/.test(pathname) ||
    !["PUT", "GET", "DELETE"].includes(method)
  ) {
    return sendUploadHostError(res, 400, "invalidRequest", "Invalid request");
  }
  if (req.headers.authorization !== undefined) {
    // SharePoint's upload host rejects bearer tokens: the URL carries its own credential.
    return sendUploadHostError(
      res,
      401,
      "unauthenticated",
      "The upload URL must be called without an Authorization header: it carries its own credential.",
    );
  }
  const session = findSession(context, url.searchParams.get("guid"));
  if (session && url.searchParams.get("tempauth") !== session.tempauth) {
    return sendUploadHostError(res, 401, "unauthenticated", "Invalid or expired tempauth token.");
  }

  if (method === "PUT") return await putFragment(context, session, req, res, note);

  const fault = context.faults.take(note.route);
  if (fault) note.fault = fault.kind;
  if (fault?.kind === "dropSession" && session) dropSession(context, session);
  if (await applyLeadingFault(context, fault, req, res, "upload")) return;
  if (!session) return sessionNotFound(res);

  if (method === "GET") {
    return sendProcessed(req, res, "upload", fault, 200, sessionStatus(session));
  }
  dropSession(context, session);
  sendEmpty(res, 204);
};

function findSession(context: EmulatorContext, id: string | null): UploadSession | undefined {
  const session = id ? context.sessions.get(id) : undefined;
  if (session && session.expiresAt < Date.now()) {
    dropSession(context, session);
    return undefined;
  }
  return session;
}

function dropSession(context: EmulatorContext, session: UploadSession): void {
  context.sessions.delete(session.id);
  void rm(session.stagingFile, { force: true });
}

function sessionNotFound(res: ServerResponse): void {
  sendUploadHostError(
    res,
    404,
    "itemNotFound",
    "The upload session was not found: it expired, was cancelled or completed.",
  );
}

function sessionStatus(session: UploadSession): Record<string, unknown> {
  return {
    expirationDateTime: new Date(session.expiresAt).toISOString(),
    nextExpectedRanges: [`${session.received}-${session.total === null ? "" : session.total - 1}`],
  };
}

async function putFragment(
  context: EmulatorContext,
  session: UploadSession | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  note: RequestNote,
): Promise<void> {
  const rangeHeader = req.headers["content-range"];
  note.contentRange = rangeHeader;
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(rangeHeader ?? "");
  const start = range ? Number(range[1]) : NaN;
  const end = range ? Number(range[2]) : NaN;
  const total = range ? Number(range[3]) : NaN;
  const lastFragment = range ? end === total - 1 : undefined;

  const fault = context.faults.take("uploadFragment", { lastFragment });
  if (fault) note.fault = fault.kind;
  if (fault?.kind === "dropSession" && session) dropSession(context, session);
  if (await applyLeadingFault(context, fault, req, res, "upload")) return;
  if (!session) return sessionNotFound(res);

  const invalid = (message: string) =>
    sendUploadHostError(res, 400, "invalidRequest", message, { innerCode: "invalidRange" });
  if (!range || !(start <= end) || !(end < total)) {
    return invalid(
      `The Content-Range header "${rangeHeader ?? ""}" is malformed: expected "bytes start-end/total".`,
    );
  }
  const length = end - start + 1;
  const declaredTotal = session.total ?? session.declaredSize;
  if (declaredTotal !== null && total !== declaredTotal) {
    return invalid(
      `The Content-Range total ${total} does not match the file size ${declaredTotal} given earlier.`,
    );
  }
  const contentLength = req.headers["content-length"];
  if (contentLength === undefined) {
    return sendUploadHostError(res, 411, "lengthRequired", "The Content-Length header is required.");
  }
  if (Number(contentLength) !== length) {
    return invalid(`Content-Length ${contentLength} does not match the Content-Range length ${length}.`);
  }
  if (length >= FRAGMENT_LIMIT) {
    return invalid(`The fragment is ${length} bytes: fragments must be smaller than 60 MiB.`);
  }
  if (!lastFragment && length % FRAGMENT_UNIT !== 0) {
    return invalid(
      `The fragment is ${length} bytes: every fragment but the last must be a multiple of 320 KiB (327680 bytes).`,
    );
  }
  const body = await readBody(req, length);
  if (body.length !== length) {
    return invalid(`The body has ${body.length} bytes but Content-Range announced ${length}.`);
  }
  if (start !== session.received) {
    const message =
      start < session.received
        ? `The fragment starting at ${start} overlaps data already received (next expected byte: ${session.received}).`
        : `The fragment starting at ${start} leaves a gap (next expected byte: ${session.received}).`;
    return sendUploadHostError(res, 416, "invalidRange", message, { innerCode: "fragmentOverlap" });
  }
  if (session.total === null && (await exceedsQuota(context, total))) {
    dropSession(context, session);
    return sendQuotaExceeded(req, res, "upload");
  }

  await appendFile(session.stagingFile, body);
  session.total = total;
  session.received = end + 1;
  session.expiresAt = Date.now() + context.sessionLifetimeSeconds * 1000;

  if (!lastFragment) return sendProcessed(req, res, "upload", fault, 202, sessionStatus(session));

  // Last fragment: commit the file under the session's conflict behaviour.
  let path = session.path;
  const existing = await context.store.item(path);
  let replaced = false;
  if (existing) {
    if (session.conflictBehavior === "fail" || existing.isFolder) {
      dropSession(context, session);
      const name = path.slice(path.lastIndexOf("/") + 1);
      return sendUploadHostError(
        res,
        409,
        "nameAlreadyExists",
        `The specified item name already exists. Name: ${name}`,
      );
    }
    if (session.conflictBehavior === "replace") replaced = true;
    else path = await freeName(context, path);
  }
  if (fault?.kind === "corruptHash") await flipOneByte(session.stagingFile, total);
  context.sessions.delete(session.id);
  await context.store.commitStaged(session.stagingFile, path);
  const item = await context.store.item(path);
  sendProcessed(req, res, "upload", fault, replaced ? 200 : 201, await driveItemJson(context, item!));
}

async function flipOneByte(file: string, size: number): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const position = Math.floor(size / 2);
    const byte = new Uint8Array(1);
    await handle.read(byte, 0, 1, position);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

export function listSessions(context: EmulatorContext) {
  return [...context.sessions.values()].map((session) => ({
    id: session.id,
    path: session.path,
    received: session.received,
    total: session.total,
    expirationDateTime: new Date(session.expiresAt).toISOString(),
  }));
}

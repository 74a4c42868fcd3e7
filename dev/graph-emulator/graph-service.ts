// Microsoft Graph v1.0 endpoints used by the backup: shares, drive items (by id and by path), children,
// simple upload, upload session creation, delete, and sendMail. Strict where the real service is strict.
import { randomBytes, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorRoute, FaultAction } from "./admin-client.ts";
import { invalidNameReason, type ItemRecord, joinPath, MAX_PATH_LENGTH, parentOf } from "./drive-store.ts";
import {
  applyLeadingFault,
  type EmulatorContext,
  type HostHandler,
  recordIssued,
  type RequestNote,
  sendProcessed,
} from "./emulator-context.ts";
import { BodyTooLargeError, readBody, sendEmpty, sendGraphError, sendJson } from "./http-replies.ts";

/** Graph's documented ceiling for a simple upload; larger files need an upload session. */
export const SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;

const FILE_ROLES_WRITE = [
  "Files.ReadWrite.All",
  "Sites.ReadWrite.All",
  "Sites.Manage.All",
  "Sites.FullControl.All",
];
const FILE_ROLES_READ = [...FILE_ROLES_WRITE, "Files.Read.All", "Sites.Read.All"];

interface DriveRequest {
  driveId: string;
  /** Path of the item addressed (base item plus any `:/path:` segment). */
  path: string;
  /** Name segments given through path addressing (empty when addressed by id only). */
  addressedByPath: boolean;
  action: "" | "/children" | "/content" | "/createUploadSession";
}

/** A Graph route's work once its fault (if any) is known: the addressed target, the request and reply. */
type Exchange = [req: IncomingMessage, res: ServerResponse, fault: FaultAction | undefined];
type GraphHandler<T> = (context: EmulatorContext, target: T, ...exchange: Exchange) => Promise<void>;
/** A drive route that also reads the query string. */
type DriveQueryHandler = (
  context: EmulatorContext,
  drive: DriveRequest,
  url: URL,
  ...exchange: Exchange
) => Promise<void>;

export const handleGraphRequest: HostHandler = async (context, pathname, url, req, res, note) => {
  const method = req.method ?? "GET";
  const rest = pathname.slice("/v1.0".length);

  let match = /^\/shares\/([^/]+)\/(driveItem|permission)$/.exec(rest);
  if (match && method === "GET") {
    const fault = await enter(context, "shares", req, res, note);
    if (fault === null || !(await authorize(context, req, res, FILE_ROLES_READ))) return;
    return match[2] === "driveItem"
      ? await getSharedItem(context, match[1], req, res, fault)
      : await getSharePermission(context, match[1], req, res, fault);
  }

  match = /^\/users\/([^/]+)\/sendMail$/.exec(rest);
  if (match && method === "POST") {
    const fault = await enter(context, "sendMail", req, res, note);
    if (fault === null || !(await authorize(context, req, res, ["Mail.Send"], "mail"))) return;
    return await sendMail(context, safeDecode(match[1]) ?? match[1], req, res, fault);
  }

  match = /^\/drives\/([^/]+)\/(root|items\/[^/:]+)(.*)$/.exec(rest);
  if (match) {
    const parsed = parseDriveAddress(match[3]);
    const route = parsed ? driveRoute(method, parsed.action, parsed.segments.length > 0) : undefined;
    if (!parsed || !route) {
      return sendGraphError(res, req, 400, "BadRequest", `Resource not found for the segment '${match[3]}'.`);
    }
    const fault = await enter(context, route, req, res, note);
    if (fault === null) return;
    const roles = method === "GET" ? FILE_ROLES_READ : FILE_ROLES_WRITE;
    if (!(await authorize(context, req, res, roles))) return;
    if (safeDecode(match[1]) !== context.store.driveId) {
      return sendGraphError(
        res,
        req,
        400,
        "invalidRequest",
        "The provided drive id appears to be malformed, or does not represent a valid drive.",
      );
    }
    const base = match[2] === "root" ? "" : await context.store.pathOf(match[2].slice("items/".length));
    if (base === undefined) {
      return sendGraphError(res, req, 404, "itemNotFound", "The resource could not be found.");
    }
    const drive: DriveRequest = {
      driveId: context.store.driveId,
      path: parsed.segments.reduce((path, segment) => joinPath(path, segment), base),
      addressedByPath: parsed.segments.length > 0,
      action: parsed.action,
    };
    switch (route) {
      case "getItem":
        return await getItem(context, drive, req, res, fault);
      case "children":
        return await listChildren(context, drive, url, req, res, fault);
      case "content":
        return await putContent(context, drive, url, req, res, fault);
      case "createUploadSession":
        return await createUploadSession(context, drive, req, res, fault);
      case "deleteItem":
        return await deleteItem(context, drive, req, res, fault);
    }
  }

  sendGraphError(
    res,
    req,
    400,
    "BadRequest",
    `Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`,
  );
};

/** Counts the call against the fault rules; null when a fault already answered. */
async function enter(
  context: EmulatorContext,
  route: EmulatorRoute,
  req: IncomingMessage,
  res: ServerResponse,
  note: RequestNote,
): Promise<FaultAction | undefined | null> {
  note.route = route;
  const fault = context.faults.take(route);
  if (fault) note.fault = fault.kind;
  return (await applyLeadingFault(context, fault, req, res, "graph")) ? null : fault;
}

async function authorize(
  context: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  acceptedRoles: string[],
  kind: "files" | "mail" = "files",
): Promise<boolean> {
  const check = await context.tokens.check(req.headers.authorization);
  if (!check.ok) {
    sendGraphError(res, req, check.status, check.code, check.message, {
      headers: check.status === 401 ? { "www-authenticate": 'Bearer realm="", error="invalid_token"' } : {},
    });
    return false;
  }
  if (!check.roles.some((role) => acceptedRoles.includes(role))) {
    if (kind === "mail") {
      sendGraphError(
        res,
        req,
        403,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
      );
    } else {
      sendGraphError(res, req, 403, "accessDenied", "Access denied");
    }
    return false;
  }
  return true;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Splits what follows `root` or `items/{id}`: `:/a/b:/content`, `/children`, `` … */
function parseDriveAddress(rest: string): { segments: string[]; action: DriveRequest["action"] } | undefined {
  let pathPart = "";
  let action = rest;
  if (rest.startsWith(":")) {
    const close = rest.indexOf(":", 1);
    pathPart = close < 0 ? rest.slice(1) : rest.slice(1, close);
    action = close < 0 ? "" : rest.slice(close + 1);
  }
  if (!["", "/children", "/content", "/createUploadSession"].includes(action)) return undefined;
  const segments: string[] = [];
  for (const raw of pathPart.split("/")) {
    if (raw === "") continue;
    const decoded = safeDecode(raw);
    if (decoded === undefined) return undefined;
    segments.push(decoded);
  }
  return { segments, action: action as DriveRequest["action"] };
}

function driveRoute(
  method: string,
  action: DriveRequest["action"],
  byPath: boolean,
): EmulatorRoute | undefined {
  if (method === "GET" && action === "") return "getItem";
  if (method === "GET" && action === "/children") return "children";
  if (method === "PUT" && action === "/content" && byPath) return "content";
  if (method === "POST" && action === "/createUploadSession" && byPath) return "createUploadSession";
  if (method === "DELETE" && action === "") return "deleteItem";
  return undefined;
}

export async function driveItemJson(
  context: EmulatorContext,
  item: ItemRecord,
): Promise<Record<string, unknown>> {
  const store = context.store;
  const json: Record<string, unknown> = {
    "@odata.context": `${context.url}/v1.0/$metadata#drives('${store.driveId}')/items/$entity`,
    id: item.id,
    name: item.name,
    size: item.size,
    createdDateTime: item.created.toISOString(),
    lastModifiedDateTime: item.modified.toISOString(),
    webUrl: webUrl(context, item.path),
    eTag: `"{${item.id.slice(2, 10)}},${Math.floor(item.modified.getTime() / 1000)}"`,
    cTag: `"c:{${item.id.slice(2, 10)}},${Math.floor(item.modified.getTime() / 1000)}"`,
    fileSystemInfo: {
      createdDateTime: item.created.toISOString(),
      lastModifiedDateTime: item.modified.toISOString(),
    },
  };
  if (item.path === "") {
    json.root = {};
    json.parentReference = { driveId: store.driveId, driveType: "documentLibrary" };
  } else {
    const parent = parentOf(item.path);
    json.parentReference = {
      driveType: "documentLibrary",
      driveId: store.driveId,
      id: store.idOf(parent),
      path: parent === "" ? `/drives/${store.driveId}/root:` : `/drives/${store.driveId}/root:/${parent}`,
    };
  }
  if (item.isFolder) {
    json.folder = { childCount: (await store.children(item.path)).length };
  } else {
    const { quickXorHash } = await store.hashes(item.path);
    json.file = { mimeType: mimeType(item.name), hashes: { quickXorHash } };
  }
  return json;
}

export function webUrl(context: EmulatorContext, path: string): string {
  const encoded = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
  return `${context.url}/_emulator/web/${encoded}`;
}

function mimeType(name: string): string {
  if (name.endsWith(".json")) return "application/json";
  if (name.endsWith(".gz")) return "application/gzip";
  if (name.endsWith(".txt")) return "text/plain";
  return "application/octet-stream";
}

/** The OneDrive naming and path rules; sends the 400 and returns false when the target breaks one. */
function checkTargetName(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  for (const segment of path.split("/")) {
    const reason = invalidNameReason(segment);
    if (reason) {
      sendGraphError(res, req, 400, "invalidRequest", `Invalid name "${segment}": ${reason}.`, {
        innerCode: "invalidName",
      });
      return false;
    }
  }
  if (path.length > MAX_PATH_LENGTH) {
    sendGraphError(
      res,
      req,
      400,
      "invalidRequest",
      `The path "${name}" is too long: the full path must be at most ${MAX_PATH_LENGTH} characters.`,
      { innerCode: "pathIsTooLong" },
    );
    return false;
  }
  return true;
}

/** The item behind a share id, or undefined once an error has been sent. */
async function sharedItem(
  context: EmulatorContext,
  shareId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ key: string; item: ItemRecord } | undefined> {
  const sharingUrl = decodeShareId(shareId);
  if (sharingUrl === undefined) {
    sendGraphError(
      res,
      req,
      400,
      "invalidRequest",
      'The share id is not valid: expected "u!" followed by the unpadded base64url encoding of the sharing URL.',
    );
    return undefined;
  }
  const key = context.links.has(sharingUrl) ? sharingUrl : sharingUrl.replace(/\/+$/, "");
  const path = context.links.get(key);
  const linkState = context.linkStates.get(key);
  // Modelled on SharePoint: an expired link still identifies its item but grants nothing; a link its
  // owner removed no longer exists at all.
  if (path !== undefined && linkState === "expired") {
    sendGraphError(res, req, 403, "accessDenied", "The sharing link has expired.");
    return undefined;
  }
  const item = path === undefined || linkState === "revoked" ? undefined : await context.store.item(path);
  if (!item) {
    sendGraphError(
      res,
      req,
      404,
      "itemNotFound",
      "The sharing link no longer exists, or you do not have permission to access it.",
    );
    return undefined;
  }
  return { key, item };
}

const getSharedItem: GraphHandler<string> = async (context, shareId, req, res, fault) => {
  const shared = await sharedItem(context, shareId, req, res);
  if (!shared) return;
  sendProcessed(req, res, "graph", fault, 200, await driveItemJson(context, shared.item));
};

/**
 * `GET /shares/{id}/permission`: the permission the sharing link itself represents, with `link.scope`
 * (anonymous, organization, users, existingAccess) as SharePoint reports it.
 */
const getSharePermission: GraphHandler<string> = async (context, shareId, req, res, fault) => {
  const shared = await sharedItem(context, shareId, req, res);
  if (!shared) return;
  const scope = context.linkScopes.get(shared.key) ?? "users";
  sendProcessed(req, res, "graph", fault, 200, {
    "@odata.context": `${context.url}/v1.0/$metadata#shares('${shareId}')/permission/$entity`,
    id: Buffer.from(shared.key).toString("base64url").slice(0, 32),
    roles: ["write"],
    shareId,
    hasPassword: false,
    grantedToIdentitiesV2: [],
    link: { scope, type: "edit", webUrl: shared.key, preventsDownload: false },
  });
};

/** `u!` + unpadded base64url of the URL's UTF-8 bytes, strictly. */
function decodeShareId(shareId: string): string | undefined {
  const encoded = safeDecode(shareId);
  if (!encoded || !encoded.startsWith("u!")) return undefined;
  const body = encoded.slice(2);
  if (!/^[A-Za-z0-9_-]+$/.test(body) || body.length % 4 === 1) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(body, "base64url"));
  } catch {
    return undefined;
  }
}

const getItem: GraphHandler<DriveRequest> = async (context, drive, req, res, fault) => {
  const item = await context.store.item(drive.path);
  if (!item) return sendGraphError(res, req, 404, "itemNotFound", "The resource could not be found.");
  sendProcessed(req, res, "graph", fault, 200, await driveItemJson(context, item));
};

const listChildren: DriveQueryHandler = async (context, drive, url, req, res, fault) => {
  const folder = await context.store.item(drive.path);
  if (!folder) return sendGraphError(res, req, 404, "itemNotFound", "The resource could not be found.");
  const topParam = url.searchParams.get("$top");
  const requested = topParam === null ? context.config.pageSize : Number(topParam);
  if (!Number.isInteger(requested) || requested < 1 || requested > 999) {
    return sendGraphError(
      res,
      req,
      400,
      "invalidRequest",
      `Invalid $top value "${topParam}": expected 1 to 999.`,
    );
  }
  // Like Graph, the service may return fewer items per page than $top asks for: that is what paging is for.
  const top = Math.min(requested, context.config.pageSize);
  const skipToken = url.searchParams.get("$skiptoken");
  const offset = skipToken === null ? 0 : Number(Buffer.from(skipToken, "base64url").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0) {
    return sendGraphError(res, req, 400, "invalidRequest", "Invalid $skiptoken.");
  }
  const children = folder.isFolder ? await context.store.children(drive.path) : [];
  const page = children.slice(offset, offset + top);
  const body: Record<string, unknown> = {
    "@odata.context": `${context.url}/v1.0/$metadata#drives('${drive.driveId}')/items('${folder.id}')/children`,
    value: await Promise.all(page.map((child) => driveItemJson(context, child))),
  };
  if (offset + top < children.length) {
    const next = new URL(
      `${context.url}/v1.0/drives/${encodeURIComponent(drive.driveId)}/items/${folder.id}/children`,
    );
    for (const [key, value] of url.searchParams) {
      if (key !== "$skiptoken" && key !== "$top") next.searchParams.set(key, value);
    }
    next.searchParams.set("$top", String(requested));
    next.searchParams.set("$skiptoken", Buffer.from(String(offset + top)).toString("base64url"));
    body["@odata.nextLink"] = next.toString();
  }
  sendProcessed(req, res, "graph", fault, 200, body);
};

/** Resolves the final path of a new item under a conflict behaviour; undefined means 409. */
async function resolveConflict(
  context: EmulatorContext,
  path: string,
  behavior: string,
): Promise<{ path: string; replaced: boolean } | undefined> {
  const existing = await context.store.item(path);
  if (!existing) return { path, replaced: false };
  if (behavior === "fail" || existing.isFolder) return undefined;
  if (behavior === "replace") return { path, replaced: true };
  return { path: await freeName(context, path), replaced: false };
}

/** `name 1.ext`, `name 2.ext`, …: the first that is free, as OneDrive's `rename` conflict behavior picks. */
export async function freeName(context: EmulatorContext, path: string): Promise<string> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot) : "";
  for (let n = 1; ; n++) {
    const candidate = joinPath(parentOf(path), `${stem} ${n}${extension}`);
    if (!(await context.store.item(candidate))) return candidate;
  }
}

export function sendNameConflict(req: IncomingMessage, res: ServerResponse, path: string): void {
  const name = path.slice(path.lastIndexOf("/") + 1);
  sendGraphError(res, req, 409, "nameAlreadyExists", `The specified item name already exists. Name: ${name}`);
}

export function sendQuotaExceeded(req: IncomingMessage, res: ServerResponse, host: "graph" | "upload"): void {
  if (host === "graph") {
    sendGraphError(res, req, 507, "quotaLimitReached", "Insufficient Space Available", {
      innerCode: "quotaLimitReached",
    });
  } else {
    sendJson(res, 507, { error: { code: "quotaLimitReached", message: "Insufficient Space Available" } });
  }
}

export async function exceedsQuota(context: EmulatorContext, extraBytes: number): Promise<boolean> {
  const quota = context.config.quotaBytes;
  return quota !== null && (await context.store.usedBytes()) + extraBytes > quota;
}

/** Flips one byte (or adds one to an empty file) so the stored content no longer matches what was sent. */
export function corrupt(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return new Uint8Array([0x2a]);
  const copy = new Uint8Array(bytes);
  copy[Math.floor(copy.length / 2)] ^= 0xff;
  return copy;
}

const putContent: DriveQueryHandler = async (context, drive, url, req, res, fault) => {
  if (!checkTargetName(req, res, drive.path)) return;
  let body: Buffer;
  try {
    body = await readBody(req, SIMPLE_UPLOAD_LIMIT);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return sendGraphError(
      res,
      req,
      413,
      "requestTooLarge",
      `A simple upload accepts at most ${SIMPLE_UPLOAD_LIMIT} bytes: create an upload session for larger files.`,
    );
  }
  const behavior = url.searchParams.get("@microsoft.graph.conflictBehavior") ?? "replace";
  if (!["fail", "replace", "rename"].includes(behavior)) {
    return sendGraphError(res, req, 400, "invalidRequest", `Invalid conflict behavior "${behavior}".`);
  }
  const target = await resolveConflict(context, drive.path, behavior);
  if (!target) return sendNameConflict(req, res, drive.path);
  if (await exceedsQuota(context, body.length)) return sendQuotaExceeded(req, res, "graph");
  await context.store.writeFile(target.path, fault?.kind === "corruptHash" ? corrupt(body) : body);
  const item = await context.store.item(target.path);
  sendProcessed(req, res, "graph", fault, target.replaced ? 200 : 201, await driveItemJson(context, item!));
};

function containsODataType(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsODataType);
  if (value && typeof value === "object") {
    return Object.entries(value).some(([key, nested]) => key === "@odata.type" || containsODataType(nested));
  }
  return false;
}

const createUploadSession: GraphHandler<DriveRequest> = async (context, drive, req, res, fault) => {
  if (!checkTargetName(req, res, drive.path)) return;
  const text = (await readBody(req, 64 * 1024)).toString("utf8");
  let payload: { item?: Record<string, unknown>; deferCommit?: unknown } = {};
  if (text.trim() !== "") {
    try {
      payload = JSON.parse(text);
    } catch {
      return sendGraphError(
        res,
        req,
        400,
        "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    }
  }
  if (containsODataType(payload)) {
    return sendGraphError(
      res,
      req,
      400,
      "invalidRequest",
      'The request body must not contain "@odata.type": send only the item\'s properties (conflict behavior, name, description, fileSize).',
    );
  }
  if (payload.deferCommit === true) {
    return sendGraphError(
      res,
      req,
      501,
      "notSupported",
      "deferCommit is not supported by the Graph emulator.",
    );
  }
  const itemProps = payload.item ?? {};
  const name = drive.path.slice(drive.path.lastIndexOf("/") + 1);
  if (itemProps.name !== undefined && itemProps.name !== name) {
    return sendGraphError(
      res,
      req,
      400,
      "invalidRequest",
      `The name in the request body ("${String(
        itemProps.name,
      )}") does not match the name in the URL ("${name}").`,
    );
  }
  const behavior = String(itemProps["@microsoft.graph.conflictBehavior"] ?? "replace");
  if (!["fail", "replace", "rename"].includes(behavior)) {
    return sendGraphError(res, req, 400, "invalidRequest", `Invalid conflict behavior "${behavior}".`);
  }
  const declaredSize = itemProps.fileSize === undefined ? null : Number(itemProps.fileSize);
  if (declaredSize !== null && (!Number.isInteger(declaredSize) || declaredSize < 0)) {
    return sendGraphError(res, req, 400, "invalidRequest", "Invalid fileSize.");
  }
  const target = await resolveConflict(context, drive.path, behavior);
  if (!target) return sendNameConflict(req, res, drive.path);
  if (declaredSize !== null && (await exceedsQuota(context, declaredSize))) {
    return sendQuotaExceeded(req, res, "graph");
  }

  const id = randomUUID();
  const tempauth = randomBytes(32).toString("base64url");
  await context.store.ensureStagingFolder();
  const stagingFile = context.store.stagingPath(id);
  await writeFile(stagingFile, new Uint8Array());
  const expiresAt = Date.now() + context.sessionLifetimeSeconds * 1000;
  context.sessions.set(id, {
    id,
    tempauth,
    path: target.path,
    conflictBehavior: behavior as "fail" | "replace" | "rename",
    declaredSize,
    total: null,
    received: 0,
    stagingFile,
    expiresAt,
  });
  const parentId = context.store.idOf(parentOf(target.path));
  const issuedUrl =
    `${context.uploadUrlBase}/_api/v2.0/drives/${encodeURIComponent(drive.driveId)}/items/${parentId}` +
    `/uploadSession?guid=${id}&overwrite=${behavior === "replace" ? "True" : "False"}` +
    `&rename=${behavior === "rename" ? "True" : "False"}&dc=0&tempauth=${tempauth}`;
  // A hostile service (fault "uploadUrl") hands out a URL of its choosing instead.
  const uploadUrl = fault?.kind === "uploadUrl" ? fault.url : issuedUrl;
  recordIssued(context.issued.uploadUrls, uploadUrl);
  sendProcessed(req, res, "graph", fault, 200, {
    "@odata.context": `${context.url}/v1.0/$metadata#microsoft.graph.uploadSession`,
    expirationDateTime: new Date(expiresAt).toISOString(),
    nextExpectedRanges: ["0-"],
    uploadUrl,
  });
};

const deleteItem: GraphHandler<DriveRequest> = async (context, drive, req, res, fault) => {
  if (drive.path === "") {
    return sendGraphError(res, req, 403, "accessDenied", "The root of a drive cannot be deleted.");
  }
  const item = await context.store.item(drive.path);
  if (!item) return sendGraphError(res, req, 404, "itemNotFound", "The resource could not be found.");
  await context.store.delete(drive.path);
  if (fault?.kind === "failAfterAccept") return sendProcessed(req, res, "graph", fault, 204, undefined);
  sendEmpty(res, 204);
};

const sendMail: GraphHandler<string> = async (context, sender, req, res, fault) => {
  const allowed = context.config.mailboxes;
  if (allowed !== null && !allowed.map((m) => m.toLowerCase()).includes(sender.toLowerCase())) {
    return sendGraphError(res, req, 404, "ErrorInvalidUser", `The requested user '${sender}' is invalid.`);
  }
  let payload: {
    message?: {
      subject?: string;
      body?: { contentType?: string; content?: string };
      toRecipients?: Array<{ emailAddress?: { address?: string } }>;
      ccRecipients?: Array<{ emailAddress?: { address?: string } }>;
    };
    saveToSentItems?: boolean;
  };
  try {
    payload = JSON.parse((await readBody(req, 4 * 1024 * 1024)).toString("utf8"));
  } catch {
    return sendGraphError(res, req, 400, "ErrorInvalidRequest", "Cannot read the request body.");
  }
  const message = payload.message;
  if (!message || typeof message !== "object") {
    return sendGraphError(res, req, 400, "ErrorInvalidRequest", "The message property is required.");
  }
  const addresses = (list?: Array<{ emailAddress?: { address?: string } }>) =>
    (list ?? []).map((recipient) => recipient?.emailAddress?.address ?? "");
  const to = addresses(message.toRecipients);
  const cc = addresses(message.ccRecipients);
  if (to.length + cc.length === 0 || [...to, ...cc].some((address) => !/^[^@\s]+@[^@\s]+$/.test(address))) {
    return sendGraphError(res, req, 400, "ErrorInvalidRecipients", "At least one recipient isn't valid.");
  }
  const contentType = message.body?.contentType ?? "Text";
  if (!/^(text|html)$/i.test(contentType)) {
    return sendGraphError(
      res,
      req,
      400,
      "ErrorInvalidRequest",
      `Invalid body content type "${contentType}".`,
    );
  }
  context.mail.push({
    sender,
    to,
    cc,
    subject: message.subject ?? "",
    contentType,
    body: message.body?.content ?? "",
    saveToSentItems: payload.saveToSentItems ?? true,
    receivedAt: new Date().toISOString(),
  });
  sendProcessed(req, res, "graph", fault, 202, undefined);
};

// State shared by the emulated services, and the fault handling they have in common.
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  EmulatorConfigPatch,
  EmulatorRoute,
  FaultAction,
  LoggedRequest,
  SentMail,
} from "./admin-client.ts";
import type { DriveStore } from "./drive-store.ts";
import type { FaultInjector } from "./fault-injector.ts";
import { sendEmpty, sendGraphError, sendJson, sendUploadHostError } from "./http-replies.ts";
import type { TokenIssuer } from "./token-issuer.ts";

export type EmulatorConfig = Required<EmulatorConfigPatch>;

export interface UploadSession {
  id: string;
  tempauth: string;
  /** Path of the file the session will create. */
  path: string;
  conflictBehavior: "fail" | "replace" | "rename";
  declaredSize: number | null;
  total: number | null;
  received: number;
  stagingFile: string;
  expiresAt: number;
}

/** The request being served, as the log records it. */
export interface RequestNote {
  route: EmulatorRoute | "unknown";
  fault?: FaultAction["kind"];
  contentRange?: string;
}

/** One host's request handler: the route is found from `pathname`, and noted for the request log. */
export type HostHandler = (
  context: EmulatorContext,
  pathname: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  note: RequestNote,
) => Promise<void>;

export interface EmulatorContext {
  url: string;
  uploadUrlBase: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  store: DriveStore;
  faults: FaultInjector;
  tokens: TokenIssuer;
  config: EmulatorConfig;
  initialConfig: EmulatorConfig;
  links: Map<string, string>;
  initialLinks: Map<string, string>;
  /** Links that stopped working (set through the admin API; cleared by reset). */
  linkStates: Map<string, LinkState>;
  /** Who each link lets in (`link.scope` of the share's permission); "users" when not set. */
  linkScopes: Map<string, LinkScope>;
  /** Bearer values handed out (access tokens, upload URLs), so tests can search for leaks. */
  issued: IssuedSecrets;
  sessions: Map<string, UploadSession>;
  mail: SentMail[];
  log: LoggedRequest[];
  /** Sequence number of the last logged request. */
  lastSeq: number;
  down: false | "disconnect" | "unavailable";
  sessionLifetimeSeconds: number;
}

export type HostKind = "graph" | "upload" | "identity";

/** What happened to a sharing link: removed by its owner, or past its expiration date. */
export type LinkState = "revoked" | "expired";

/**
 * A sharing link's audience, as Graph reports it in `permission.link.scope`: anyone with the link,
 * everyone in the organization, specific people, or people who already have access.
 */
export type LinkScope = "anonymous" | "organization" | "users" | "existingAccess";
export const LINK_SCOPES: LinkScope[] = ["anonymous", "organization", "users", "existingAccess"];

export interface IssuedSecrets {
  accessTokens: string[];
  uploadUrls: string[];
}

/** Keeps the last few hundred values: enough for a test, bounded for a long `npm run dev`. */
export function recordIssued(list: string[], value: string): void {
  list.push(value);
  if (list.length > 500) list.splice(0, list.length - 500);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Applies the faults that replace or precede processing. Returns true when the response was already sent
 * (or the connection dropped); the faults that act during or after processing are left to the handler.
 */
export async function applyLeadingFault(
  context: EmulatorContext,
  fault: FaultAction | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  host: HostKind,
): Promise<boolean> {
  if (!fault) return false;
  switch (fault.kind) {
    case "delay":
      await sleep(fault.ms);
      return false;
    case "expireToken":
      context.tokens.expireAll();
      return false;
    case "disconnect":
      req.socket.destroy();
      return true;
    case "redirect":
      res.writeHead(fault.status ?? 302, { location: fault.location, "content-length": "0" });
      res.end();
      return true;
    case "throttle": {
      const status = fault.status ?? 429;
      const headers: Record<string, string> = {};
      const form = fault.retryAfter;
      if (form && "seconds" in form) headers["retry-after"] = String(form.seconds);
      if (form && "httpDateInSeconds" in form) {
        headers["retry-after"] = new Date(Date.now() + form.httpDateInSeconds * 1000).toUTCString();
      }
      const code = status === 429 ? "activityLimitReached" : "serviceNotAvailable";
      const message =
        status === 429
          ? "The request has been throttled"
          : "The service is temporarily unavailable. Please try again later.";
      sendError(req, res, host, status, code, message, headers);
      return true;
    }
    case "error":
      sendError(
        req,
        res,
        host,
        fault.status,
        fault.code ?? defaultCode(fault.status),
        fault.message ?? defaultMessage(fault.status),
      );
      return true;
    case "notFound":
    case "dropSession":
      // dropSession deletes the session in the upload host before calling here.
      sendError(req, res, host, 404, "itemNotFound", "The requested resource was not found.");
      return true;
    default:
      return false;
  }
}

/** Sends a successful answer, unless a fault asks for an empty body or an error after processing. */
export function sendProcessed(
  req: IncomingMessage,
  res: ServerResponse,
  host: HostKind,
  fault: FaultAction | undefined,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (fault?.kind === "failAfterAccept") {
    const failure = fault.status ?? 500;
    sendError(req, res, host, failure, defaultCode(failure), defaultMessage(failure));
    return;
  }
  if (fault?.kind === "emptyBody" || body === undefined) {
    sendEmpty(res, status, headers);
    return;
  }
  sendJson(res, status, body, headers);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  host: HostKind,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (host === "upload") sendUploadHostError(res, status, code, message, { headers });
  else sendGraphError(res, req, status, code, message, { headers });
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return "invalidRequest";
    case 401:
      return "unauthenticated";
    case 403:
      return "accessDenied";
    case 404:
      return "itemNotFound";
    case 409:
      return "nameAlreadyExists";
    case 429:
      return "activityLimitReached";
    case 503:
      return "serviceNotAvailable";
    case 507:
      return "quotaLimitReached";
    default:
      return "generalException";
  }
}

function defaultMessage(status: number): string {
  switch (status) {
    case 507:
      return "Insufficient Space Available";
    case 503:
      return "The service is temporarily unavailable. Please try again later.";
    case 502:
    case 504:
      return "The gateway did not receive a timely response.";
    default:
      return status >= 500 ? "An unspecified error has occurred." : "The request failed.";
  }
}

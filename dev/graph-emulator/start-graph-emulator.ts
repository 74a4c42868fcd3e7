// Starts the Graph emulator: one listener for the identity platform, Graph v1.0 and the admin API, and one
// for the upload host on another loopback address (127.0.0.2 by default), so upload URLs point elsewhere
// than Graph, as SharePoint's do. Files land under `root`, where a person can open them.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { GraphEmulatorAdmin } from "./admin-client.ts";
import { handleAdminRequest } from "./admin-api.ts";
import { DriveStore, normalisePath } from "./drive-store.ts";
import type { EmulatorConfig, EmulatorContext, RequestNote } from "./emulator-context.ts";
import { FaultInjector } from "./fault-injector.ts";
import { handleGraphRequest } from "./graph-service.ts";
import { sendGraphError, sendUploadHostError } from "./http-replies.ts";
import { handleTokenRequest } from "./identity-service.ts";
import { TokenIssuer } from "./token-issuer.ts";
import { handleUploadRequest } from "./upload-host.ts";

export interface GraphEmulatorOptions {
  /** Port of the main listener; 0 (default) picks a free one. */
  port?: number;
  /** Address of the main listener (default 127.0.0.1). */
  host?: string;
  /** Address of the upload host (default 127.0.0.2). */
  uploadHost?: string;
  /** Port of the upload host; default: the main port when it was fixed, else a free one. */
  uploadPort?: number;
  /** Folder that holds the drive's files. */
  root: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Sharing URL → path from the drive root ("Backups/App"); missing folders are created. */
  links?: Record<string, string>;
  /** Serve HTTPS with this key and certificate (PEM); the certificate must cover both addresses. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Access token lifetime (default 3599 s, as Entra ID). */
  tokenLifetimeSeconds?: number;
  /** Application roles granted to the app (default Files.ReadWrite.All, Sites.ReadWrite.All, Mail.Send). */
  roles?: string[];
  /** Drive id of the emulated document library. */
  driveId?: string;
  /** Default page size of children listings (Graph's is 200). */
  pageSize?: number;
  /** Drive quota in bytes; null (default) for unlimited. */
  quotaBytes?: number | null;
  /** Mailboxes allowed to send mail; null (default) accepts any address. */
  mailboxes?: string[] | null;
  /** Idle lifetime of an upload session (default 900 s). */
  sessionLifetimeSeconds?: number;
}

export interface GraphEmulator {
  /** Base URL of the main listener: use it as AZURE_AUTHORITY_HOST and GRAPH_BASE_URL. */
  url: string;
  /** Base URL of the upload host. */
  uploadUrlBase: string;
  driveId: string;
  rootItemId: string;
  admin: GraphEmulatorAdmin;
  /** Closes both listeners (connections are then refused) until `up()`. State is kept. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_ROLES = ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Mail.Send"];
const LOG_LIMIT = 10_000;

export async function startGraphEmulator(options: GraphEmulatorOptions): Promise<GraphEmulator> {
  const host = options.host ?? "127.0.0.1";
  const uploadHost = options.uploadHost ?? "127.0.0.2";
  const scheme = options.tls ? "https" : "http";
  const store = new DriveStore(options.root, options.driveId ?? "b!ZW11bGF0ZWQtZG9jdW1lbnQtbGlicmFyeQ");
  await store.init();

  const links = new Map<string, string>();
  for (const [url, path] of Object.entries(options.links ?? {})) {
    const normalised = normalisePath(path);
    links.set(url, normalised);
    if (!(await store.item(normalised))) await store.createFolder(normalised);
  }
  const config: EmulatorConfig = {
    roles: options.roles ?? DEFAULT_ROLES,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    secretExpired: false,
    pageSize: options.pageSize ?? 200,
    quotaBytes: options.quotaBytes ?? null,
    mailboxes: options.mailboxes ?? null,
  };
  const context: EmulatorContext = {
    url: "",
    uploadUrlBase: "",
    tenantId: options.tenantId,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    store,
    faults: new FaultInjector(),
    tokens: new TokenIssuer(),
    config,
    initialConfig: { ...config },
    links,
    initialLinks: new Map(links),
    linkStates: new Map(),
    linkScopes: new Map(),
    issued: { accessTokens: [], uploadUrls: [] },
    sessions: new Map(),
    mail: [],
    log: [],
    lastSeq: 0,
    down: false,
    sessionLifetimeSeconds: options.sessionLifetimeSeconds ?? 900,
  };

  const makeServer = (kind: "main" | "upload"): Server => {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      serve(context, kind, req, res).catch((error) => {
        console.error("Graph emulator: request failed:", error);
        if (!res.headersSent)
          sendGraphError(res, req, 500, "generalException", "An unspecified error has occurred.");
        else res.destroy();
      });
    };
    return options.tls
      ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : createHttpServer(handler);
  };

  const listeners: Array<{ server: Server; sockets: Set<Socket>; host: string; port: number }> = [];
  const listen = async (kind: "main" | "upload", address: string, port: number) => {
    const server = makeServer(kind);
    const sockets = new Set<Socket>();
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    server.on("secureConnection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, address, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const entry = { server, sockets, host: address, port: (server.address() as AddressInfo).port };
    listeners.push(entry);
    return entry;
  };
  const close = async () => {
    const closing = listeners.splice(0).map(
      ({ server, sockets }) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    );
    await Promise.all(closing);
  };

  const main = await listen("main", host, options.port ?? 0);
  let upload;
  try {
    upload = await listen("upload", uploadHost, options.uploadPort ?? (options.port ? main.port : 0));
  } catch (error) {
    await close();
    throw new Error(
      `Cannot start the Graph emulator's upload host on ${uploadHost}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const mainPort = main.port;
  const uploadPort = upload.port;
  context.url = `${scheme}://${urlHost(host)}:${mainPort}`;
  context.uploadUrlBase = `${scheme}://${urlHost(uploadHost)}:${uploadPort}`;

  let stopped = false;
  return {
    url: context.url,
    uploadUrlBase: context.uploadUrlBase,
    driveId: store.driveId,
    rootItemId: store.rootItemId,
    admin: new GraphEmulatorAdmin(context.url),
    async down() {
      await close();
    },
    async up() {
      if (listeners.length > 0 || stopped) return;
      await listen("main", host, mainPort);
      await listen("upload", uploadHost, uploadPort);
    },
    async stop() {
      stopped = true;
      await close();
      for (const session of context.sessions.values())
        await store.delete(`.graph-emulator-uploads/${session.id}`);
      context.sessions.clear();
      await store.delete(".graph-emulator-uploads");
    },
  };
}

function urlHost(address: string): string {
  if (address === "0.0.0.0") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}

async function serve(
  context: EmulatorContext,
  kind: "main" | "upload",
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const pathname = url.pathname;
  const isAdmin = kind === "main" && pathname.startsWith("/_emulator/");
  const isWeb = isAdmin && pathname.startsWith("/_emulator/web");

  if (isAdmin && !isWeb) return await handleAdminRequest(context, pathname, url, req, res);

  const tokenMatch = kind === "main" ? /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname) : null;
  const note: RequestNote = { route: "unknown" };
  const entry = {
    seq: ++context.lastSeq,
    at: new Date().toISOString(),
    host:
      kind === "upload"
        ? ("upload" as const)
        : isWeb
          ? ("web" as const)
          : tokenMatch
            ? ("identity" as const)
            : ("graph" as const),
    method: req.method ?? "GET",
    path: `${pathname}${url.search}`.replace(/([?&]tempauth=)[^&]*/i, "$1REDACTED"),
    authorization: req.headers.authorization !== undefined,
    userAgent: req.headers["user-agent"] ?? null,
  };
  res.on("close", () => {
    context.log.push({
      ...entry,
      route: note.route,
      status: res.headersSent ? res.statusCode : 0,
      ...(note.fault ? { fault: note.fault } : {}),
      ...(note.contentRange ? { contentRange: note.contentRange } : {}),
    });
    if (context.log.length > LOG_LIMIT) context.log.splice(0, context.log.length - LOG_LIMIT);
  });

  if (context.down && !isWeb) {
    if (context.down === "disconnect") {
      req.socket.destroy();
      return;
    }
    if (kind === "upload") {
      return sendUploadHostError(res, 503, "serviceNotAvailable", "The service is temporarily unavailable.");
    }
    return sendGraphError(res, req, 503, "serviceNotAvailable", "The service is temporarily unavailable.");
  }

  if (isWeb) return await handleAdminRequest(context, pathname, url, req, res);
  if (kind === "upload") return await handleUploadRequest(context, pathname, url, req, res, note);
  if (tokenMatch) {
    if (req.method !== "POST") {
      return sendGraphError(res, req, 405, "MethodNotAllowed", "The token endpoint accepts POST only.");
    }
    return await handleTokenRequest(context, tokenMatch[1], req, res, note);
  }
  if (pathname.startsWith("/v1.0/")) return await handleGraphRequest(context, pathname, url, req, res, note);
  sendGraphError(
    res,
    req,
    400,
    "BadRequest",
    `Invalid version: the path must start with /v1.0/ (got "${pathname}").`,
  );
}

/**
 * Assembles the app-only Microsoft Graph client the backup uses for OneDrive / SharePoint (its interface,
 * GraphClient, is in types.ts): resolve the destination folder, upload a file, list and delete items
 * (retention), send alert mail, and probe connectivity. Everything it touches (fetch, clock, sleep,
 * randomness, log) is injected.
 */
import { resolveFolder } from "./destination.ts";
import { deleteItem, getItem, listChildren } from "./drive.ts";
import { GraphError } from "./errors.ts";
import { nodeFragmentPut } from "./fragment-put.ts";
import { GraphHttp } from "./graph-http.ts";
import { sendMail } from "./mail.ts";
import { probe } from "./probe.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";
import { TokenProvider } from "./token.ts";
import type { GraphClient } from "./types.ts";
import { uploadFile } from "./upload.ts";

export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Identity platform host (AZURE_AUTHORITY_HOST); default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Graph root without /v1.0 (GRAPH_BASE_URL); default https://graph.microsoft.com. */
  graphBaseUrl?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Sent on every request; Microsoft's throttling guidance asks for `ISV|Company|App/Version`. */
  userAgent?: string;
  log?: (msg: string) => void;
  retry?: Partial<RetryPolicy>;
  /**
   * Exact origins (scheme://host:port) trusted for upload URLs besides Microsoft's SharePoint hosts and the
   * Graph host (GRAPH_UPLOAD_ORIGINS). Only for a local Graph emulator; empty by default.
   */
  uploadOrigins?: string[];
}

export const DEFAULT_USER_AGENT = "ISV|SupabaseOneDriveBackup|AutoBackup/0.1";

export function createGraphClient(options: GraphClientOptions): GraphClient {
  for (
    const [key, setting] of [["tenantId", "AZURE_TENANT_ID"], ["clientId", "AZURE_CLIENT_ID"], [
      "clientSecret",
      "AZURE_CLIENT_SECRET",
    ]] as const
  ) {
    if (!options[key]?.trim()) {
      throw new GraphError(
        "graph_auth_failed",
        `Cannot create the Microsoft Graph client: ${setting} is empty`,
      );
    }
  }
  const common = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    log: options.log ?? (() => {}),
  } satisfies Partial<ConstructorParameters<typeof GraphHttp>[0]>;
  const graphBaseUrl = (options.graphBaseUrl ?? "https://graph.microsoft.com").replace(/\/+$/, "");
  const tokens = new TokenProvider({
    ...common,
    tenantId: options.tenantId.trim(),
    clientId: options.clientId.trim(),
    clientSecret: options.clientSecret,
    authorityHost: options.authorityHost ?? "https://login.microsoftonline.com",
    graphBaseUrl,
  });
  // Fragments skip fetch's copy of each body (see fragment-put.ts), unless the caller injected its own fetch:
  // then every request, fragments included, goes through it.
  const putFragment = options.fetch ? undefined : nodeFragmentPut;
  const http = new GraphHttp({
    ...common,
    graphBaseUrl,
    tokens,
    putFragment,
    uploadOrigins: options.uploadOrigins ?? [],
  });

  return {
    resolveFolder: (dest) => resolveFolder(http, dest),
    upload: (folder, name, source, opts) => uploadFile(http, folder, name, source, opts),
    listChildren: (folder) => listChildren(http, folder),
    getItem: (driveId, itemId) => getItem(http, driveId, itemId),
    deleteItem: (driveId, itemId) => deleteItem(http, driveId, itemId),
    sendMail: (sender, message) => sendMail(http, sender, message),
    probe: (dest) => probe(http, tokens, dest, options.clientId.trim()),
  };
}

// Typed client for the Graph emulator's admin API (`/_emulator/*`). Plain fetch and no imports, so both the
// Node tooling and the Deno tests can use it.

/** Routes a fault can target. The names are the emulator's own, one per Graph operation. */
export type EmulatorRoute =
  | "token"
  | "shares"
  | "getItem"
  | "children"
  | "content"
  | "createUploadSession"
  | "uploadFragment"
  | "uploadStatus"
  | "uploadCancel"
  | "deleteItem"
  | "sendMail";

/** How a throttling response states its Retry-After header. `null` sends no header. */
export type RetryAfterForm = { seconds: number } | { httpDateInSeconds: number } | null;

export type FaultAction =
  /** 429 (default) or 503 with a Retry-After in seconds, as an HTTP date, or absent. */
  | { kind: "throttle"; status?: 429 | 503; retryAfter?: RetryAfterForm }
  /** Any error status with a Graph-shaped body (e.g. 500, 502, 504, 507 quotaLimitReached, 403). */
  | { kind: "error"; status: number; code?: string; message?: string }
  /** Process the request fully (store the fragment or file), then answer an error anyway. */
  | { kind: "failAfterAccept"; status?: number }
  /** Invalidate every access token issued so far, then process the request (which now fails with 401). */
  | { kind: "expireToken" }
  /** Answer 404 itemNotFound once without touching any state (a transient 404). */
  | { kind: "notFound" }
  /** Delete the upload session for real, then answer 404. */
  | { kind: "dropSession" }
  /** Process normally but answer with an empty body (final fragment: 201 without the driveItem). */
  | { kind: "emptyBody" }
  /** Flip one stored byte before the emulator hashes the file, so its quickXorHash no longer matches. */
  | { kind: "corruptHash" }
  /** Wait, then process normally. */
  | { kind: "delay"; ms: number }
  /** Destroy the connection without answering. */
  | { kind: "disconnect" }
  /** Answer a redirect (302 by default) to `location`, as a hostile or misconfigured host would. */
  | { kind: "redirect"; status?: 301 | 302 | 303 | 307 | 308; location: string }
  /** createUploadSession only: hand out `url` as the session's uploadUrl (a hostile answer). */
  | { kind: "uploadUrl"; url: string };

export interface FaultRuleInput {
  route: EmulatorRoute | "*";
  /** Let this many matching calls through before the fault applies (default 0). */
  skip?: number;
  /** How many matching calls the fault applies to (default 1; 0 means every later call). */
  times?: number;
  /** uploadFragment only: match only the fragment that completes the file (or only the others when false). */
  lastFragment?: boolean;
  action: FaultAction;
}

export interface FaultRule extends Required<Omit<FaultRuleInput, "lastFragment">> {
  id: string;
  lastFragment?: boolean;
  /** Matching calls seen so far, and how many of them got the fault. */
  seen: number;
  applied: number;
}

export interface LoggedRequest {
  seq: number;
  at: string;
  host: "identity" | "graph" | "upload" | "web";
  method: string;
  /** Path and query, with the upload URL's `tempauth` redacted. */
  path: string;
  route: EmulatorRoute | "unknown";
  authorization: boolean;
  userAgent: string | null;
  status: number;
  /** Kind of the fault applied to this call, if any. */
  fault?: FaultAction["kind"];
  contentRange?: string;
}

export interface StoredFile {
  /** Path from the drive root, with `/` separators and no leading slash. */
  path: string;
  id: string;
  name: string;
  size: number;
  quickXorHash: string;
  sha256: string;
  createdDateTime: string;
}

export interface SentMail {
  sender: string;
  to: string[];
  cc: string[];
  subject: string;
  contentType: string;
  body: string;
  saveToSentItems: boolean;
  receivedAt: string;
}

export interface UploadSessionInfo {
  id: string;
  path: string;
  received: number;
  total: number | null;
  expirationDateTime: string;
}

export interface EmulatorConfigPatch {
  /** Application roles put in the next tokens; `[]` emulates a missing admin consent. */
  roles?: string[];
  /** Lifetime of the next tokens. */
  tokenLifetimeSeconds?: number;
  /** When true the client secret is treated as expired (AADSTS7000222). */
  secretExpired?: boolean;
  /** Default page size of children listings (Graph's is 200). */
  pageSize?: number;
  /** Drive quota in bytes (`null`: unlimited); uploads beyond it get 507 quotaLimitReached. */
  quotaBytes?: number | null;
  /** Mailboxes allowed to send mail (`null`: any address). */
  mailboxes?: string[] | null;
}

export interface EmulatorState {
  url: string;
  uploadUrlBase: string;
  driveId: string;
  rootItemId: string;
  tenantId: string;
  clientId: string;
  links: Record<string, string>;
  down: false | "disconnect" | "unavailable";
  config: Required<EmulatorConfigPatch>;
}

export class GraphEmulatorAdmin {
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(url: string, options: { fetch?: typeof fetch } = {}) {
    this.#base = url.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? fetch;
  }

  state(): Promise<EmulatorState> {
    return this.#call("GET", "/_emulator/state");
  }

  /** Adds a fault rule; rules are tried in the order they were added, first match wins. */
  addFault(rule: FaultRuleInput): Promise<FaultRule> {
    return this.#call("POST", "/_emulator/faults", rule);
  }

  /** OneDrive full: every upload, simple or by session, fails with 507, which is never retried. */
  async failUploadsQuotaExceeded(): Promise<void> {
    for (const route of ["content", "createUploadSession"] as const) {
      await this.addFault({
        route,
        times: 0,
        action: {
          kind: "error",
          status: 507,
          code: "quotaLimitReached",
          message: "Insufficient Space Available",
        },
      });
    }
  }

  faults(): Promise<FaultRule[]> {
    return this.#call("GET", "/_emulator/faults");
  }

  clearFaults(): Promise<void> {
    return this.#call("DELETE", "/_emulator/faults");
  }

  requests(): Promise<LoggedRequest[]> {
    return this.#call("GET", "/_emulator/requests");
  }

  clearRequests(): Promise<void> {
    return this.#call("DELETE", "/_emulator/requests");
  }

  files(): Promise<StoredFile[]> {
    return this.#call("GET", "/_emulator/files");
  }

  /** Raw bytes of a stored file. */
  async fileContent(path: string): Promise<Uint8Array> {
    const response = await this.#fetch(
      `${this.#base}/_emulator/files/content?path=${encodeURIComponent(path)}`,
    );
    if (!response.ok) throw new Error(`Cannot read emulator file "${path}": HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Creates a file directly on the drive (e.g. to cause a name conflict), creating parent folders. */
  putFile(path: string, content: Uint8Array | string): Promise<StoredFile> {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    return this.#call("POST", "/_emulator/files", { path, contentBase64: toBase64(bytes) });
  }

  /** Deletes a file directly on the drive (test clean-up). */
  removeFile(path: string): Promise<void> {
    return this.#call("DELETE", `/_emulator/files?path=${encodeURIComponent(path)}`);
  }

  createFolder(path: string): Promise<{ id: string; path: string }> {
    return this.#call("POST", "/_emulator/folders", { path });
  }

  /**
   * Maps a sharing URL to a path on the drive (folder or file). `expired`: Graph answers 403 accessDenied
   * "The sharing link has expired."; `revoked` (removed by its owner): 404 itemNotFound.
   */
  /** `scope` is what `GET /shares/{id}/permission` reports as `link.scope` (default "users"). */
  addLink(
    url: string,
    path: string,
    state: "active" | "expired" | "revoked" = "active",
    scope?: "anonymous" | "organization" | "users" | "existingAccess",
  ): Promise<void> {
    return this.#call("POST", "/_emulator/links", { url, path, state, scope });
  }

  /** Every access token and upload URL handed out since the start or the last reset (for leak tests). */
  issued(): Promise<{ accessTokens: string[]; uploadUrls: string[] }> {
    return this.#call("GET", "/_emulator/issued");
  }

  mail(): Promise<SentMail[]> {
    return this.#call("GET", "/_emulator/mail");
  }

  sessions(): Promise<UploadSessionInfo[]> {
    return this.#call("GET", "/_emulator/sessions");
  }

  configure(patch: EmulatorConfigPatch): Promise<EmulatorState["config"]> {
    return this.#call("POST", "/_emulator/config", patch);
  }

  /** Invalidates every access token issued so far. */
  expireTokens(): Promise<void> {
    return this.#call("POST", "/_emulator/tokens/expire");
  }

  /**
   * Clears faults, the request log, mail, upload sessions, runtime links and token revocations, and restores
   * the start configuration. With `files: true` it also deletes every file and folder under the drive root.
   */
  reset(options: { files?: boolean } = {}): Promise<void> {
    return this.#call("POST", "/_emulator/reset", options);
  }

  /**
   * Takes the emulated service down: `disconnect` drops every non-admin connection without an answer,
   * `unavailable` answers 503 without Retry-After. The admin API keeps working.
   */
  down(mode: "disconnect" | "unavailable" = "disconnect"): Promise<void> {
    return this.#call("POST", "/_emulator/down", { mode });
  }

  up(): Promise<void> {
    return this.#call("POST", "/_emulator/up");
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(`${this.#base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `Graph emulator admin call failed: ${method} ${path} answered ${response.status}: ${text}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

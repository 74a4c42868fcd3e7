/**
 * Authorised requests to Microsoft Graph: bearer token (refreshed once when Graph answers 401
 * InvalidAuthenticationToken), the app's User-Agent, retries with Retry-After / back-off for throttling and
 * transient errors, and error mapping to GraphError with an admin-actionable message.
 */
import {
  describeServiceError,
  GraphError,
  parseServiceError,
  sanitise,
  type ServiceErrorDetail,
} from "./errors.ts";
import {
  backoffDelay,
  type FetchedResponse,
  fetchWithTimeout,
  isRetryableStatus,
  parseRetryAfter,
  RedirectRefused,
  type RequestRuntime,
  sleepUnlessAborted,
} from "./retry.ts";
import type { TokenProvider } from "./token.ts";
import type { FragmentPut } from "./fragment-put.ts";

export interface GraphHttpOptions extends RequestRuntime {
  graphBaseUrl: string;
  tokens: TokenProvider;
  /** Sends upload-session fragments; when absent they go through `fetch` like every other request. */
  putFragment?: FragmentPut;
  /** Origins trusted for upload URLs besides Microsoft's SharePoint hosts (the local emulator only). */
  uploadOrigins?: string[];
}

export interface GraphRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path under the Graph root ("/v1.0/…"), or an absolute URL on the Graph host (an `@odata.nextLink`). */
  path: string;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  /** Non-2xx statuses handed back to the caller instead of thrown. */
  accept?: number[];
  signal?: AbortSignal;
  /** What the request does, for messages ("Cannot <operation>: …"). */
  operation: string;
}

export interface GraphResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON body; undefined when the body was empty or not JSON. */
  body: T | undefined;
  detail: ServiceErrorDetail;
}

export class GraphHttp {
  readonly #o: GraphHttpOptions;
  readonly #origin: string;
  readonly #root: string;

  constructor(options: GraphHttpOptions) {
    this.#o = options;
    this.#root = options.graphBaseUrl.replace(/\/+$/, "");
    this.#origin = new URL(this.#root).origin;
  }

  get options(): GraphHttpOptions {
    return this.#o;
  }

  async send<T = unknown>(request: GraphRequest): Promise<GraphResponse<T>> {
    const o = this.#o;
    const url = this.#resolve(request);
    let refreshed = false;
    for (let attempt = 1;; attempt++) {
      const token = await o.tokens.getToken(request.signal);
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        "user-agent": o.userAgent,
        "client-request-id": crypto.randomUUID(),
      };
      let body: BodyInit | undefined;
      if (request.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(request.json);
      } else if (request.body !== undefined) {
        headers["content-type"] = request.contentType ?? "application/octet-stream";
        body = request.body as Uint8Array<ArrayBuffer>;
      }

      let response: FetchedResponse;
      try {
        response = await fetchWithTimeout(
          o.fetch,
          url,
          { method: request.method, headers, body },
          o.retry.timeoutMs,
          request.signal,
        );
      } catch (error) {
        if (request.signal?.aborted) throw cancelled(request.operation, error);
        if (error instanceof RedirectRefused) throw redirectRefused(request.operation, error);
        if (attempt < o.retry.maxAttempts) {
          const wait = backoffDelay(attempt, o.retry, o.random);
          o.log(
            `Graph ${request.method} failed (${
              sanitise((error as Error).message, 80)
            }, attempt ${attempt}); retrying in ${wait} ms`,
          );
          await this.#pause(wait, request);
          continue;
        }
        throw new GraphError(
          "graph_unreachable",
          `Cannot ${request.operation}: cannot reach "${this.#origin}" (${
            sanitise((error as Error).message)
          }). Check GRAPH_BASE_URL and the network`,
          { cause: error },
        );
      }

      const text = response.text;
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const detail = parseServiceError(parsed, response.headers);
      const status = response.status;

      if ((status >= 200 && status < 300) || request.accept?.includes(status)) {
        return { status, headers: response.headers, body: parsed as T | undefined, detail };
      }
      if (status === 401 && !refreshed && detail.code === "InvalidAuthenticationToken") {
        // Tokens can be revoked or expire early; one fresh token is worth a try, more would loop.
        refreshed = true;
        o.tokens.invalidate();
        o.log(`Graph rejected the access token (${sanitise(detail.message, 80)}); getting a new one`);
        attempt -= 1;
        continue;
      }
      if (isRetryableStatus(status) && attempt < o.retry.maxAttempts) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"), o.now());
        if (retryAfter !== undefined && retryAfter > o.retry.maxRetryAfterMs) {
          throw throttledTooLong(request.operation, status, retryAfter, detail);
        }
        const wait = retryAfter ?? backoffDelay(attempt, o.retry, o.random);
        o.log(`Graph ${request.method} answered ${status} (attempt ${attempt}); retrying in ${wait} ms`);
        await this.#pause(wait, request);
        continue;
      }
      throw graphFailure(request.operation, status, detail);
    }
  }

  /**
   * The URL the request goes to: a path under the Graph root ("/v1.0/…"), or an absolute URL from the service
   * (an `@odata.nextLink`). Either way the resolved URL must be on the Graph host: the request carries the
   * token. Anything else from a response, such as "@evil.example/x" (glued onto the root, it became
   * "https://graph.microsoft.com@evil.example/x") or ".evil.example/x", is refused before any request.
   */
  #resolve(request: GraphRequest): string {
    const absolute = /^https?:\/\//i.test(request.path);
    let url: URL | undefined;
    if (absolute || request.path.startsWith("/")) {
      try {
        url = new URL(absolute ? request.path : `${this.#root}${request.path}`);
      } catch {
        url = undefined;
      }
    }
    if (!url || url.origin !== this.#origin || url.username !== "" || url.password !== "") {
      throw new GraphError(
        "graph_request_failed",
        `Cannot ${request.operation}: Microsoft Graph returned a link off the Graph host ("${
          url ? url.origin : "not a URL"
        }"), which was not followed`,
      );
    }
    return url.href;
  }

  async #pause(ms: number, request: GraphRequest): Promise<void> {
    try {
      await sleepUnlessAborted(this.#o.sleep, ms, request.signal);
    } catch (error) {
      throw cancelled(request.operation, error);
    }
  }
}

export function cancelled(operation: string, cause: unknown): GraphError {
  return new GraphError("graph_request_cancelled", `Cannot ${operation}: the request was cancelled`, {
    cause,
  });
}

/** A redirect from Graph, the identity platform or the upload host: never followed, never retried. */
export function redirectRefused(operation: string, redirect: RedirectRefused): GraphError {
  return new GraphError(
    "graph_redirect_refused",
    `Cannot ${operation}: ${redirect.describe()}. Check GRAPH_BASE_URL and AZURE_AUTHORITY_HOST (a proxy in between?)`,
    { status: redirect.status, cause: redirect },
  );
}

export function throttledTooLong(
  operation: string,
  status: number,
  retryAfterMs: number,
  detail: ServiceErrorDetail,
): GraphError {
  return new GraphError(
    "graph_throttled",
    `Cannot ${operation}: Microsoft Graph is throttling this app and asked to wait ${
      Math.ceil(retryAfterMs / 1000)
    } seconds${describeServiceError(detail)}. Try again later`,
    { status, graphCode: detail.code, requestId: detail.requestId },
  );
}

/** Maps a final Graph error response to a GraphError. */
export function graphFailure(operation: string, status: number, detail: ServiceErrorDetail): GraphError {
  const options = { status, graphCode: detail.code, requestId: detail.requestId };
  const service = describeServiceError(detail);
  if (status === 401) {
    return new GraphError(
      "graph_auth_failed",
      `Cannot ${operation}: Microsoft Graph rejected a fresh access token${service}. Check that AZURE_TENANT_ID is the tenant of the OneDrive / SharePoint site and that GRAPH_BASE_URL matches its cloud`,
      options,
    );
  }
  if (status === 403 && /scp or roles claim/i.test(detail.message ?? "")) {
    return new GraphError(
      "graph_admin_consent_missing",
      `Cannot ${operation}: the app's token carries no application permission: grant admin consent for Files.ReadWrite.All (or Sites.ReadWrite.All) in Azure portal > App registrations > API permissions`,
      options,
    );
  }
  if (status === 403) {
    return new GraphError(
      "graph_forbidden",
      `Cannot ${operation}: access denied${service}. The app needs the application permission Files.ReadWrite.All or Sites.ReadWrite.All with admin consent (or a Sites.Selected grant with write access to this site)`,
      options,
    );
  }
  if (status === 507 || detail.code === "quotaLimitReached") {
    return new GraphError(
      "graph_quota_exceeded",
      `Cannot ${operation}: the OneDrive / SharePoint storage quota is full${service}. Free some space or raise the quota, or lower BACKUP_RETENTION_COUNT`,
      options,
    );
  }
  if (status === 429) {
    return new GraphError(
      "graph_throttled",
      `Cannot ${operation}: Microsoft Graph kept throttling the app after several retries${service}. Try again later`,
      options,
    );
  }
  if (status >= 500) {
    return new GraphError(
      "graph_unavailable",
      `Cannot ${operation}: Microsoft Graph answered ${status} after several retries${service}. Try again later`,
      options,
    );
  }
  return new GraphError(
    "graph_request_failed",
    `Cannot ${operation}: Microsoft Graph answered ${status}${service}`,
    options,
  );
}

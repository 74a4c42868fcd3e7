/**
 * Authorised requests to Microsoft Graph: bearer token (refreshed once when Graph answers 401
 * InvalidAuthenticationToken), the app's User-Agent, retries with Retry-After / back-off for throttling and
 * transient errors, and error mapping to GraphError with an admin-actionable message.
 */
import {
  describeServiceError,
  GraphError,
  type GraphErrorCode,
  sanitise,
  type ServiceErrorDetail,
} from "./errors.ts";
import { type FetchedResponse, fetchWithTimeout, readAnswer, type RedirectRefused } from "./exchange.ts";
import { isRetryableStatus, type RequestRuntime, retryRequest } from "./retry.ts";
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
    const operation = request.operation;
    const url = this.#resolve(request);
    let refreshed = false;
    const response = await retryRequest(this.#o, {
      label: `Graph ${request.method}`,
      signal: request.signal,
      send: () => this.#sendOnce(url, request),
      retryable: (status) => !request.accept?.includes(status) && isRetryableStatus(status),
      again: (answer) => {
        if (answer.status !== 401 || refreshed) return false;
        const { detail } = readAnswer(answer);
        if (detail.code !== "InvalidAuthenticationToken") return false;
        // Tokens can be revoked or expire early; one fresh token is worth a try, more would loop.
        refreshed = true;
        this.#o.tokens.invalidate();
        this.#o.log(`Graph rejected the access token (${sanitise(detail.message, 80)}); getting a new one`);
        return true;
      },
      redirected: (redirect) => redirectRefused(operation, redirect),
      unreachable: (error) =>
        new GraphError(
          "graph_unreachable",
          `Cannot ${operation}: cannot reach "${this.#origin}" (${
            sanitise((error as Error).message)
          }). Check GRAPH_BASE_URL and the network`,
          { cause: error },
        ),
      cancelled: (error) => cancelled(operation, error),
      throttledTooLong: (answer, ms) =>
        throttledTooLong(operation, answer.status, ms, readAnswer(answer).detail),
    });
    const { body, detail } = readAnswer(response);
    const status = response.status;
    if ((status >= 200 && status < 300) || request.accept?.includes(status)) {
      return { status, headers: response.headers, body: body as T | undefined, detail };
    }
    throw graphFailure(operation, status, detail);
  }

  /** One attempt: a current token, the app's headers, the body. */
  async #sendOnce(url: string, request: GraphRequest): Promise<FetchedResponse> {
    const o = this.#o;
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
      body = request.body as BodyInit;
    }
    return await fetchWithTimeout(
      o.fetch,
      url,
      { method: request.method, headers, body },
      o.retry.timeoutMs,
      request.signal,
    );
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

/**
 * A 403 on a request that needs a specific permission: missing admin consent (a token without roles) is
 * reported as such, anything else as `code` with the advice that fits the request.
 */
export function accessDenied(
  operation: string,
  detail: ServiceErrorDetail,
  code: GraphErrorCode,
  advice: string,
): GraphError {
  const failure = graphFailure(operation, 403, detail);
  if (failure.code === "graph_admin_consent_missing") return failure;
  return new GraphError(
    code,
    `Cannot ${operation}: access denied${describeServiceError(detail)}. ${advice}`,
    {
      status: 403,
      graphCode: detail.code,
      requestId: detail.requestId,
    },
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

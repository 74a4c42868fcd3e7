/**
 * App-only access tokens (OAuth 2.0 client credentials) for Microsoft Graph, cached until shortly before they
 * expire. Identity platform errors become messages that name the setting to fix; the secret never appears.
 */
import { GraphError, type GraphErrorCode, parseServiceError, sanitise } from "./errors.ts";
import { fetchWithTimeout, parseJsonBody } from "./exchange.ts";
import { type RequestRuntime, retryRequest } from "./retry.ts";

export interface TokenProviderOptions extends RequestRuntime {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphBaseUrl: string;
}

export interface AccessToken {
  token: string;
  expiresAt: number;
}

export class TokenProvider {
  readonly #options: TokenProviderOptions;
  #cached: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
  }

  /** Scope of the token: the Graph root followed by `/.default` (all consented application permissions). */
  get scope(): string {
    return `${this.#options.graphBaseUrl.replace(/\/+$/, "")}/.default`;
  }

  /** A valid token, from the cache when it has more than its refresh margin left. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#options.now() < cached.expiresAt) return cached.token;
    // Concurrent callers share one request.
    this.#pending ??= this.#request(signal).finally(() => {
      this.#pending = undefined;
    });
    const fresh = await this.#pending;
    this.#cached = fresh;
    return fresh.token;
  }

  /** Forgets the cached token (after Graph rejected it). */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #request(signal?: AbortSignal): Promise<AccessToken> {
    const o = this.#options;
    const authority = o.authorityHost.replace(/\/+$/, "");
    const url = `${authority}/${encodeURIComponent(o.tenantId)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: o.clientId,
      client_secret: o.clientSecret,
      grant_type: "client_credentials",
      scope: this.scope,
    });
    const response = await retryRequest(o, {
      label: "Token request",
      signal,
      send: () =>
        fetchWithTimeout(
          o.fetch,
          url,
          {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              accept: "application/json",
              "user-agent": o.userAgent,
            },
            body: body.toString(),
          },
          o.retry.timeoutMs,
          signal,
        ),
      // The request carries the client secret: it must never reach the redirect's target.
      redirected: (error) =>
        new GraphError(
          "graph_redirect_refused",
          `Cannot get a Microsoft Graph token: ${error.describe()}. Check AZURE_AUTHORITY_HOST`,
          { status: error.status, cause: error },
        ),
      unreachable: (error) =>
        new GraphError(
          "graph_token_unreachable",
          `Cannot get a Microsoft Graph token: cannot reach "${authority}" (${
            sanitise((error as Error).message)
          }). Check AZURE_AUTHORITY_HOST and the network`,
          { cause: error },
        ),
    });
    const json = parseJsonBody(response.text);
    if (response.status < 200 || response.status >= 300) {
      throw this.#mapError(response.status, json, response.text);
    }
    const record = (json ?? {}) as Record<string, unknown>;
    if (typeof record.access_token !== "string" || typeof record.expires_in !== "number") {
      throw new GraphError(
        "graph_auth_failed",
        `Cannot get a Microsoft Graph token: "${authority}" answered without an access token. Check AZURE_AUTHORITY_HOST`,
        { status: response.status },
      );
    }
    // Refresh a little before expiry: 5 minutes for the usual 60-90 minute tokens, less for short ones.
    const marginSeconds = Math.min(300, record.expires_in * 0.1);
    return {
      token: record.access_token,
      expiresAt: o.now() + (record.expires_in - marginSeconds) * 1000,
    };
  }

  #mapError(status: number, json: unknown, text: string): GraphError {
    const o = this.#options;
    const detail = parseServiceError(json);
    const aadsts = detail.aadsts;
    const tag = aadsts ? ` (AADSTS${aadsts})` : "";
    const fail = (code: GraphErrorCode, message: string) =>
      new GraphError(code, `Cannot get a Microsoft Graph token: ${message}`, {
        status,
        graphCode: detail.code,
      });
    switch (aadsts) {
      case 7000215:
      case 7000218: {
        const looksLikeId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
          o.clientSecret,
        );
        return fail(
          "graph_auth_invalid_secret",
          `AZURE_CLIENT_SECRET is not a valid secret of the app "${o.clientId}"${tag}. ` +
            (looksLikeId
              ? "The configured value looks like the secret's ID (a GUID): copy the secret's Value instead, from Azure portal > App registrations > Certificates & secrets"
              : "Copy the secret's Value (not its Secret ID) from Azure portal > App registrations > Certificates & secrets"),
        );
      }
      case 7000222:
        return fail(
          "graph_auth_expired_secret",
          `the client secret in AZURE_CLIENT_SECRET has expired${tag}. Create a new secret under Azure portal > App registrations > Certificates & secrets and update AZURE_CLIENT_SECRET`,
        );
      case 700016:
        return fail(
          "graph_auth_unknown_client",
          `AZURE_CLIENT_ID "${o.clientId}" is not an application of the tenant "${o.tenantId}"${tag}. Copy the Application (client) ID from the app registration's Overview page, and check that AZURE_TENANT_ID is the tenant where the app is registered`,
        );
      case 90002:
        return fail(
          "graph_auth_unknown_tenant",
          `the tenant "${o.tenantId}" in AZURE_TENANT_ID does not exist${tag}. Copy the Directory (tenant) ID from the app registration's Overview page`,
        );
      case 9001023:
      case 90010:
      case 90130:
        return fail(
          "graph_auth_common_tenant",
          `AZURE_TENANT_ID is "${o.tenantId}", but app-only access needs your own tenant${tag}. Set AZURE_TENANT_ID to the Directory (tenant) ID shown on the app registration's Overview page`,
        );
      case 1002012:
      case 70011:
      case 500011:
        return fail(
          "graph_auth_invalid_scope",
          `the scope "${this.scope}" was refused${tag}. Check GRAPH_BASE_URL (default https://graph.microsoft.com)`,
        );
    }
    const described = detail.message
      ? `: ${sanitise(detail.message)}`
      : text
      ? `: ${sanitise(text, 200)}`
      : "";
    return fail(
      "graph_auth_failed",
      `the identity platform answered ${status}${
        detail.code ? ` "${detail.code}"` : ""
      }${described}. Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`,
    );
  }
}

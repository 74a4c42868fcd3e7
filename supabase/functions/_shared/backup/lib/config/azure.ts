/**
 * The Microsoft Entra app that signs in to Graph (AZURE_*), and where Graph and its sign-in live
 * (AZURE_AUTHORITY_HOST, GRAPH_BASE_URL, GRAPH_UPLOAD_ORIGINS; only tests and the local stack change them).
 */
import type { AzureCredentials, ConfigProblem, Env } from "./types.ts";
import { parseList, parseUrl, value } from "./env.ts";

/** The three variables that together enable OneDrive; setting any of them means OneDrive was intended. */
export const AZURE_CREDENTIAL_NAMES = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"] as const;

const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";
const DEFAULT_GRAPH = "https://graph.microsoft.com";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const MULTI_TENANT_ALIASES = new Set(["common", "organizations", "consumers"]);

function parseTenant(raw: string, problems: ConfigProblem[]): void {
  if (MULTI_TENANT_ALIASES.has(raw.toLowerCase())) {
    problems.push({
      variable: "AZURE_TENANT_ID",
      message:
        `AZURE_TENANT_ID cannot be "${raw}" for an app-only sign-in: use the Directory (tenant) ID from the app's Overview page`,
    });
  } else if (!GUID.test(raw) && !DOMAIN.test(raw)) {
    problems.push({
      variable: "AZURE_TENANT_ID",
      message:
        "AZURE_TENANT_ID is not a tenant ID: use the Directory (tenant) ID, a GUID like 00000000-0000-0000-0000-000000000000, or a domain like contoso.onmicrosoft.com (no spaces, braces or quotes)",
    });
  }
}

/** GRAPH_UPLOAD_ORIGINS: https origins, or http on a loopback address (a local Graph emulator). */
function parseUploadOrigins(env: Env, problems: ConfigProblem[]): string[] {
  const origins: string[] = [];
  for (const item of parseList(value(env, "GRAPH_UPLOAD_ORIGINS"))) {
    const parsed = parseUrl(
      item,
      "GRAPH_UPLOAD_ORIGINS",
      problems,
      "the local Graph emulator's upload origin, e.g. http://127.0.0.2:54330 (leave it unset with Microsoft Graph)",
    );
    if (parsed) origins.push(new URL(parsed).origin);
  }
  return origins;
}

export function parseAzure(env: Env, problems: ConfigProblem[]): AzureCredentials | null {
  const names = AZURE_CREDENTIAL_NAMES;
  const present = names.filter((n) => value(env, n) !== undefined);
  const authorityRaw = value(env, "AZURE_AUTHORITY_HOST") ?? DEFAULT_AUTHORITY;
  const graphRaw = value(env, "GRAPH_BASE_URL") ?? DEFAULT_GRAPH;
  const authorityHost = parseUrl(
    authorityRaw,
    "AZURE_AUTHORITY_HOST",
    problems,
    "the token host, e.g. https://login.microsoftonline.com",
  );
  const graphBaseUrl = parseUrl(
    graphRaw,
    "GRAPH_BASE_URL",
    problems,
    "the Graph root, e.g. https://graph.microsoft.com",
  );
  if (graphBaseUrl && /\/v1\.0$|\/beta$/.test(graphBaseUrl)) {
    problems.push({
      variable: "GRAPH_BASE_URL",
      message:
        `GRAPH_BASE_URL must be the Graph root without a version: remove the trailing "/v1.0" or "/beta"`,
    });
  }
  if (present.length === 0) return null;
  if (present.length < names.length) {
    const missing = names.filter((n) => !present.includes(n));
    problems.push({
      variable: missing[0],
      message: `OneDrive is half configured: ${present.join(", ")} ${
        present.length === 1 ? "is" : "are"
      } set but ${missing.join(", ")} ${
        missing.length === 1 ? "is" : "are"
      } missing; set all three (or none to skip OneDrive)`,
    });
    return null;
  }
  const tenantId = value(env, "AZURE_TENANT_ID")!;
  const clientId = value(env, "AZURE_CLIENT_ID")!;
  const clientSecret = value(env, "AZURE_CLIENT_SECRET")!;
  parseTenant(tenantId, problems);
  if (!GUID.test(clientId)) {
    problems.push({
      variable: "AZURE_CLIENT_ID",
      message:
        "AZURE_CLIENT_ID is not an application ID: use the Application (client) ID from the app's Overview page, a GUID like 00000000-0000-0000-0000-000000000000 (no spaces, braces or quotes)",
    });
  }
  if (GUID.test(clientSecret)) {
    problems.push({
      variable: "AZURE_CLIENT_SECRET",
      message:
        "AZURE_CLIENT_SECRET looks like a secret ID (a GUID), not the secret itself: copy the Value column under Certificates & secrets (create a new secret if it is no longer shown)",
    });
  } else if (/\s/.test(clientSecret) || /^["'{]|["'}]$/.test(clientSecret)) {
    problems.push({
      variable: "AZURE_CLIENT_SECRET",
      message:
        "AZURE_CLIENT_SECRET contains spaces, quotes or braces: paste the secret's Value exactly, without them",
    });
  }
  const uploadOrigins = parseUploadOrigins(env, problems);
  if (!authorityHost || !graphBaseUrl) return null;
  return { tenantId, clientId, clientSecret, authorityHost, graphBaseUrl, uploadOrigins };
}

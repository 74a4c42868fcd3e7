// The identity platform's client-credentials token endpoint: `POST /{tenant}/oauth2/v2.0/token`.
// Its checks come in the order Entra ID applies them, each with the AADSTS code a real tenant would return.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  applyLeadingFault,
  type EmulatorContext,
  recordIssued,
  type RequestNote,
} from "./emulator-context.ts";
import { readBody, sendIdentityError, sendJson } from "./http-replies.ts";

const GRAPH_RESOURCES = ["https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"];

export async function handleTokenRequest(
  context: EmulatorContext,
  tenant: string,
  req: IncomingMessage,
  res: ServerResponse,
  note: RequestNote,
): Promise<void> {
  note.route = "token";
  const fault = context.faults.take("token");
  if (fault) note.fault = fault.kind;
  if (await applyLeadingFault(context, fault, req, res, "identity")) return;

  const authority = context.url;
  const fail = (status: number, error: string, code: number, description: string) =>
    sendIdentityError(res, status, error, code, description, authority);

  const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8"));
  const tenantLower = decodeURIComponent(tenant).toLowerCase();
  if (tenantLower === "common" || tenantLower === "consumers" || tenantLower === "organizations") {
    return fail(
      400,
      "invalid_request",
      9001023,
      "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    );
  }
  if (tenantLower !== context.tenantId.toLowerCase()) {
    return fail(
      400,
      "invalid_request",
      90002,
      `Tenant '${decodeURIComponent(tenant)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  const grantType = form.get("grant_type");
  if (!grantType) {
    return fail(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  if (grantType !== "client_credentials") {
    return fail(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
    );
  }
  const clientId = form.get("client_id");
  if (!clientId) {
    return fail(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  if (clientId !== context.clientId) {
    return fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${context.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  const secret = form.get("client_secret");
  if (!secret) {
    return fail(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  if (secret !== context.clientSecret) {
    return fail(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }
  if (context.config.secretExpired) {
    return fail(
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${clientId}' are expired.`,
    );
  }
  const scope = form.get("scope") ?? "";
  if (!scope.endsWith("/.default")) {
    return fail(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = scope.slice(0, -"/.default".length).replace(/\/+$/, "");
  if (!GRAPH_RESOURCES.includes(resource) && resource !== context.url) {
    return fail(
      400,
      "invalid_resource",
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${context.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }

  const lifetime = context.config.tokenLifetimeSeconds;
  const accessToken = await context.tokens.issue({
    tenantId: context.tenantId,
    clientId,
    roles: context.config.roles,
    lifetimeSeconds: lifetime,
  });
  recordIssued(context.issued.accessTokens, accessToken);
  sendJson(
    res,
    200,
    {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    },
    { "cache-control": "no-store, no-cache", pragma: "no-cache" },
  );
}

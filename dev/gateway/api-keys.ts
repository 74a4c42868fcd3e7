/**
 * API keys and JWTs of the local stack, as a hosted Supabase project has them:
 * - legacy keys: `anon` and `service_role` JWTs (HS256, signed with the project's JWT secret);
 * - new-format keys: `sb_publishable_…` (acts as anon) and `sb_secret_…` (acts as service_role).
 * A request's role comes from its `Authorization: Bearer` token when present, otherwise from its
 * `apikey`, as Supabase's API gateway does.
 */
import { randomBytes } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";

export interface ApiKeys {
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
}

export interface Caller {
  role: string;
  /** The claims Postgres sees in `request.jwt.claims`. */
  claims: Record<string, unknown>;
  /** The user's id for user tokens. */
  userId?: string;
}

export type TokenProblem = "missing" | "malformed" | "invalid_signature" | "expired" | "unknown_key";

export class TokenError extends Error {
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Far-future expiry for the project keys, like Supabase's legacy keys (about ten years). */
const KEY_ISSUED_AT = 1_764_000_000;
const KEY_EXPIRES_AT = KEY_ISSUED_AT + 10 * 365 * 24 * 3600;

export function generateJwtSecret(): string {
  return randomBytes(32).toString("base64url");
}

function secretBytes(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signJwt(secret: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secretBytes(secret));
}

/**
 * Derives the project keys from the JWT secret. The new-format keys are derived too (not random),
 * so they stay stable across restarts with the same secret.
 */
export async function createApiKeys(secret: string): Promise<ApiKeys> {
  const projectKey = (role: string) =>
    signJwt(secret, { iss: "supabase-local", ref: "local", role, iat: KEY_ISSUED_AT, exp: KEY_EXPIRES_AT });
  const derive = async (label: string) => {
    const data = new TextEncoder().encode(`${label}:${secret}`);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    return Buffer.from(digest).toString("base64url").slice(0, 32);
  };
  return {
    anonKey: await projectKey("anon"),
    serviceRoleKey: await projectKey("service_role"),
    publishableKey: `sb_publishable_${await derive("publishable")}`,
    secretKey: `sb_secret_${await derive("secret")}`,
  };
}

export async function verifyJwt(secret: string, token: string): Promise<Record<string, unknown>> {
  if (token.split(".").length !== 3) {
    throw new TokenError("malformed", "Expected 3 parts in JWT; got " + token.split(".").length);
  }
  try {
    const { payload } = await jwtVerify(token, secretBytes(secret), { algorithms: ["HS256"] });
    return payload as Record<string, unknown>;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError("expired", "JWT expired");
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new TokenError("invalid_signature", "JWSError JWSInvalidSignature");
    }
    throw new TokenError("malformed", `JWSError ${(error as Error).message}`);
  }
}

/** Which role an opaque new-format key stands for, if it is one of the project's. */
export function opaqueKeyRole(keys: ApiKeys, key: string): string | undefined {
  if (key === keys.publishableKey) return "anon";
  if (key === keys.secretKey) return "service_role";
  return undefined;
}

export function isProjectApiKey(keys: ApiKeys, key: string): boolean {
  return key === keys.anonKey || key === keys.serviceRoleKey || opaqueKeyRole(keys, key) !== undefined;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/** Resolves the caller from a token (a JWT or an opaque project key). */
export async function callerFromToken(secret: string, keys: ApiKeys, token: string): Promise<Caller> {
  const opaque = opaqueKeyRole(keys, token);
  if (opaque) return { role: opaque, claims: { role: opaque } };
  if (token.startsWith("sb_")) throw new TokenError("unknown_key", "Invalid API key");
  const claims = await verifyJwt(secret, token);
  const role = typeof claims.role === "string" && claims.role ? claims.role : "anon";
  const userId = typeof claims.sub === "string" ? claims.sub : undefined;
  return { role, claims, ...(userId ? { userId } : {}) };
}

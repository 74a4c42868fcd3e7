/**
 * Who is calling (docs/design.md §4): a signed-in user for whom `public.can_manage_backups()` is true,
 * or the scheduler presenting the shared secret in `x-backup-secret`. Nothing else.
 *
 * - A user's JWT is checked by Supabase Auth itself (`GET /auth/v1/user`), which works with both the
 *   legacy HS256 keys and the new asymmetric ones; the admin check then runs *as that user* in
 *   Postgres (role `authenticated` with the JWT's claims), so an app that redefines
 *   can_manage_backups() is honoured exactly as its RLS policies would be.
 * - The scheduler's secret is compared in constant time, against the Vault secret and/or
 *   BACKUP_CRON_SECRET.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Buffer } from "node:buffer";
import type { Sql } from "../lib/db.ts";

export type Caller =
  | { kind: "user"; userId: string }
  | { kind: "scheduler" }
  | { kind: "denied"; status: 401 | 403 | 503; error: string };

export interface AuthDeps {
  fetch: typeof fetch;
  supabaseUrl: string;
  /** Sent as `apikey` to Auth (the service role or secret key). */
  apiKey: string;
  sql: Sql;
  /** The accepted scheduler secrets (Vault and/or BACKUP_CRON_SECRET); read on each scheduler call. */
  schedulerSecrets: () => Promise<string[]>;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time equality: comparing fixed-length digests hides both content and length. */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function decodeClaims(token: string): Record<string, unknown> | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replaceAll("-", "+").replaceAll("_", "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

async function checkScheduler(secret: string, deps: AuthDeps): Promise<Caller> {
  let accepted: string[];
  try {
    accepted = (await deps.schedulerSecrets()).filter((s) => s.length > 0);
  } catch {
    return {
      kind: "denied",
      status: 503,
      error: "Cannot check the scheduler secret: the database is unreachable",
    };
  }
  // Compare against every candidate (no early exit), so timing says nothing about which one matched.
  let ok = false;
  for (const candidate of accepted) ok = secretsEqual(secret, candidate) || ok;
  if (secret.length === 0 || !ok) {
    return {
      kind: "denied",
      status: 401,
      error: "Invalid scheduler secret: the x-backup-secret header does not match",
    };
  }
  return { kind: "scheduler" };
}

async function checkUser(token: string, deps: AuthDeps): Promise<Caller> {
  let response: Response;
  try {
    response = await deps.fetch(`${deps.supabaseUrl}/auth/v1/user`, {
      headers: { authorization: `Bearer ${token}`, apikey: deps.apiKey },
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    return {
      kind: "denied",
      status: 503,
      error: "Cannot check the caller: the Auth API is unreachable; try again",
    };
  }
  const body = await response.json().catch(() => null) as { id?: unknown } | null;
  if (response.status >= 500) {
    return {
      kind: "denied",
      status: 503,
      error: `Cannot check the caller: the Auth API answered HTTP ${response.status}`,
    };
  }
  if (!response.ok || typeof body?.id !== "string") {
    return { kind: "denied", status: 401, error: "Invalid or expired session: sign in again" };
  }
  const claims = decodeClaims(token);
  if (!claims || claims.sub !== body.id) {
    return { kind: "denied", status: 401, error: "Invalid or expired session: sign in again" };
  }
  let allowed: boolean;
  try {
    allowed = await deps.sql.begin(async (tx) => {
      await tx`set local role authenticated`;
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                      set_config('request.jwt.claim.sub', ${body.id as string}, true)`;
      const [row] = await tx<
        Array<{ allowed: boolean | null }>
      >`select public.can_manage_backups() as allowed`;
      return row?.allowed === true;
    }) as boolean;
  } catch (error) {
    const code = (error as { code?: string })?.code;
    if (code === "42883") {
      return {
        kind: "denied",
        status: 503,
        error: "Cannot check admin rights: public.can_manage_backups() does not exist; apply the migrations",
      };
    }
    return {
      kind: "denied",
      status: 503,
      error: "Cannot check admin rights: the database is unreachable; try again",
    };
  }
  if (!allowed) {
    return {
      kind: "denied",
      status: 403,
      error:
        "Not allowed: only admins can manage backups (public.can_manage_backups() is false for this user)",
    };
  }
  return { kind: "user", userId: body.id };
}

export async function authenticateCaller(request: Request, deps: AuthDeps): Promise<Caller> {
  const secret = request.headers.get("x-backup-secret");
  if (secret !== null) return await checkScheduler(secret.trim(), deps);
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    return {
      kind: "denied",
      status: 401,
      error: "Missing credentials: sign in as an admin, or call with the scheduler's x-backup-secret header",
    };
  }
  return await checkUser(match[1], deps);
}

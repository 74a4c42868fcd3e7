/**
 * `/auth/v1`: the part of Supabase Auth (GoTrue) supabase-js needs for email + password sessions:
 * password and refresh-token grants, the current user, logout, settings and health. Users live in
 * `auth.users` with bcrypt hashes checked by pgcrypto's `crypt()`, as GoTrue stores them; sessions
 * and rotating refresh tokens in `auth.sessions` / `auth.refresh_tokens`. Access tokens are HS256
 * JWTs with Supabase's claims, signed with the project's JWT secret.
 *
 * Errors follow GoTrue: with `X-Supabase-Api-Version: 2024-01-01` (sent by current supabase-js)
 * `{code: "<error_code>", message}`, otherwise `{code: <status>, error_code, msg}`.
 */
import { randomBytes } from "node:crypto";
import { Hono, type Context } from "hono";
import type pg from "pg";
import { bearerToken, signJwt, TokenError, verifyJwt } from "./api-keys.ts";
import { withOwnerTransaction, type Db } from "./caller-transaction.ts";

export interface AuthContext {
  pool: pg.Pool;
  jwtSecret: string;
  /** The gateway's public URL; the token issuer is `<url>/auth/v1`. */
  publicUrl: () => string;
  /** Access token lifetime in seconds (Supabase's default: 3600). */
  accessTokenSeconds: number;
}

const API_VERSION = "2024-01-01";
/** GoTrue lets a just-rotated refresh token be used again for a short while (parallel tabs). */
const REFRESH_REUSE_SECONDS = 10;

class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

function sendAuthError(c: Context, error: unknown): Response {
  if (!(error instanceof AuthError)) throw error;
  const versioned = (c.req.header("x-supabase-api-version") ?? "") >= API_VERSION;
  if (versioned) {
    c.header("X-Supabase-Api-Version", API_VERSION);
    return c.json({ code: error.errorCode, message: error.message }, error.status as 400);
  }
  return c.json({ code: error.status, error_code: error.errorCode, msg: error.message }, error.status as 400);
}

interface UserRow {
  id: string;
  user: Record<string, unknown>;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  email: string | null;
  phone: string | null;
  is_anonymous: boolean;
}

/** The user object GoTrue returns, built by Postgres from the row. */
const USER_SELECT = `
  select u.id::text as id, u.email, u.phone, u.is_anonymous,
    coalesce(u.raw_app_meta_data, '{}'::jsonb) as app_metadata,
    coalesce(u.raw_user_meta_data, '{}'::jsonb) as user_metadata,
    jsonb_build_object(
      'id', u.id, 'aud', coalesce(u.aud, 'authenticated'), 'role', coalesce(u.role, 'authenticated'),
      'email', coalesce(u.email, ''), 'email_confirmed_at', u.email_confirmed_at, 'phone', coalesce(u.phone, ''),
      'confirmed_at', u.confirmed_at, 'last_sign_in_at', u.last_sign_in_at,
      'app_metadata', coalesce(u.raw_app_meta_data, '{}'::jsonb),
      'user_metadata', coalesce(u.raw_user_meta_data, '{}'::jsonb),
      'identities', '[]'::jsonb, 'created_at', u.created_at, 'updated_at', u.updated_at,
      'is_anonymous', u.is_anonymous
    ) as "user"
  from auth.users u`;

async function issueSession(
  ctx: AuthContext,
  db: Db,
  user: UserRow,
  sessionId: string,
  refreshToken: string,
  authenticatedAt: number,
): Promise<Record<string, unknown>> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + ctx.accessTokenSeconds;
  const accessToken = await signJwt(ctx.jwtSecret, {
    iss: `${ctx.publicUrl()}/auth/v1`,
    sub: user.id,
    aud: "authenticated",
    exp: expiresAt,
    iat: now,
    email: user.email ?? "",
    phone: user.phone ?? "",
    app_metadata: user.app_metadata,
    user_metadata: user.user_metadata,
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: authenticatedAt }],
    session_id: sessionId,
    is_anonymous: user.is_anonymous,
  });
  await db.query("update auth.sessions set updated_at = now() where id = $1", [sessionId]);
  return {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: ctx.accessTokenSeconds,
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: user.user,
  };
}

function newRefreshToken(): string {
  return randomBytes(24).toString("base64url");
}

async function passwordGrant(ctx: AuthContext, body: Record<string, unknown>, userAgent: string | undefined) {
  const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
  const password = typeof body.password === "string" ? body.password : "";
  if (!email) {
    if (typeof body.phone === "string") {
      throw new AuthError(
        400,
        "validation_failed",
        "Cannot sign in with a phone number: not supported by the local gateway",
      );
    }
    throw new AuthError(400, "validation_failed", "missing email or phone");
  }
  return withOwnerTransaction(ctx.pool, async (db) => {
    const found = await db.query<UserRow & { password_ok: boolean; banned: boolean; confirmed: boolean }>(
      `${USER_SELECT.replace(
        "select u.id::text as id,",
        `select (u.encrypted_password is not null and u.encrypted_password <> ''
                 and u.encrypted_password = extensions.crypt($2, u.encrypted_password)) as password_ok,
                coalesce(u.banned_until > now(), false) as banned,
                u.email_confirmed_at is not null as confirmed,
                u.id::text as id,`,
      )} where lower(u.email) = $1 and u.deleted_at is null`,
      [email, password],
    );
    const user = found.rows[0];
    if (!user || !user.password_ok)
      throw new AuthError(400, "invalid_credentials", "Invalid login credentials");
    if (user.banned) throw new AuthError(400, "user_banned", "User is banned");
    if (!user.confirmed) throw new AuthError(400, "email_not_confirmed", "Email not confirmed");
    const session = await db.query<{ id: string }>(
      "insert into auth.sessions (user_id, aal, user_agent) values ($1, 'aal1', $2) returning id::text as id",
      [user.id, userAgent ?? null],
    );
    const sessionId = (session.rows[0] as { id: string }).id;
    const refreshToken = newRefreshToken();
    await db.query("insert into auth.refresh_tokens (token, user_id, session_id) values ($1, $2, $3)", [
      refreshToken,
      user.id,
      sessionId,
    ]);
    await db.query("update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1", [
      user.id,
    ]);
    const fresh = (await db.query<UserRow>(`${USER_SELECT} where u.id = $1`, [user.id])).rows[0] as UserRow;
    return issueSession(ctx, db, fresh, sessionId, refreshToken, Math.floor(Date.now() / 1000));
  });
}

async function refreshGrant(ctx: AuthContext, body: Record<string, unknown>) {
  const token = typeof body.refresh_token === "string" ? body.refresh_token : "";
  if (!token) throw new AuthError(400, "validation_failed", "Refresh Token is required");
  return withOwnerTransaction(ctx.pool, async (db) => {
    const found = await db.query<{
      id: string;
      revoked: boolean;
      user_id: string;
      session_id: string;
      created: number;
    }>(
      `select r.id::text as id, r.revoked, r.user_id, r.session_id::text as session_id,
              extract(epoch from s.created_at)::int as created
       from auth.refresh_tokens r join auth.sessions s on s.id = r.session_id
       where r.token = $1 for update of r`,
      [token],
    );
    const row = found.rows[0];
    if (!row)
      throw new AuthError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    let nextToken: string;
    if (row.revoked) {
      const child = await db.query<{ token: string }>(
        `select token from auth.refresh_tokens
         where parent = $1 and not revoked and created_at > now() - make_interval(secs => $2)`,
        [token, REFRESH_REUSE_SECONDS],
      );
      if (!child.rows[0]) {
        throw new AuthError(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");
      }
      nextToken = child.rows[0].token;
    } else {
      nextToken = newRefreshToken();
      await db.query("update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1", [
        row.id,
      ]);
      await db.query(
        "insert into auth.refresh_tokens (token, user_id, session_id, parent) values ($1, $2, $3, $4)",
        [nextToken, row.user_id, row.session_id, token],
      );
    }
    const user = (
      await db.query<UserRow>(`${USER_SELECT} where u.id = $1 and u.deleted_at is null`, [row.user_id])
    ).rows[0];
    if (!user) throw new AuthError(403, "user_not_found", "User from sub claim in JWT does not exist");
    return issueSession(ctx, db, user, row.session_id, nextToken, row.created);
  });
}

/** Checks a user access token the way GoTrue does for /user and /logout. */
async function userFromAccessToken(
  ctx: AuthContext,
  c: Context,
): Promise<{ claims: Record<string, unknown> }> {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token");
  let claims: Record<string, unknown>;
  try {
    claims = await verifyJwt(ctx.jwtSecret, token);
  } catch (error) {
    if (error instanceof TokenError) {
      const reason =
        error.problem === "expired"
          ? "token has invalid claims: token is expired"
          : "unable to parse or verify signature";
      throw new AuthError(403, "bad_jwt", `invalid JWT: ${reason}`);
    }
    throw error;
  }
  if (typeof claims.sub !== "string" || !claims.sub) {
    throw new AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
  }
  return { claims };
}

async function readJson(c: Context): Promise<Record<string, unknown>> {
  try {
    const body = (await c.req.json()) as unknown;
    return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    throw new AuthError(400, "bad_json", "Could not parse request body as JSON");
  }
}

export function createAuthRoutes(ctx: AuthContext): Hono {
  const app = new Hono();

  app.post("/token", async (c) => {
    try {
      const grant = c.req.query("grant_type");
      const body = await readJson(c);
      if (grant === "password") return c.json(await passwordGrant(ctx, body, c.req.header("user-agent")));
      if (grant === "refresh_token") return c.json(await refreshGrant(ctx, body));
      throw new AuthError(
        400,
        "validation_failed",
        `Cannot sign in with grant_type "${grant ?? ""}": the local gateway supports password and refresh_token`,
      );
    } catch (error) {
      return sendAuthError(c, error);
    }
  });

  app.get("/user", async (c) => {
    try {
      const { claims } = await userFromAccessToken(ctx, c);
      const found = await withOwnerTransaction(ctx.pool, async (db) => {
        const user = (
          await db.query<UserRow>(`${USER_SELECT} where u.id = $1 and u.deleted_at is null`, [claims.sub])
        ).rows[0];
        if (!user) throw new AuthError(403, "user_not_found", "User from sub claim in JWT does not exist");
        if (typeof claims.session_id === "string") {
          const session = await db.query("select 1 from auth.sessions where id = $1::uuid", [
            claims.session_id,
          ]);
          if (!session.rows.length) {
            throw new AuthError(
              403,
              "session_not_found",
              "Session from session_id claim in JWT does not exist",
            );
          }
        }
        return user;
      });
      return c.json(found.user);
    } catch (error) {
      return sendAuthError(c, error);
    }
  });

  app.put("/user", (c) =>
    sendAuthError(
      c,
      new AuthError(501, "not_implemented", "Cannot update the user: not supported by the local gateway"),
    ),
  );

  app.post("/logout", async (c) => {
    try {
      const { claims } = await userFromAccessToken(ctx, c);
      const scope = c.req.query("scope") ?? "global";
      if (!["global", "local", "others"].includes(scope)) {
        throw new AuthError(400, "validation_failed", `Unsupported logout scope "${scope}"`);
      }
      const sessionId = typeof claims.session_id === "string" ? claims.session_id : null;
      await withOwnerTransaction(ctx.pool, async (db) => {
        if (scope === "global") await db.query("delete from auth.sessions where user_id = $1", [claims.sub]);
        else if (scope === "local")
          await db.query("delete from auth.sessions where id = $1::uuid", [sessionId]);
        else {
          await db.query("delete from auth.sessions where user_id = $1 and id is distinct from $2::uuid", [
            claims.sub,
            sessionId,
          ]);
        }
      });
      return c.body(null, 204);
    } catch (error) {
      return sendAuthError(c, error);
    }
  });

  app.post("/signup", (c) =>
    sendAuthError(c, new AuthError(422, "signup_disabled", "Signups not allowed for this instance")),
  );

  app.get("/settings", (c) =>
    c.json({
      external: { email: true, phone: false, anonymous_users: false },
      disable_signup: true,
      mailer_autoconfirm: true,
      phone_autoconfirm: false,
      sms_provider: "",
      saml_enabled: false,
    }),
  );

  app.get("/health", (c) =>
    c.json({
      version: "local",
      name: "GoTrue",
      description: "Local stand-in for Supabase Auth (dev/gateway)",
    }),
  );

  app.get("/.well-known/jwks.json", (c) => c.json({ keys: [] }));

  app.all("*", (c) =>
    sendAuthError(
      c,
      new AuthError(
        404,
        "not_found",
        `Cannot handle ${c.req.method} ${c.req.path}: this Auth endpoint is not supported by the local gateway`,
      ),
    ),
  );
  return app;
}

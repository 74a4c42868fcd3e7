/**
 * `/functions/v1/<name>/…`: forwards to the local Deno functions server (dev/functions/serve.ts)
 * at `/<name>/…`, streaming request and response bodies, as Supabase's edge gateway does. Like
 * Supabase, it checks the JWT first unless the function sets `verify_jwt = false` in
 * supabase/config.toml, and it leaves CORS (including OPTIONS) to the function itself.
 */
import type { Context } from "hono";
import { bearerToken, callerFromToken, TokenError, type ApiKeys } from "./api-keys.ts";

export interface FunctionsContext {
  jwtSecret: string;
  keys: ApiKeys;
  /** Base URL of the functions server, or undefined when it is not running. */
  functionsUrl: () => string | undefined;
  /** Per function: whether the gateway verifies the JWT (Supabase's default: true). */
  verifyJwt: (name: string) => boolean;
}

/** Headers that describe one hop only, or that fetch recomputes. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "proxy-connection",
  "te",
  "trailer",
]);

export async function proxyFunction(ctx: FunctionsContext, c: Context): Promise<Response> {
  const url = new URL(c.req.url);
  const match = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(url.pathname);
  const name = match?.[1] ? decodeURIComponent(match[1]) : "";
  if (!name) return c.json({ code: "NOT_FOUND", message: "Requested function was not found" }, 404);

  if (c.req.method !== "OPTIONS" && ctx.verifyJwt(name)) {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) return c.json({ code: 401, message: "Missing authorization header" }, 401);
    try {
      await callerFromToken(ctx.jwtSecret, ctx.keys, token);
    } catch (error) {
      if (error instanceof TokenError) return c.json({ code: 401, message: "Invalid JWT" }, 401);
      throw error;
    }
  }

  const base = ctx.functionsUrl();
  if (!base) {
    return c.json(
      {
        code: "BOOT_ERROR",
        message: `Cannot reach function "${name}": the local functions server is not running`,
      },
      503,
    );
  }
  const target = `${base.replace(/\/+$/, "")}/${encodeURIComponent(name)}${match?.[2] ?? ""}${url.search}`;
  const headers = new Headers();
  c.req.raw.headers.forEach((value, key) => {
    if (!HOP_HEADERS.has(key.toLowerCase())) headers.set(key, value);
  });
  headers.set("x-forwarded-host", url.host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  const hasBody = !["GET", "HEAD"].includes(c.req.method);
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: c.req.method,
      headers,
      body: hasBody ? c.req.raw.body : undefined,
      redirect: "manual",
      signal: c.req.raw.signal,
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    return c.json(
      { code: "BOOT_ERROR", message: `Cannot reach function "${name}": ${(error as Error).message}` },
      502,
    );
  }
  const responseHeaders = new Headers();
  upstream.headers.forEach((value, key) => {
    // fetch already decoded any content-encoding, so the length and encoding no longer apply.
    const lower = key.toLowerCase();
    if (!HOP_HEADERS.has(lower) && lower !== "content-encoding") responseHeaders.append(key, value);
  });
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}

/**
 * The local stand-in for Supabase's API gateway: one HTTP origin serving `/auth/v1`, `/rest/v1`,
 * `/storage/v1` and `/functions/v1`, with Supabase's CORS and API-key rules. Only Supabase's
 * hosted gateway is emulated here; Postgres (RLS, grants), the JWTs (jose) and the functions
 * (Deno) are the real thing.
 */
import { Hono, type Context, type Next } from "hono";
import { cors } from "hono/cors";
import type pg from "pg";
import { isProjectApiKey, type ApiKeys } from "./api-keys.ts";
import { createAuthRoutes } from "./auth-routes.ts";
import { proxyFunction } from "./functions-proxy.ts";
import { ObjectFiles } from "./object-files.ts";
import { createRestRoutes } from "./rest-routes.ts";
import { createStorageRoutes } from "./storage-routes.ts";

export interface GatewayOptions {
  /** A pool connected as the database owner; requests switch to the caller's role themselves. */
  pool: pg.Pool;
  jwtSecret: string;
  keys: ApiKeys;
  /** Folder holding Storage objects. */
  storageRoot: string;
  /** The gateway's own public URL (token issuer), known once it listens. */
  publicUrl: () => string;
  functionsUrl?: () => string | undefined;
  /** Function names whose JWT the gateway must not check (`verify_jwt = false`). */
  functionsWithoutJwt?: string[];
  /** Schemas exposed by `/rest/v1` (default: public). */
  schemas?: string[];
  /** Storage's global upload limit in bytes (default: 50 MiB, Supabase's default). */
  fileSizeLimit?: number;
  accessTokenSeconds?: number;
  log?: (line: string) => void;
}

export const DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024;

/** Supabase's gateway wants an `apikey` (header or query) on Auth and REST requests. */
function requireApiKey(keys: ApiKeys) {
  return async (c: Context, next: Next) => {
    if (c.req.method === "OPTIONS") return next();
    const key = c.req.header("apikey") ?? c.req.query("apikey");
    if (!key) {
      return c.json(
        {
          message: "No API key found in request",
          hint: "No `apikey` request header or url param was found.",
        },
        401,
      );
    }
    if (!isProjectApiKey(keys, key)) {
      return c.json(
        { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." },
        401,
      );
    }
    return next();
  };
}

export function createGateway(options: GatewayOptions): Hono {
  const log = options.log ?? (() => undefined);
  const app = new Hono();
  const apiCors = cors({
    origin: (origin) => origin || "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: [
      "Content-Range",
      "Content-Length",
      "Content-Disposition",
      "ETag",
      "X-Supabase-Api-Version",
      "Range",
    ],
    maxAge: 3600,
    credentials: true,
  });

  app.use("*", async (c, next) => {
    const started = Date.now();
    await next();
    log(`${c.req.method} ${new URL(c.req.url).pathname} → ${c.res.status} (${Date.now() - started} ms)`);
  });

  for (const prefix of ["/auth/v1", "/rest/v1", "/storage/v1"]) app.use(`${prefix}/*`, apiCors);
  app.use("/auth/v1/*", requireApiKey(options.keys));
  app.use("/rest/v1/*", requireApiKey(options.keys));

  app.route(
    "/auth/v1",
    createAuthRoutes({
      pool: options.pool,
      jwtSecret: options.jwtSecret,
      publicUrl: options.publicUrl,
      accessTokenSeconds: options.accessTokenSeconds ?? 3600,
    }),
  );
  app.route(
    "/rest/v1",
    createRestRoutes({
      pool: options.pool,
      jwtSecret: options.jwtSecret,
      keys: options.keys,
      schemas: options.schemas ?? ["public"],
    }),
  );
  app.route(
    "/storage/v1",
    createStorageRoutes({
      pool: options.pool,
      jwtSecret: options.jwtSecret,
      keys: options.keys,
      files: new ObjectFiles(options.storageRoot),
      fileSizeLimit: options.fileSizeLimit ?? DEFAULT_FILE_SIZE_LIMIT,
    }),
  );
  const withoutJwt = new Set(options.functionsWithoutJwt ?? []);
  app.all("/functions/v1/*", (c) =>
    proxyFunction(
      {
        jwtSecret: options.jwtSecret,
        keys: options.keys,
        functionsUrl: options.functionsUrl ?? (() => undefined),
        verifyJwt: (name) => !withoutJwt.has(name),
      },
      c,
    ),
  );

  app.get("/", (c) =>
    c.json({
      name: "local Supabase gateway",
      services: ["/auth/v1", "/rest/v1", "/storage/v1", "/functions/v1"],
    }),
  );
  app.notFound((c) =>
    c.json(
      { message: `Cannot handle ${c.req.method} ${c.req.path}: no such route on the local gateway` },
      404,
    ),
  );
  app.onError((error, c) => {
    log(`Internal error on ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    return c.json({ message: `Internal error in the local gateway: ${error.message}` }, 500);
  });
  return app;
}

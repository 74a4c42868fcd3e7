/**
 * `/storage/v1`: the part of Supabase Storage supabase-js and the backup function use. Object rows
 * live in `storage.objects` and are read and written as the caller's role, so the app's storage
 * policies decide (service_role bypasses RLS, as in Supabase); bytes live on disk (object-files.ts).
 * Errors use Storage's body `{statusCode, code, error, message}` and its HTTP status rule (below).
 *
 * Matched with supabase/storage (storage-api), where it matters for access control:
 * - HTTP status: storage-api answers every non-500 error with HTTP 400 and puts the real status in
 *   the body's `statusCode` ("403", "404", "409", "413"…) (src/http/error-handler.ts,
 *   `userStatusCode`); supabase-js reports both (`status` 400, `statusCode` "403").
 * - RLS: queries on storage.objects run as the caller's role with its claims; a refused insert or
 *   update (42501) is `AccessDenied` "new row violates row-level security policy" (403 in the body)
 *   (src/storage/database/errors.ts); an object RLS hides is `NoSuchKey` "Object not found" (404).
 * - Upload: the permission is tested first, by inserting (or upserting) the row in a transaction that
 *   is rolled back, before the body is read (Uploader.canUpload → testPermission).
 * - Empty: the bucket and one object are looked up as the caller; if one is visible, every object is
 *   deleted as superuser (Storage.emptyBucket → ObjectAdminDeleteAllBefore): reading one object is
 *   enough to empty a bucket, whatever the delete policies say.
 * - Remove: batch DELETE answers 200 with the rows it could delete (none when RLS hides them); one
 *   object's DELETE looks it up as superuser (404 when absent) then deletes as the caller, and
 *   answers `AccessDenied` "Access denied" when RLS kept it (ObjectStorage.deleteObject).
 * - Sign: the object is looked up as the caller (NoSuchKey when hidden); the token carries `url` and
 *   `scope: "download"` and the requested lifetime. A signed download verifies the token (signature
 *   and expiry: `InvalidJWT` "jwt expired"), its scope and that `url` names the requested object,
 *   then reads the object as superuser (getSignedObject.ts, verifyObjectSignature).
 *
 * Supported: buckets (list, get, create, update, empty, delete); objects: upload (POST, raw body
 * or multipart, `x-upsert`), update (PUT), download (authenticated and public), HEAD, list
 * (`POST /object/list/{bucket}`), delete (`DELETE /object/{bucket}` with `{prefixes}` or one path),
 * signed URLs (`POST /object/sign/{bucket}/{path}`, batch `POST /object/sign/{bucket}`, and
 * `GET /object/sign/{bucket}/{path}?token=`), move and copy (`POST /object/move`, `/object/copy`),
 * signed upload URLs (`POST` and `PUT /object/upload/sign/{bucket}/{path}`). Anything else (TUS
 * resumable uploads, `/object/info`, `list-v2`, image rendering) answers 501.
 */
import { Hono, type Context } from "hono";
import type pg from "pg";
import {
  bearerToken,
  callerFromToken,
  signJwt,
  TokenError,
  verifyJwt,
  type ApiKeys,
  type Caller,
} from "./api-keys.ts";
import { withCallerTransaction, withOwnerTransaction, RoleError } from "./caller-transaction.ts";
import { TooLargeError, type ObjectFiles, type StagedFile } from "./object-files.ts";

export interface StorageContext {
  pool: pg.Pool;
  jwtSecret: string;
  keys: ApiKeys;
  files: ObjectFiles;
  /** Global upload limit in bytes (Supabase's default: 50 MiB). */
  fileSizeLimit: number;
}

class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const notFoundObject = () => new StorageError(404, "NoSuchKey", "not_found", "Object not found");
const notFoundBucket = () => new StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found");
const unsupported = (what: string) =>
  new StorageError(
    501,
    "NotSupported",
    "Not Implemented",
    `Cannot handle ${what}: not supported by the local gateway`,
  );

function fromPostgres(error: unknown): StorageError {
  const e = error as { code?: string; message?: string };
  if (e.code === "23505")
    return new StorageError(409, "ResourceAlreadyExists", "Duplicate", "The resource already exists");
  if (e.code === "42501")
    return new StorageError(
      403,
      "AccessDenied",
      "Unauthorized",
      e.message?.includes("row-level security")
        ? "new row violates row-level security policy"
        : (e.message ?? "Access denied"),
    );
  if (e.code && /^(22|23)/.test(e.code))
    return new StorageError(400, "InvalidRequest", "Invalid Input", e.message ?? "");
  return new StorageError(500, "InternalError", "Internal", e.message ?? String(error));
}

function send(c: Context, error: unknown): Response {
  let failure: StorageError;
  if (error instanceof StorageError) failure = error;
  else if (error instanceof TokenError) {
    const message = {
      expired: "jwt expired",
      invalid_signature: "invalid signature",
      malformed: "jwt malformed",
      missing: "jwt must be provided",
      unknown_key: "Invalid API key",
    }[error.problem];
    failure = new StorageError(401, "InvalidJWT", "Unauthorized", message);
  } else if (error instanceof RoleError)
    failure = new StorageError(403, "AccessDenied", "Unauthorized", error.message);
  else if (error instanceof TooLargeError)
    failure = new StorageError(413, "EntityTooLarge", "Payload too large", error.message);
  else failure = fromPostgres(error);
  // storage-api's rule: HTTP 500 stays 500, every other error is HTTP 400 with the real status in the
  // body. Two exceptions of this stand-in: token problems keep 401 (on the platform the API gateway in
  // front of Storage answers them) and routes it does not implement answer 501.
  const http =
    failure.status === 500 || failure.status === 401 || failure.status === 501 ? failure.status : 400;
  return c.json(
    {
      statusCode: String(failure.status),
      code: failure.code,
      error: failure.error,
      message: failure.message,
    },
    http as 400,
  );
}

async function storageCaller(ctx: StorageContext, c: Context): Promise<Caller> {
  const token = bearerToken(c.req.header("authorization")) ?? c.req.header("apikey");
  if (!token) {
    throw new StorageError(
      400,
      "InvalidRequest",
      "Error",
      "headers must have required property 'authorization'",
    );
  }
  return callerFromToken(ctx.jwtSecret, ctx.keys, token);
}

interface BucketRow {
  id: string;
  name: string;
  public: boolean;
  file_size_limit: string | null;
  allowed_mime_types: string[] | null;
}

async function ownerBucket(ctx: StorageContext, id: string): Promise<BucketRow> {
  const found = await ctx.pool.query<BucketRow>(
    "select id, name, public, file_size_limit, allowed_mime_types from storage.buckets where id = $1",
    [id],
  );
  const bucket = found.rows[0];
  if (!bucket) throw notFoundBucket();
  return bucket;
}

/** storage-api's SIGNED_URL_SCOPE_DOWNLOAD: a download token is only good for downloads. */
const SIGNED_URL_SCOPE_DOWNLOAD = "download";

const BUCKET_COLUMNS =
  "id, name, owner, public, file_size_limit, allowed_mime_types, avif_autodetection, created_at, updated_at, type";
const OBJECT_COLUMNS = "name, id, updated_at, created_at, last_accessed_at, metadata";

/** Splits `/object/<bucket>/<path…>` (still percent-encoded) into decoded parts. */
function splitPath(encoded: string): string[] {
  return encoded
    .split("/")
    .filter((s) => s !== "")
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new StorageError(400, "InvalidKey", "Invalid Key", `Invalid key: ${s}`);
      }
    });
}

function matchesMime(allowed: string[] | null, mimetype: string): boolean {
  if (!allowed || !allowed.length) return true;
  return allowed.some((pattern) =>
    pattern.endsWith("/*") ? mimetype.startsWith(pattern.slice(0, -1)) : pattern === mimetype,
  );
}

interface IncomingObject {
  body: ReadableStream<Uint8Array> | Uint8Array | null;
  mimetype: string;
  cacheControl: string;
}

async function incomingObject(c: Context): Promise<IncomingObject> {
  const type = c.req.header("content-type") ?? "application/octet-stream";
  if (type.toLowerCase().startsWith("multipart/form-data")) {
    // Browser uploads (Blob/File) arrive as multipart; they are small, so buffering is fine here.
    const form = await c.req.raw.formData();
    let file: File | undefined;
    for (const value of form.values()) if (typeof value !== "string") file = value as File;
    if (!file) throw new StorageError(400, "InvalidRequest", "Error", "No file found in the multipart body");
    const cache = form.get("cacheControl");
    return {
      body: new Uint8Array(await file.arrayBuffer()),
      mimetype: file.type || "application/octet-stream",
      cacheControl: `max-age=${typeof cache === "string" && cache ? cache : "3600"}`,
    };
  }
  return {
    body: c.req.raw.body,
    mimetype: type.split(";")[0]?.trim() || "application/octet-stream",
    cacheControl: c.req.header("cache-control") ?? "no-cache",
  };
}

class PermissionTested extends Error {}

/**
 * storage-api's Uploader.canUpload: the row the upload would write is inserted (or upserted) as the
 * caller in a transaction that is always rolled back; a policy that refuses it fails the upload.
 */
async function canUpload(
  ctx: StorageContext,
  caller: Caller,
  bucketId: string,
  name: string,
  upsert: boolean,
): Promise<void> {
  try {
    await withCallerTransaction(ctx.pool, caller, async (db) => {
      await db.query(
        `insert into storage.objects (bucket_id, name, owner, owner_id, version)
         values ($1, $2, $3::uuid, $3, '1')
         ${upsert ? "on conflict (bucket_id, name) do update set version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id" : ""}`,
        [bucketId, name, caller.userId ?? null],
      );
      throw new PermissionTested();
    });
  } catch (error) {
    if (!(error instanceof PermissionTested)) throw error;
  }
}

async function upload(
  ctx: StorageContext,
  c: Context,
  bucketId: string,
  name: string,
  requested: "create" | "update" | "upsert",
  as?: Caller,
) {
  const caller = as ?? (await storageCaller(ctx, c));
  if (!name) throw new StorageError(400, "InvalidKey", "Invalid Key", "The object name is empty");
  const bucket = await ownerBucket(ctx, bucketId);
  const mode = requested === "update" ? "update" : "create";
  const upsert = requested !== "create" || (!as && (c.req.header("x-upsert") ?? "").toLowerCase() === "true");
  // As storage-api: RLS decides before a byte of the body is read or stored.
  await canUpload(ctx, caller, bucketId, name, upsert);
  const incoming = await incomingObject(c);
  if (!matchesMime(bucket.allowed_mime_types, incoming.mimetype)) {
    throw new StorageError(
      415,
      "InvalidMimeType",
      "invalid_mime_type",
      `mime type ${incoming.mimetype} is not supported`,
    );
  }
  const limit = Math.min(
    ctx.fileSizeLimit,
    bucket.file_size_limit ? Number(bucket.file_size_limit) : Infinity,
  );
  const staged: StagedFile = await ctx.files.stage(incoming.body, limit);
  const metadata = {
    eTag: staged.eTag,
    size: staged.size,
    mimetype: incoming.mimetype,
    cacheControl: incoming.cacheControl,
    lastModified: new Date().toUTCString(),
    contentLength: staged.size,
    httpStatusCode: 200,
  };
  let previous: string | null = null;
  return await commitWithRow(ctx, bucketId, staged, async (commit) => {
    const id = await withCallerTransaction(
      ctx.pool,
      caller,
      async (db) => {
        const values = [bucketId, name, caller.userId ?? null, JSON.stringify(metadata), staged.version];
        let result;
        if (mode === "update") {
          result = await db.query<{ id: string }>(
            `update storage.objects set metadata = $4::jsonb, version = $5, owner = $3::uuid, owner_id = $3,
               updated_at = now(), last_accessed_at = now()
             where bucket_id = $1 and name = $2 returning id::text as id`,
            values,
          );
          if (!result.rows.length) throw notFoundObject();
        } else {
          result = await db.query<{ id: string }>(
            `insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
             values ($1, $2, $3::uuid, $3, $4::jsonb, $5)
             ${
               upsert
                 ? `on conflict (bucket_id, name) do update set metadata = excluded.metadata, version = excluded.version,
               owner = excluded.owner, owner_id = excluded.owner_id, updated_at = now(), last_accessed_at = now()`
                 : ""
             }
             returning id::text as id`,
            values,
          );
        }
        await commit();
        return (result.rows[0] as { id: string }).id;
      },
      {
        beforeRole: async (db) => {
          const old = await db.query<{ version: string | null }>(
            "select version from storage.objects where bucket_id = $1 and name = $2",
            [bucketId, name],
          );
          previous = old.rows[0]?.version ?? null;
        },
      },
    );
    if (previous && previous !== staged.version) await ctx.files.remove(bucketId, previous);
    return c.json({ Key: `${bucketId}/${name}`, Id: id });
  });
}

async function streamObject(
  ctx: StorageContext,
  c: Context,
  bucketId: string,
  row: {
    name: string;
    version: string | null;
    metadata: Record<string, unknown> | null;
    updated_at: Date | null;
  },
): Promise<Response> {
  const file = await ctx.files.open(bucketId, row.version);
  if (!file) throw notFoundObject();
  const meta = row.metadata ?? {};
  const headers: Record<string, string> = {
    "Content-Type": String(meta.mimetype ?? "application/octet-stream"),
    "Content-Length": String(file.size),
    "Cache-Control": String(meta.cacheControl ?? "no-cache"),
  };
  if (meta.eTag) headers.ETag = String(meta.eTag);
  if (row.updated_at) headers["Last-Modified"] = row.updated_at.toUTCString();
  const download = c.req.query("download");
  if (download !== undefined) {
    const fileName = download || row.name.split("/").pop() || "download";
    headers["Content-Disposition"] =
      `attachment; filename="${fileName.replace(/"/g, "")}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
  }
  if (c.req.method === "HEAD") {
    await file.stream.cancel();
    return new Response(null, { status: 200, headers });
  }
  return new Response(file.stream, { status: 200, headers });
}

async function download(ctx: StorageContext, c: Context, bucketId: string, name: string): Promise<Response> {
  const caller = await storageCaller(ctx, c);
  await ownerBucket(ctx, bucketId);
  const row = await withCallerTransaction(
    ctx.pool,
    caller,
    async (db) =>
      (
        await db.query<{
          name: string;
          version: string | null;
          metadata: Record<string, unknown> | null;
          updated_at: Date | null;
        }>(
          "select name, version, metadata, updated_at from storage.objects where bucket_id = $1 and name = $2",
          [bucketId, name],
        )
      ).rows[0],
    { readOnly: true },
  );
  if (!row) throw notFoundObject();
  return streamObject(ctx, c, bucketId, row);
}

async function ownerObject(ctx: StorageContext, bucketId: string, name: string) {
  const row = (
    await ctx.pool.query<{
      name: string;
      version: string | null;
      metadata: Record<string, unknown> | null;
      updated_at: Date | null;
    }>("select name, version, metadata, updated_at from storage.objects where bucket_id = $1 and name = $2", [
      bucketId,
      name,
    ])
  ).rows[0];
  if (!row) throw notFoundObject();
  return row;
}

async function signOne(
  ctx: StorageContext,
  bucketId: string,
  name: string,
  expiresIn: number,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt(ctx.jwtSecret, {
    url: `${bucketId}/${name}`,
    scope: SIGNED_URL_SCOPE_DOWNLOAD,
    iat: now,
    exp: now + expiresIn,
  });
  return `/object/sign/${bucketId}/${name}?token=${token}`;
}

function readExpiresIn(body: Record<string, unknown>): number {
  const expiresIn = Number(body.expiresIn);
  if (!Number.isFinite(expiresIn) || expiresIn < 1) {
    throw new StorageError(400, "InvalidRequest", "Error", "body/expiresIn must be >= 1");
  }
  return Math.floor(expiresIn);
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const body = (await c.req.json()) as unknown;
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new StorageError(400, "InvalidRequest", "Error", "Expected a JSON object body");
}

async function list(ctx: StorageContext, c: Context, bucketId: string): Promise<Response> {
  const caller = await storageCaller(ctx, c);
  const body = await jsonBody(c);
  await ownerBucket(ctx, bucketId);
  let prefix = typeof body.prefix === "string" ? body.prefix.replace(/^\/+/, "") : "";
  if (prefix && !prefix.endsWith("/")) prefix += "/";
  const limit = body.limit === undefined ? 100 : Number(body.limit);
  const offset = body.offset === undefined ? 0 : Number(body.offset);
  if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0) {
    throw new StorageError(400, "InvalidRequest", "Error", "limit and offset must be non-negative integers");
  }
  const sortBy = (body.sortBy ?? {}) as { column?: string; order?: string };
  const column = sortBy.column ?? "name";
  if (!["name", "created_at", "updated_at", "last_accessed_at"].includes(column)) {
    throw new StorageError(400, "InvalidRequest", "Error", `Cannot sort by "${column}"`);
  }
  const descending = (sortBy.order ?? "asc").toLowerCase() === "desc";
  const search = typeof body.search === "string" ? body.search.toLowerCase() : "";

  const rows = await withCallerTransaction(
    ctx.pool,
    caller,
    async (db) =>
      (
        await db.query<Record<string, unknown> & { name: string }>(
          `select ${OBJECT_COLUMNS} from storage.objects
           where bucket_id = $1 and starts_with(name, $2)`,
          [bucketId, prefix],
        )
      ).rows,
    { readOnly: true },
  );
  const folders = new Map<string, Record<string, unknown>>();
  const entries: Array<Record<string, unknown> & { name: string }> = [];
  for (const row of rows) {
    const rest = row.name.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash >= 0) {
      const folder = rest.slice(0, slash);
      if (!folders.has(folder)) {
        folders.set(folder, {
          name: folder,
          id: null,
          updated_at: null,
          created_at: null,
          last_accessed_at: null,
          metadata: null,
        });
      }
    } else entries.push({ ...row, name: rest });
  }
  const all = [...folders.values(), ...entries].filter((e) =>
    search ? String(e.name).toLowerCase().includes(search) : true,
  ) as Array<Record<string, unknown> & { name: string }>;
  const key = (e: Record<string, unknown>) => {
    const value = e[column];
    return value instanceof Date
      ? value.toISOString()
      : value === null || value === undefined
        ? ""
        : String(value);
  };
  all.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const order = ka < kb ? -1 : ka > kb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    return descending ? -order : order;
  });
  return c.json(all.slice(offset, offset + limit));
}

async function removeMany(
  ctx: StorageContext,
  c: Context,
  bucketId: string,
  names: string[],
): Promise<unknown[]> {
  const caller = await storageCaller(ctx, c);
  await ownerBucket(ctx, bucketId);
  const deleted = await withCallerTransaction(
    ctx.pool,
    caller,
    async (db) =>
      (
        await db.query<Record<string, unknown> & { version: string | null }>(
          `delete from storage.objects where bucket_id = $1 and name = any($2)
         returning bucket_id, name, id, owner, owner_id, version, metadata, user_metadata, created_at, updated_at, last_accessed_at`,
          [bucketId, names],
        )
      ).rows,
  );
  for (const row of deleted) await ctx.files.remove(bucketId, row.version);
  return deleted;
}

/** storage-api's SIGNED_URL_SCOPE_UPLOAD and its fixed lifetime (uploadSignedUrlExpirationTime). */
const SIGNED_URL_SCOPE_UPLOAD = "upload";
const SIGNED_UPLOAD_URL_SECONDS = 2 * 60 * 60;

function requiredString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== "string" || !value) {
    throw new StorageError(400, "InvalidRequest", "Error", `body must have required property '${key}'`);
  }
  return value;
}

/** The body of a move or copy; the destination bucket defaults to the source's. */
function sourceAndDestination(body: Record<string, unknown>) {
  const bucketId = requiredString(body, "bucketId");
  const sourceKey = requiredString(body, "sourceKey");
  const destinationKey = requiredString(body, "destinationKey");
  const destinationBucket =
    typeof body.destinationBucket === "string" && body.destinationBucket ? body.destinationBucket : bucketId;
  return { bucketId, sourceKey, destinationKey, destinationBucket };
}

/**
 * storage-api's ObjectStorage.moveObject: the source is found and updated to its new bucket and name
 * as the caller in a transaction that is rolled back (testPermission), so select and update policies,
 * both USING on the source and WITH CHECK on the destination, decide; then the move is done as
 * superuser with the bytes under a new version.
 */
async function move(ctx: StorageContext, c: Context): Promise<Response> {
  const caller = await storageCaller(ctx, c);
  const { bucketId, sourceKey, destinationKey, destinationBucket } = sourceAndDestination(await jsonBody(c));
  try {
    await withCallerTransaction(ctx.pool, caller, async (db) => {
      const found = await db.query("select id from storage.objects where bucket_id = $1 and name = $2", [
        bucketId,
        sourceKey,
      ]);
      if (!found.rows.length) throw notFoundObject();
      const updated = await db.query(
        `update storage.objects set bucket_id = $3, name = $4, owner = $5::uuid, owner_id = $5
         where bucket_id = $1 and name = $2 returning id`,
        [bucketId, sourceKey, destinationBucket, destinationKey, caller.userId ?? null],
      );
      if (!updated.rows.length) throw notFoundObject();
      throw new PermissionTested();
    });
  } catch (error) {
    if (!(error instanceof PermissionTested)) throw error;
  }
  await ownerBucket(ctx, destinationBucket);
  const source = await ownerObject(ctx, bucketId, sourceKey);
  if (bucketId === destinationBucket && sourceKey === destinationKey) {
    return c.json({ message: "Successfully moved" });
  }
  const file = await ctx.files.open(bucketId, source.version);
  if (!file) throw notFoundObject();
  const staged = await ctx.files.stage(file.stream, Infinity);
  await commitWithRow(ctx, destinationBucket, staged, (commit) =>
    withOwnerTransaction(ctx.pool, async (db) => {
      await db.query(
        `update storage.objects set bucket_id = $3, name = $4, version = $5, owner = $6::uuid, owner_id = $6,
           updated_at = now() where bucket_id = $1 and name = $2`,
        [bucketId, sourceKey, destinationBucket, destinationKey, staged.version, caller.userId ?? null],
      );
      await commit();
    }),
  );
  await ctx.files.remove(bucketId, source.version);
  return c.json({ message: "Successfully moved" });
}

/**
 * storage-api's ObjectStorage.copyObject: the source is read as the caller (select policies), the
 * destination row is tested as the caller like an upload (canUpload: insert, or upsert with
 * `x-upsert: true`), then the copy is written as superuser.
 */
async function copy(ctx: StorageContext, c: Context): Promise<Response> {
  const caller = await storageCaller(ctx, c);
  const { bucketId, sourceKey, destinationKey, destinationBucket } = sourceAndDestination(await jsonBody(c));
  const upsert = (c.req.header("x-upsert") ?? "").toLowerCase() === "true";
  const source = await withCallerTransaction(
    ctx.pool,
    caller,
    async (db) =>
      (
        await db.query<{ version: string | null; metadata: Record<string, unknown> | null }>(
          "select version, metadata from storage.objects where bucket_id = $1 and name = $2",
          [bucketId, sourceKey],
        )
      ).rows[0],
    { readOnly: true },
  );
  if (!source) throw notFoundObject();
  await ownerBucket(ctx, destinationBucket);
  await canUpload(ctx, caller, destinationBucket, destinationKey, upsert);
  const file = await ctx.files.open(bucketId, source.version);
  if (!file) throw notFoundObject();
  const staged = await ctx.files.stage(file.stream, Infinity);
  let previous: string | null = null;
  return await commitWithRow(ctx, destinationBucket, staged, async (commit) => {
    const id = await withOwnerTransaction(ctx.pool, async (db) => {
      const old = await db.query<{ version: string | null }>(
        "select version from storage.objects where bucket_id = $1 and name = $2 for update",
        [destinationBucket, destinationKey],
      );
      previous = old.rows[0]?.version ?? null;
      const row = await db.query<{ id: string }>(
        `insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
         values ($1, $2, $3::uuid, $3, $4::jsonb, $5)
         on conflict (bucket_id, name) do update set metadata = excluded.metadata, version = excluded.version,
           owner = excluded.owner, owner_id = excluded.owner_id, updated_at = now()
         returning id::text as id`,
        [
          destinationBucket,
          destinationKey,
          caller.userId ?? null,
          JSON.stringify({ ...(source.metadata ?? {}), lastModified: new Date().toUTCString() }),
          staged.version,
        ],
      );
      await commit();
      return (row.rows[0] as { id: string }).id;
    });
    if (previous) await ctx.files.remove(destinationBucket, previous);
    return c.json({ Id: id, Key: `${destinationBucket}/${destinationKey}` });
  });
}

/**
 * A staged file becomes an object's content only together with its row: `work` writes the row and calls
 * `commit()` inside that transaction. When anything in `work` fails, the committed file is removed again
 * (or the staged one discarded), so no file outlives a row that was never written.
 */
async function commitWithRow<T>(
  ctx: StorageContext,
  bucketId: string,
  staged: StagedFile,
  work: (commit: () => Promise<void>) => Promise<T>,
): Promise<T> {
  let committed = false;
  try {
    return await work(async () => {
      await ctx.files.commit(bucketId, staged);
      committed = true;
    });
  } catch (error) {
    if (committed) await ctx.files.remove(bucketId, staged.version);
    else await ctx.files.discard(staged);
    throw error;
  }
}

/**
 * storage-api's signUploadObjectUrl: the caller must be allowed to upload there (canUpload, as the
 * caller), then a token scoped to `upload` for this one path, with the caller as owner and the upsert
 * flag, lives two hours.
 */
async function signUpload(
  ctx: StorageContext,
  c: Context,
  bucketId: string,
  name: string,
): Promise<Response> {
  const caller = await storageCaller(ctx, c);
  if (!name) throw new StorageError(400, "InvalidKey", "Invalid Key", "The object name is empty");
  await ownerBucket(ctx, bucketId);
  const upsert = (c.req.header("x-upsert") ?? "").toLowerCase() === "true";
  await canUpload(ctx, caller, bucketId, name, upsert);
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt(ctx.jwtSecret, {
    owner: caller.userId,
    url: `${bucketId}/${name}`,
    upsert,
    scope: SIGNED_URL_SCOPE_UPLOAD,
    iat: now,
    exp: now + SIGNED_UPLOAD_URL_SECONDS,
  });
  return c.json({ url: `/object/upload/sign/${bucketId}/${name}?token=${token}`, token });
}

/** storage-api's uploadSignedObject: the token is verified for this path, then written as superuser. */
async function uploadSigned(
  ctx: StorageContext,
  c: Context,
  bucketId: string,
  name: string,
): Promise<Response> {
  const claims = await signedClaims(ctx, c, SIGNED_URL_SCOPE_UPLOAD, `${bucketId}/${name}`);
  const owner = typeof claims.owner === "string" ? claims.owner : undefined;
  const superuser: Caller = {
    role: "service_role",
    claims: { role: "service_role" },
    ...(owner ? { userId: owner } : {}),
  };
  return upload(ctx, c, bucketId, name, claims.upsert === true ? "upsert" : "create", superuser);
}

/** storage-api's verifyObjectSignature: signature and expiry, scope, and the path the token names. */
async function signedClaims(
  ctx: StorageContext,
  c: Context,
  scope: string,
  url: string,
): Promise<Record<string, unknown>> {
  const token = c.req.query("token");
  if (!token)
    throw new StorageError(400, "InvalidRequest", "Error", "querystring must have required property 'token'");
  let claims: Record<string, unknown>;
  try {
    claims = await verifyJwt(ctx.jwtSecret, token);
  } catch (error) {
    if (error instanceof TokenError) {
      throw new StorageError(
        400,
        "InvalidJWT",
        "InvalidJWT",
        error.problem === "expired" ? "jwt expired" : "invalid signature",
      );
    }
    throw error;
  }
  // storage-api (isDownloadScopedToken / isUploadScopedToken) still honours tokens signed before scopes
  // existed: without `scope`, one carrying an `upsert` claim is an upload token, any other a download one.
  const legacyScope = "upsert" in claims ? "upload" : "download";
  if ((claims.scope ?? legacyScope) !== scope) {
    throw new StorageError(400, "InvalidSignature", "InvalidSignature", `Token is not scoped for ${scope}`);
  }
  if (claims.url !== url) {
    throw new StorageError(
      400,
      "InvalidSignature",
      "InvalidSignature",
      "The signed URL does not match the requested object",
    );
  }
  return claims;
}

async function handleObject(ctx: StorageContext, c: Context, rest: string): Promise<Response> {
  const method = c.req.method;
  const parts = splitPath(rest);
  const [first, second] = parts;
  if (!first) throw new StorageError(400, "InvalidRequest", "Error", "The bucket is missing from the path");

  if (first === "list" && method === "POST" && second) return list(ctx, c, second);
  if (first === "move" && method === "POST" && !second) return move(ctx, c);
  if (first === "copy" && method === "POST" && !second) return copy(ctx, c);
  if (first === "upload" && second === "sign" && parts[2]) {
    const name = parts.slice(3).join("/");
    if (method === "POST") return signUpload(ctx, c, parts[2], name);
    if (method === "PUT") return uploadSigned(ctx, c, parts[2], name);
  }
  if (first === "move" || first === "copy" || first === "info" || first === "upload" || first === "list-v2") {
    throw unsupported(`${method} /object/${first}`);
  }
  if (first === "sign" && second) {
    const name = parts.slice(2).join("/");
    if (method === "GET") {
      await signedClaims(ctx, c, SIGNED_URL_SCOPE_DOWNLOAD, `${second}/${name}`);
      return streamObject(ctx, c, second, await ownerObject(ctx, second, name));
    }
    if (method === "POST") {
      const caller = await storageCaller(ctx, c);
      const body = await jsonBody(c);
      const expiresIn = readExpiresIn(body);
      await ownerBucket(ctx, second);
      const wanted = name ? [name] : Array.isArray(body.paths) ? body.paths.map(String) : undefined;
      if (!wanted)
        throw new StorageError(400, "InvalidRequest", "Error", "body must have required property 'paths'");
      const visible = new Set(
        await withCallerTransaction(
          ctx.pool,
          caller,
          async (db) =>
            (
              await db.query<{ name: string }>(
                "select name from storage.objects where bucket_id = $1 and name = any($2)",
                [second, wanted],
              )
            ).rows.map((r) => r.name),
          { readOnly: true },
        ),
      );
      if (name) {
        if (!visible.has(name)) throw notFoundObject();
        return c.json({ signedURL: await signOne(ctx, second, name, expiresIn) });
      }
      const signed = [];
      for (const path of wanted) {
        signed.push(
          visible.has(path)
            ? { error: null, path, signedURL: await signOne(ctx, second, path, expiresIn) }
            : {
                error: "Either the object does not exist or you do not have access to it",
                path,
                signedURL: null,
              },
        );
      }
      return c.json(signed);
    }
  }
  if (first === "public" && second && (method === "GET" || method === "HEAD")) {
    const bucket = await ownerBucket(ctx, second);
    if (!bucket.public) throw notFoundBucket();
    return streamObject(ctx, c, second, await ownerObject(ctx, second, parts.slice(2).join("/")));
  }
  if (first === "authenticated" && second && (method === "GET" || method === "HEAD")) {
    return download(ctx, c, second, parts.slice(2).join("/"));
  }

  const bucketId = first;
  const name = parts.slice(1).join("/");
  switch (method) {
    case "GET":
    case "HEAD":
      return download(ctx, c, bucketId, name);
    case "POST":
      return upload(ctx, c, bucketId, name, "create");
    case "PUT":
      return upload(ctx, c, bucketId, name, "update");
    case "DELETE": {
      if (name) {
        // storage-api: looked up as superuser (404 when absent), deleted as the caller; a row RLS
        // kept is "Access denied".
        await ownerObject(ctx, bucketId, name);
        const deleted = await removeMany(ctx, c, bucketId, [name]);
        if (!deleted.length) throw new StorageError(403, "AccessDenied", "Unauthorized", "Access denied");
        return c.json({ message: "Successfully deleted" });
      }
      const body = await jsonBody(c);
      if (!Array.isArray(body.prefixes)) {
        throw new StorageError(400, "InvalidRequest", "Error", "body must have required property 'prefixes'");
      }
      return c.json(await removeMany(ctx, c, bucketId, body.prefixes.map(String)));
    }
  }
  throw unsupported(`${method} /object/${first}`);
}

async function handleBucket(ctx: StorageContext, c: Context, rest: string): Promise<Response> {
  const method = c.req.method;
  const [id, action] = splitPath(rest);
  const caller = await storageCaller(ctx, c);
  if (!id && method === "GET") {
    const rows = await withCallerTransaction(
      ctx.pool,
      caller,
      async (db) => (await db.query(`select ${BUCKET_COLUMNS} from storage.buckets order by name`)).rows,
      { readOnly: true },
    );
    return c.json(rows);
  }
  if (!id && method === "POST") {
    const body = await jsonBody(c);
    const name = typeof body.name === "string" ? body.name : "";
    if (!name)
      throw new StorageError(400, "InvalidBucketName", "Error", "body must have required property 'name'");
    await withCallerTransaction(ctx.pool, caller, (db) =>
      db.query(
        `insert into storage.buckets (id, name, owner, public, file_size_limit, allowed_mime_types)
         values ($1, $2, $3::uuid, coalesce($4::boolean, false), $5::bigint, $6::text[])`,
        [
          typeof body.id === "string" ? body.id : name,
          name,
          caller.userId ?? null,
          body.public ?? null,
          body.file_size_limit ?? null,
          body.allowed_mime_types ?? null,
        ],
      ),
    );
    return c.json({ name });
  }
  if (!id) throw unsupported(`${method} /bucket`);
  if (method === "GET" && !action) {
    const row = await withCallerTransaction(
      ctx.pool,
      caller,
      async (db) =>
        (await db.query(`select ${BUCKET_COLUMNS} from storage.buckets where id = $1`, [id])).rows[0],
      { readOnly: true },
    );
    if (!row) throw notFoundBucket();
    return c.json(row);
  }
  if (method === "PUT" && !action) {
    const body = await jsonBody(c);
    const updated = await withCallerTransaction(ctx.pool, caller, (db) =>
      db.query(
        `update storage.buckets set public = coalesce($2::boolean, public), file_size_limit = $3::bigint,
           allowed_mime_types = $4::text[], updated_at = now() where id = $1`,
        [id, body.public ?? null, body.file_size_limit ?? null, body.allowed_mime_types ?? null],
      ),
    );
    if (!updated.rowCount) throw notFoundBucket();
    return c.json({ message: "Successfully updated" });
  }
  if (method === "POST" && action === "empty") {
    // storage-api (Storage.emptyBucket): the bucket and one object are looked up as the caller; when
    // the caller sees one, an admin job (service key, no RLS) deletes every object created until now.
    // Reading a single object is therefore enough to empty a bucket: no delete policy is consulted.
    const before = new Date();
    const visible = await withCallerTransaction(
      ctx.pool,
      caller,
      async (db) => {
        const bucket = await db.query("select name from storage.buckets where id = $1", [id]);
        if (!bucket.rows.length) throw notFoundBucket();
        const one = await db.query(
          "select id from storage.objects where bucket_id = $1 and created_at <= $2 limit 1",
          [id, before],
        );
        return one.rows.length > 0;
      },
      { readOnly: true },
    );
    if (visible) {
      const removed = await withOwnerTransaction(
        ctx.pool,
        async (db) =>
          (
            await db.query<{ version: string | null }>(
              "delete from storage.objects where bucket_id = $1 and created_at <= $2 returning version",
              [id, before],
            )
          ).rows,
      );
      for (const row of removed) await ctx.files.remove(id, row.version);
    }
    return c.json({ message: "Empty bucket has been queued. Completion may take up to an hour." });
  }
  if (method === "DELETE" && !action) {
    await withOwnerTransaction(ctx.pool, async (db) => {
      const left = await db.query("select 1 from storage.objects where bucket_id = $1 limit 1", [id]);
      if (left.rows.length)
        throw new StorageError(
          409,
          "InvalidRequest",
          "Bucket not empty",
          "The bucket you tried to delete is not empty",
        );
    });
    const deleted = await withCallerTransaction(ctx.pool, caller, (db) =>
      db.query("delete from storage.buckets where id = $1", [id]),
    );
    if (!deleted.rowCount) throw notFoundBucket();
    return c.json({ message: "Successfully deleted" });
  }
  throw unsupported(`${method} /bucket/${id}${action ? `/${action}` : ""}`);
}

export function createStorageRoutes(ctx: StorageContext): Hono {
  const app = new Hono();
  app.all("*", async (c) => {
    // The raw (still percent-encoded) path: object names may contain any character.
    const raw = new URL(c.req.url).pathname;
    const at = raw.indexOf("/storage/v1");
    const rest = at >= 0 ? raw.slice(at + "/storage/v1".length) : raw;
    try {
      if (rest.startsWith("/object/") || rest === "/object")
        return await handleObject(ctx, c, rest.slice("/object".length));
      if (rest.startsWith("/bucket")) return await handleBucket(ctx, c, rest.slice("/bucket".length));
      if (rest === "/status" || rest === "/health") return c.json({ status: "ok" });
      throw unsupported(`${c.req.method} /storage/v1${rest}`);
    } catch (error) {
      return send(c, error);
    }
  });
  return app;
}

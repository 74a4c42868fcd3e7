/**
 * A small client for the Supabase Storage REST API (the endpoints supabase-js uses), limited to what
 * the backup needs in bucket `backups`: check the bucket (and whether it is public), upload a file without
 * ever overwriting, find an object, list the bucket page by page, delete objects, sign a download URL.
 * Object names are paths: each run writes `<run id>/<file name>` (storage-path.ts).
 *
 * Transient failures (5xx, 429, network errors, timeouts) are retried with back-off. Uploads stream the
 * spooled file, so memory stays constant whatever its size.
 */
import { BackupError } from "../lib/errors.ts";
import { type Sleep, withRetries } from "../lib/retry.ts";

export interface StorageObject {
  name: string;
  size: number | null;
  createdAt: string | null;
}

export interface StorageClient {
  readonly bucket: string;
  bucketExists(): Promise<boolean>;
  /** The bucket's `public` flag, or null when it does not exist. */
  bucketInfo(): Promise<{ public: boolean } | null>;
  /** An absolute signed download URL for `name`, valid `expiresIn` seconds, saved under its file name. */
  signDownload(name: string, expiresIn: number): Promise<string>;
  /** Uploads the file at `path`; fails with code `storage_exists` when the name is taken. */
  upload(name: string, file: { path: string; size: number }, contentType: string): Promise<void>;
  /** The object at exactly this path (`folder/file` or a name at the root), or null. */
  find(name: string): Promise<StorageObject | null>;
  /** Every object at the bucket's root, in name order, fetched `pageSize` at a time. */
  list(): AsyncIterable<StorageObject>;
  remove(names: string[]): Promise<void>;
}

export interface StorageClientOptions {
  supabaseUrl: string;
  serviceKey: string;
  bucket?: string;
  fetch?: typeof fetch;
  sleep: Sleep;
  /** Opens the file for one upload attempt (injectable for tests). */
  openFile?: (path: string) => Promise<ReadableStream<Uint8Array>>;
  pageSize?: number;
  attempts?: number;
  /** Per request; uploads get `uploadTimeoutMs`. */
  timeoutMs?: number;
  uploadTimeoutMs?: number;
}

class TransientStorageError extends BackupError {}

async function openDenoFile(path: string): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  return file.readable;
}

async function readBody(response: Response): Promise<{ text: string; json: Record<string, unknown> | null }> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text);
    return { text, json: parsed && typeof parsed === "object" ? parsed : null };
  } catch {
    return { text, json: null };
  }
}

function describe(body: { text: string; json: Record<string, unknown> | null }, status: number): string {
  const message = body.json?.message ?? body.json?.error ?? body.text.slice(0, 200);
  return `HTTP ${status}${message ? ` "${String(message)}"` : ""}`;
}

/** Storage reports some errors with HTTP 400 and the real status in the body's `statusCode`. */
function effectiveStatus(status: number, body: { json: Record<string, unknown> | null }): number {
  const inner = Number(body.json?.statusCode);
  return status === 400 && Number.isInteger(inner) && inner >= 400 ? inner : status;
}

export function createStorageClient(options: StorageClientOptions): StorageClient {
  const bucket = options.bucket ?? "backups";
  const doFetch = options.fetch ?? fetch;
  const openFile = options.openFile ?? openDenoFile;
  const pageSize = options.pageSize ?? 100;
  const base = `${options.supabaseUrl.replace(/\/+$/, "")}/storage/v1`;
  const headers = {
    authorization: `Bearer ${options.serviceKey}`,
    apikey: options.serviceKey,
  };
  const retry = <T>(operation: (attempt: number) => Promise<T>) =>
    withRetries(operation, {
      attempts: options.attempts ?? 4,
      baseDelayMs: 1000,
      sleep: options.sleep,
      isTransient: (e) => e instanceof TransientStorageError,
    }).catch((e) => {
      if (e instanceof TransientStorageError) {
        // The transient error already names the operation ("Cannot store backup …: …").
        throw new BackupError("storage_unavailable", `${e.message} (gave up after retries)`);
      }
      throw e;
    });

  /** One request; network errors, timeouts, 429 and 5xx become transient errors. */
  async function request(
    what: string,
    path: string,
    init: RequestInit & { timeoutMs?: number },
  ): Promise<{ response: Response; body: { text: string; json: Record<string, unknown> | null } }> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(init.timeoutMs ?? options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const reason = error instanceof DOMException && error.name === "TimeoutError"
        ? "the request timed out"
        : `the Storage API is unreachable (${error instanceof Error ? error.message : String(error)})`;
      throw new TransientStorageError("storage_unavailable", `${what}: ${reason}`);
    }
    const body = await readBody(response);
    const status = effectiveStatus(response.status, body);
    if (status === 429 || status >= 500) {
      throw new TransientStorageError("storage_unavailable", `${what}: ${describe(body, response.status)}`);
    }
    return { response, body };
  }

  const encodeName = (name: string) => name.split("/").map(encodeURIComponent).join("/");

  /** One page of the folder `prefix` ("" for the root); objects only, named as in that folder. */
  async function listPage(offset: number, search?: string, prefix = ""): Promise<StorageObject[]> {
    const what = `Cannot list Storage bucket "${bucket}"`;
    return await retry(async () => {
      const { response, body } = await request(what, `/object/list/${encodeURIComponent(bucket)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          prefix,
          limit: pageSize,
          offset,
          sortBy: { column: "name", order: "asc" },
          ...(search ? { search } : {}),
        }),
      });
      if (!response.ok) {
        throw new BackupError("storage_error", `${what}: ${describe(body, response.status)}`);
      }
      const items = Array.isArray(body.json) ? body.json : JSON.parse(body.text || "[]");
      if (!Array.isArray(items)) throw new BackupError("storage_error", `${what}: the answer is not a list`);
      return items
        // Folders come back with a null id: they are not objects.
        .filter((i: Record<string, unknown>) => i && typeof i.name === "string" && i.id !== null)
        .map((i: Record<string, unknown>) => {
          const metadata = (i.metadata ?? {}) as Record<string, unknown>;
          const size = Number(metadata.size ?? metadata.contentLength);
          return {
            name: i.name as string,
            size: Number.isFinite(size) ? size : null,
            createdAt: typeof i.created_at === "string" ? i.created_at : null,
          };
        });
    });
  }

  const client: StorageClient = {
    bucket,

    async bucketExists() {
      return (await client.bucketInfo()) !== null;
    },

    async bucketInfo() {
      const what = `Cannot check Storage bucket "${bucket}"`;
      return await retry(async () => {
        const { response, body } = await request(what, `/bucket/${encodeURIComponent(bucket)}`, {
          method: "GET",
        });
        if (response.ok) return { public: body.json?.public === true };
        const status = effectiveStatus(response.status, body);
        if (status === 404 || /not found/i.test(String(body.json?.message ?? body.json?.error ?? ""))) {
          return null;
        }
        throw new BackupError("storage_error", `${what}: ${describe(body, response.status)}`);
      });
    },

    async signDownload(name, expiresIn) {
      const what = `Cannot sign a download URL for "${name}" in Storage bucket "${bucket}"`;
      return await retry(async () => {
        const { response, body } = await request(
          what,
          `/object/sign/${encodeURIComponent(bucket)}/${encodeName(name)}`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ expiresIn }),
          },
        );
        const signed = body.json?.signedURL;
        if (!response.ok || typeof signed !== "string") {
          const status = effectiveStatus(response.status, body);
          throw new BackupError(
            status === 404 ? "storage_missing" : "storage_error",
            status === 404
              ? `${what}: the object is no longer in the bucket`
              : `${what}: ${describe(body, response.status)}`,
          );
        }
        const url = new URL(`${base}${signed.startsWith("/") ? "" : "/"}${signed}`);
        // Saved under the file name, not the run's folder.
        url.searchParams.set("download", name.slice(name.lastIndexOf("/") + 1));
        return url.toString();
      });
    },

    async upload(name, file, contentType) {
      const what = `Cannot store backup "${name}" in Storage bucket "${bucket}"`;
      await retry(async (attempt) => {
        const { response, body } = await request(
          what,
          `/object/${encodeURIComponent(bucket)}/${encodeName(name)}`,
          {
            method: "POST",
            headers: {
              "content-type": contentType,
              "content-length": String(file.size),
              "x-upsert": "false",
              "cache-control": "no-cache",
            },
            body: await openFile(file.path),
            timeoutMs: options.uploadTimeoutMs ?? 300_000,
          },
        );
        if (response.ok) return;
        const status = effectiveStatus(response.status, body);
        if (status === 409 || body.json?.error === "Duplicate") {
          // After a failed attempt, the object may be our own earlier upload that did land. Safe
          // because the path is the run's own folder (storage-path.ts): nobody could have put an
          // object there beforehand, so same path and size after our own attempt means our object.
          if (attempt > 1) {
            const existing = await client.find(name);
            if (existing && existing.size === file.size) return;
          }
          throw new BackupError(
            "storage_exists",
            `${what}: an object with this name already exists (backups are never overwritten)`,
          );
        }
        if (status === 413) {
          throw new BackupError(
            "storage_too_large",
            `${what}: the file (${file.size} bytes) is larger than the bucket allows; raise the file size limit in Storage settings or use npm run backup`,
          );
        }
        if (status === 404) {
          throw new BackupError(
            "storage_bucket_missing",
            `${what}: the bucket does not exist; apply the migrations (they create it)`,
          );
        }
        throw new BackupError("storage_error", `${what}: ${describe(body, response.status)}`);
      });
    },

    async find(name) {
      // Listed in its folder; `search` narrows the listing server-side; the exact match is checked here.
      const slash = name.lastIndexOf("/");
      const folder = slash < 0 ? "" : name.slice(0, slash);
      const file = name.slice(slash + 1);
      for (let offset = 0;; offset += pageSize) {
        const page = await listPage(offset, file, folder);
        const hit = page.find((o) => o.name === file);
        if (hit) return { ...hit, name };
        if (page.length < pageSize) return null;
      }
    },

    async *list() {
      for (let offset = 0;; offset += pageSize) {
        const page = await listPage(offset);
        yield* page;
        if (page.length < pageSize) return;
      }
    },

    async remove(names) {
      if (!names.length) return;
      const what = `Cannot delete old backups from Storage bucket "${bucket}"`;
      await retry(async () => {
        const { response, body } = await request(what, `/object/${encodeURIComponent(bucket)}`, {
          method: "DELETE",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ prefixes: names }),
        });
        if (!response.ok) {
          throw new BackupError("storage_error", `${what}: ${describe(body, response.status)}`);
        }
      });
    },
  };
  return client;
}

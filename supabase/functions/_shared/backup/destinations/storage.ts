/**
 * A small client for the Supabase Storage REST API (the endpoints supabase-js uses), limited to what
 * the backup needs in bucket `backups`: check the bucket (and whether it is public), upload a file without
 * ever overwriting, find an object, list the bucket page by page, delete objects, sign a download URL.
 * Object names are paths: each run writes `<run id>/<file name>` (storage-path.ts).
 *
 * Transient failures (5xx, 429, network errors, timeouts) are retried with back-off (storage-http.ts).
 * Uploads stream the spooled file, so memory stays constant whatever its size.
 */
import { BackupError } from "../lib/errors.ts";
import { effectiveStatus, storageError, StorageHttp, type StorageHttpOptions } from "./storage-http.ts";

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

export interface StorageClientOptions extends StorageHttpOptions {
  bucket?: string;
  /** Opens the file for one upload attempt (injectable for tests). */
  openFile?: (path: string) => Promise<ReadableStream<Uint8Array>>;
  pageSize?: number;
  /** Uploads' own timeout; every other request gets `timeoutMs`. */
  uploadTimeoutMs?: number;
}

async function openDenoFile(path: string): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  return file.readable;
}

const encodeName = (name: string) => name.split("/").map(encodeURIComponent).join("/");

/** The objects of one listing page, in its order. */
function toStorageObjects(items: Array<Record<string, unknown>>): StorageObject[] {
  return items
    // Folders come back with a null id: they are not objects.
    .filter((i) => i && typeof i.name === "string" && i.id !== null)
    .map((i) => {
      const metadata = (i.metadata ?? {}) as Record<string, unknown>;
      const size = Number(metadata.size ?? metadata.contentLength);
      return {
        name: i.name as string,
        size: Number.isFinite(size) ? size : null,
        createdAt: typeof i.created_at === "string" ? i.created_at : null,
      };
    });
}

export class SupabaseStorageClient implements StorageClient {
  readonly bucket: string;
  readonly #http: StorageHttp;
  readonly #openFile: (path: string) => Promise<ReadableStream<Uint8Array>>;
  readonly #pageSize: number;
  readonly #uploadTimeoutMs: number;

  constructor(options: StorageClientOptions) {
    this.bucket = options.bucket ?? "backups";
    this.#http = new StorageHttp(options);
    this.#openFile = options.openFile ?? openDenoFile;
    this.#pageSize = options.pageSize ?? 100;
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 300_000;
  }

  async bucketExists(): Promise<boolean> {
    return (await this.bucketInfo()) !== null;
  }

  async bucketInfo(): Promise<{ public: boolean } | null> {
    const what = `Cannot check Storage bucket "${this.bucket}"`;
    return await this.#http.retry(async () => {
      const answer = await this.#http.request(what, `/bucket/${encodeURIComponent(this.bucket)}`, {
        method: "GET",
      });
      const { response, body } = answer;
      if (response.ok) return { public: body.json?.public === true };
      const status = effectiveStatus(response.status, body);
      if (status === 404 || /not found/i.test(String(body.json?.message ?? body.json?.error ?? ""))) {
        return null;
      }
      throw storageError(what, answer);
    });
  }

  async signDownload(name: string, expiresIn: number): Promise<string> {
    const what = `Cannot sign a download URL for "${name}" in Storage bucket "${this.bucket}"`;
    return await this.#http.retry(async () => {
      const answer = await this.#http.request(
        what,
        `/object/sign/${encodeURIComponent(this.bucket)}/${encodeName(name)}`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ expiresIn }),
        },
      );
      const { response, body } = answer;
      const signed = body.json?.signedURL;
      if (!response.ok || typeof signed !== "string") {
        if (effectiveStatus(response.status, body) === 404) {
          throw new BackupError("storage_missing", `${what}: the object is no longer in the bucket`);
        }
        throw storageError(what, answer);
      }
      const url = new URL(`${this.#http.base}${signed.startsWith("/") ? "" : "/"}${signed}`);
      // Saved under the file name, not the run's folder.
      url.searchParams.set("download", name.slice(name.lastIndexOf("/") + 1));
      return url.toString();
    });
  }

  async upload(name: string, file: { path: string; size: number }, contentType: string): Promise<void> {
    const what = `Cannot store backup "${name}" in Storage bucket "${this.bucket}"`;
    await this.#http.retry(async (attempt) => {
      const answer = await this.#http.request(
        what,
        `/object/${encodeURIComponent(this.bucket)}/${encodeName(name)}`,
        {
          method: "POST",
          headers: {
            "content-type": contentType,
            "content-length": String(file.size),
            "x-upsert": "false",
            "cache-control": "no-cache",
          },
          body: await this.#openFile(file.path),
          timeoutMs: this.#uploadTimeoutMs,
        },
      );
      const { response, body } = answer;
      if (response.ok) return;
      const status = effectiveStatus(response.status, body);
      if (status === 409 || body.json?.error === "Duplicate") {
        // After a failed attempt, the object may be our own earlier upload that did land. Safe
        // because the path is the run's own folder (storage-path.ts): nobody could have put an
        // object there beforehand, so same path and size after our own attempt means our object.
        if (attempt > 1) {
          const existing = await this.find(name);
          if (existing && existing.size === file.size) return;
        }
        throw new BackupError(
          "storage_exists",
          `${what}: an object with this name already exists (backups are never overwritten)`,
        );
      }
      throw uploadRefusal(what, status, file.size) ?? storageError(what, answer);
    });
  }

  async find(name: string): Promise<StorageObject | null> {
    // Listed in its folder; `search` narrows the listing server-side; the exact match is checked here.
    const slash = name.lastIndexOf("/");
    const folder = slash < 0 ? "" : name.slice(0, slash);
    const file = name.slice(slash + 1);
    for (let offset = 0;; offset += this.#pageSize) {
      const page = await this.#listPage(offset, file, folder);
      const hit = page.find((o) => o.name === file);
      if (hit) return { ...hit, name };
      if (page.length < this.#pageSize) return null;
    }
  }

  async *list(): AsyncIterable<StorageObject> {
    for (let offset = 0;; offset += this.#pageSize) {
      const page = await this.#listPage(offset);
      yield* page;
      if (page.length < this.#pageSize) return;
    }
  }

  async remove(names: string[]): Promise<void> {
    if (!names.length) return;
    const what = `Cannot delete old backups from Storage bucket "${this.bucket}"`;
    await this.#http.retry(async () => {
      const answer = await this.#http.request(what, `/object/${encodeURIComponent(this.bucket)}`, {
        method: "DELETE",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefixes: names }),
      });
      if (!answer.response.ok) throw storageError(what, answer);
    });
  }

  /** One page of the folder `prefix` ("" for the root); objects only, named as in that folder. */
  async #listPage(offset: number, search?: string, prefix = ""): Promise<StorageObject[]> {
    const what = `Cannot list Storage bucket "${this.bucket}"`;
    return await this.#http.retry(async () => {
      const answer = await this.#http.request(what, `/object/list/${encodeURIComponent(this.bucket)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          prefix,
          limit: this.#pageSize,
          offset,
          sortBy: { column: "name", order: "asc" },
          ...(search ? { search } : {}),
        }),
      });
      if (!answer.response.ok) throw storageError(what, answer);
      const { body } = answer;
      const items = Array.isArray(body.json) ? body.json : JSON.parse(body.text || "[]");
      if (!Array.isArray(items)) throw new BackupError("storage_error", `${what}: the answer is not a list`);
      return toStorageObjects(items);
    });
  }
}

/** The upload refusals an admin can act on (too large, no bucket); null for any other answer. */
function uploadRefusal(what: string, status: number, size: number): BackupError | null {
  if (status === 413) {
    return new BackupError(
      "storage_too_large",
      `${what}: the file (${size} bytes) is larger than the bucket allows; raise the file size limit in Storage settings or use npm run backup`,
    );
  }
  if (status === 404) {
    return new BackupError(
      "storage_bucket_missing",
      `${what}: the bucket does not exist; apply the migrations (they create it)`,
    );
  }
  return null;
}

export function createStorageClient(options: StorageClientOptions): StorageClient {
  return new SupabaseStorageClient(options);
}

/**
 * Uploads a file into a OneDrive / SharePoint folder without ever overwriting an existing name:
 * up to 4 MiB with one `PUT …:/content`, larger through an upload session sent in fragments of a multiple of
 * 320 KiB. Memory stays bounded by one fragment. The QuickXorHash is computed while the bytes go out and
 * compared with the driveItem's, together with the size; a mismatch fails the upload.
 *
 * Recovery on the upload URL (which gets no Authorization header: it carries its own credential):
 * - 429 / 503 / 500 / 502 / 504 and connection errors: wait (Retry-After or back-off) and send the fragment
 *   again;
 * - 416: the retried fragment had been accepted already: ask the session where it stands and go on from there;
 * - 404: the session is gone: wait and try once more, then start a new session from byte 0;
 * - a 200/201 without a driveItem body: read the item by name.
 * On failure or cancellation the session is deleted, so no half-uploaded session lingers.
 */
import type { GraphFolder, UploadedItem, UploadSource } from "./client.ts";
import type { DriveItemJson } from "./destination.ts";
import { deleteItem, getChildByName } from "./drive.ts";
import {
  describeServiceError,
  GraphError,
  type GraphErrorCode,
  parseServiceError,
  sanitise,
  type ServiceErrorDetail,
} from "./errors.ts";
import { graphFailure, type GraphHttp, throttledTooLong } from "./graph-http.ts";
import { QuickXorHash } from "./quick-xor-hash.ts";
import { uploadUrlProblem } from "./upload-url.ts";
import {
  backoffDelay,
  type FetchedResponse,
  fetchWithTimeout,
  isRetryableStatus,
  parseRetryAfter,
  RedirectRefused,
  sleepUnlessAborted,
} from "./retry.ts";

/** Largest file sent with a single PUT; Graph documents 4 MiB for simple uploads. */
export const SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;
/** Fragments must be multiples of 320 KiB (except the last). */
export const FRAGMENT_UNIT = 320 * 1024;
/** 10 MiB, the size Microsoft suggests for steady connections. */
export const DEFAULT_FRAGMENT_SIZE = 32 * FRAGMENT_UNIT;
/** Fragments must stay under 60 MiB. */
export const MAX_FRAGMENT_SIZE = 191 * FRAGMENT_UNIT;
/** New sessions started after a session disappeared (404 twice), before giving up. */
const MAX_SESSION_RESTARTS = 2;
/** Pause before retrying a fragment whose session answered 404. */
const SESSION_404_PAUSE_MS = 2_000;

export interface UploadOptions {
  fragmentSize?: number;
  onProgress?: (bytesSent: number) => void;
  signal?: AbortSignal;
  /** QuickXorHash computed earlier (e.g. while spooling); the bytes read now must match it too. */
  expectedQuickXorHash?: string;
}

const FORBIDDEN_CHARACTERS = /["*:<>?/\\|]/;

/** Why OneDrive would refuse this file name, or null. */
export function invalidFileNameReason(name: string): string | null {
  if (name.length === 0) return "the name is empty";
  if (FORBIDDEN_CHARACTERS.test(name)) return 'names cannot contain " * : < > ? / \\ |';
  if (name.startsWith(" ") || name.endsWith(" ")) return "names cannot start or end with a space";
  if ([...name].some((c) => c.charCodeAt(0) < 0x20)) return "names cannot contain control characters";
  if (
    /^(con|prn|aux|nul|com\d|lpt\d|\.lock|desktop\.ini)$/i.test(name) || name.startsWith("~$") ||
    name.includes("_vti_")
  ) {
    return "the name is reserved";
  }
  return null;
}

export async function uploadFile(
  http: GraphHttp,
  folder: GraphFolder,
  name: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<UploadedItem> {
  const upload = new FileUpload(http, folder, name, source, options);
  return await upload.run();
}

/** The hash of the bytes as they are read, whatever order the retries read them in. */
class StreamHash {
  readonly #hash = new QuickXorHash();
  #hashedUpTo = 0;

  add(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    if (end <= this.#hashedUpTo) return;
    if (offset > this.#hashedUpTo) throw new Error("Bytes were skipped while hashing the upload");
    this.#hash.update(bytes.subarray(this.#hashedUpTo - offset));
    this.#hashedUpTo = end;
  }

  get hashedUpTo(): number {
    return this.#hashedUpTo;
  }

  digest(): string {
    return this.#hash.digest();
  }
}

/** Reads a source sequentially, reopening it only when asked for another offset. */
class SourceReader {
  readonly #source: UploadSource;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #position = 0;
  #leftover: Uint8Array | undefined;

  constructor(source: UploadSource) {
    this.#source = source;
  }

  /** Fills `buffer` with `length` bytes from `offset`. */
  async read(offset: number, length: number, buffer: Uint8Array): Promise<Uint8Array> {
    if (this.#source.readAt) {
      // Random access: no stream to keep open.
    } else if (!this.#reader || this.#position !== offset) {
      await this.close();
      this.#reader = this.#source.open(offset).getReader();
      this.#position = offset;
    }
    let filled = 0;
    const readAt = this.#source.readAt?.bind(this.#source);
    // Straight into the caller's buffer when the source can, without the stream's intermediate chunks.
    while (readAt && filled < length) {
      const read = await readAt(offset + filled, buffer.subarray(filled, length));
      if (read === 0) break;
      filled += read;
    }
    while (filled < length) {
      let chunk = this.#leftover;
      this.#leftover = undefined;
      if (!chunk) {
        const result = await this.#reader!.read();
        if (result.done) break;
        chunk = result.value;
      }
      const take = Math.min(chunk.length, length - filled);
      buffer.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.length) this.#leftover = chunk.subarray(take);
    }
    this.#position += filled;
    if (filled < length) {
      throw new GraphError(
        "upload_source_changed",
        `the file to upload ended after ${offset + filled} bytes instead of ${this.#source.size}`,
      );
    }
    return buffer.subarray(0, length);
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    this.#leftover = undefined;
    if (reader) await reader.cancel().catch(() => {});
    this.#source.close?.();
  }
}

/** Thrown inside the session loop to start a new session. */
class RestartSession extends Error {}

interface FragmentResponse {
  status: number;
  body: unknown;
  detail: ServiceErrorDetail;
}

class FileUpload {
  readonly #http: GraphHttp;
  readonly #folder: GraphFolder;
  readonly #name: string;
  readonly #source: UploadSource;
  readonly #options: UploadOptions;
  readonly #hash = new StreamHash();
  readonly #reader: SourceReader;
  readonly #operation: string;

  constructor(
    http: GraphHttp,
    folder: GraphFolder,
    name: string,
    source: UploadSource,
    options: UploadOptions,
  ) {
    this.#http = http;
    this.#folder = folder;
    this.#name = name;
    this.#source = source;
    this.#options = options;
    this.#reader = new SourceReader(source);
    this.#operation = `upload "${name}" to OneDrive folder "${folder.name}"`;
  }

  #fail(
    code: GraphErrorCode,
    detail: string,
    extra: { status?: number; graphCode?: string; cause?: unknown } = {},
  ) {
    return new GraphError(code, `Cannot ${this.#operation}: ${detail}`, extra);
  }

  async run(): Promise<UploadedItem> {
    const reason = invalidFileNameReason(this.#name);
    if (reason) throw this.#fail("upload_name_invalid", reason);
    const fragmentSize = this.#options.fragmentSize ?? DEFAULT_FRAGMENT_SIZE;
    if (fragmentSize <= 0 || fragmentSize % FRAGMENT_UNIT !== 0 || fragmentSize > MAX_FRAGMENT_SIZE) {
      throw new RangeError(
        `Invalid fragment size ${fragmentSize}: use a multiple of 327680 bytes (320 KiB) below 60 MiB`,
      );
    }
    this.#options.signal?.throwIfAborted();
    try {
      const item = this.#source.size <= SIMPLE_UPLOAD_LIMIT
        ? await this.#simpleUpload()
        : await this.#sessionUpload(fragmentSize);
      return await this.#verify(item);
    } catch (error) {
      throw this.#asGraphError(error);
    } finally {
      await this.#reader.close();
    }
  }

  #asGraphError(error: unknown): GraphError {
    if (this.#options.signal?.aborted) {
      return this.#fail("upload_cancelled", "the upload was cancelled", { cause: error });
    }
    if (error instanceof GraphError) {
      // Errors from the source reader carry only the detail.
      if (error.code === "upload_source_changed" && !error.message.startsWith("Cannot ")) {
        return this.#fail("upload_source_changed", error.message);
      }
      if (error.code === "graph_request_cancelled") {
        return this.#fail("upload_cancelled", "the upload was cancelled");
      }
      return error;
    }
    return this.#fail("upload_failed", sanitise(error instanceof Error ? error.message : String(error)), {
      cause: error,
    });
  }

  #itemPath(suffix: string): string {
    return `/v1.0/drives/${encodeURIComponent(this.#folder.driveId)}/items/${
      encodeURIComponent(this.#folder.folderId)
    }:/${encodeURIComponent(this.#name)}:${suffix}`;
  }

  async #simpleUpload(): Promise<DriveItemJson> {
    const size = this.#source.size;
    const bytes = await this.#reader.read(0, size, new Uint8Array(size));
    this.#hash.add(bytes, 0);
    const response = await this.#http.send<DriveItemJson>({
      method: "PUT",
      path: this.#itemPath("/content?@microsoft.graph.conflictBehavior=fail"),
      body: bytes,
      accept: [400, 409],
      signal: this.#options.signal,
      operation: this.#operation,
    });
    if (response.status === 409) return await this.#resolveConflict(response.detail);
    if (response.status === 400) throw this.#badRequest(response.detail);
    this.#options.onProgress?.(size);
    return response.body?.id ? response.body : await this.#itemByName();
  }

  /**
   * A name conflict can be our own upload, accepted by a request whose answer was lost and then retried.
   * It is ours only if the existing file has exactly our size and hash; anything else is a real conflict.
   */
  async #resolveConflict(detail: ServiceErrorDetail): Promise<DriveItemJson> {
    const existing = await getChildByName(this.#http, this.#folder, this.#name, this.#options.signal);
    if (
      existing?.file && existing.size === this.#source.size && this.#hash.hashedUpTo === this.#source.size &&
      existing.file.hashes?.quickXorHash === this.#hash.digest()
    ) {
      this.#http.options.log(
        `"${this.#name}" already holds exactly the uploaded bytes: a retried request had succeeded`,
      );
      return existing;
    }
    throw this.#fail(
      "upload_name_conflict",
      `a file with that name already exists${
        describeServiceError(detail)
      }. Existing files are never overwritten`,
      { status: 409, graphCode: detail.code },
    );
  }

  #badRequest(detail: ServiceErrorDetail): GraphError {
    const codes = `${detail.code} ${detail.innerCode}`;
    if (/pathIsTooLong/i.test(codes)) {
      return this.#fail(
        "upload_path_too_long",
        `the path is too long${describeServiceError(detail)}. Use a folder closer to the library's root`,
        { status: 400 },
      );
    }
    if (/invalidName/i.test(codes)) {
      return this.#fail("upload_name_invalid", `OneDrive refused the name${describeServiceError(detail)}`, {
        status: 400,
      });
    }
    return graphFailure(this.#operation, 400, detail);
  }

  async #itemByName(): Promise<DriveItemJson> {
    const item = await getChildByName(this.#http, this.#folder, this.#name, this.#options.signal);
    if (!item) {
      throw this.#fail(
        "upload_failed",
        "OneDrive reported the upload complete, but the file is not in the folder",
      );
    }
    return item;
  }

  async #sessionUpload(fragmentSize: number): Promise<DriveItemJson> {
    // Two fragment buffers, reused for the whole upload: one is sent while the next fragment is read into
    // the other, so reading and hashing overlap the network and memory stays at two fragments.
    const length = Math.min(fragmentSize, this.#source.size);
    const buffers = this.#source.size > fragmentSize
      ? [new Uint8Array(length), new Uint8Array(length)]
      : [new Uint8Array(length)];
    for (let restarts = 0;; restarts++) {
      const uploadUrl = await this.#createSession();
      try {
        return await this.#sendFragments(uploadUrl, fragmentSize, buffers);
      } catch (error) {
        if (error instanceof RestartSession && restarts < MAX_SESSION_RESTARTS) {
          this.#http.options.log(
            `Upload session of "${this.#name}" was lost (${error.message}); starting a new one`,
          );
          await this.#deleteSession(uploadUrl);
          continue;
        }
        await this.#deleteSession(uploadUrl);
        if (error instanceof RestartSession) {
          throw this.#fail(
            "upload_session_lost",
            `OneDrive lost the upload session ${restarts + 1} times (${error.message}). Try again later`,
          );
        }
        throw error;
      }
    }
  }

  async #createSession(): Promise<string> {
    const response = await this.#http.send<{ uploadUrl?: string }>({
      method: "POST",
      path: this.#itemPath("/createUploadSession"),
      // Only the item's properties: an "@odata.type" here makes Graph answer 400.
      json: { item: { "@microsoft.graph.conflictBehavior": "fail", name: this.#name } },
      accept: [400, 409],
      signal: this.#options.signal,
      operation: this.#operation,
    });
    if (response.status === 409) {
      throw this.#fail(
        "upload_name_conflict",
        `a file with that name already exists${
          describeServiceError(response.detail)
        }. Existing files are never overwritten`,
        { status: 409, graphCode: response.detail.code },
      );
    }
    if (response.status === 400) throw this.#badRequest(response.detail);
    const uploadUrl = response.body?.uploadUrl;
    const problem = uploadUrlProblem(uploadUrl, {
      graphBaseUrl: this.#http.options.graphBaseUrl,
      extraOrigins: this.#http.options.uploadOrigins,
    });
    if (problem) throw this.#fail("upload_url_refused", problem);
    return uploadUrl as string;
  }

  async #sendFragments(
    uploadUrl: string,
    fragmentSize: number,
    buffers: Uint8Array[],
  ): Promise<DriveItemJson> {
    try {
      return await this.#sendFragmentsOverlapped(uploadUrl, fragmentSize, buffers);
    } finally {
      // A read still filling a buffer must finish before anyone reuses the buffers or closes the reader.
      await this.#prefetch?.bytes.catch(() => {});
      this.#prefetch = undefined;
    }
  }

  /** The fragment after the one being sent, read ahead into the other buffer. */
  #prefetch: { position: number; length: number; buffer: number; bytes: Promise<Uint8Array> } | undefined;

  async #readFragment(position: number, length: number, buffers: Uint8Array[]): Promise<Uint8Array> {
    const ahead = this.#prefetch;
    this.#prefetch = undefined;
    let buffer = 0;
    if (ahead) {
      if (ahead.position === position && ahead.length === length) return await ahead.bytes;
      // The session asked for other bytes (a retry, a 416): drop the read-ahead and read again.
      await ahead.bytes.catch(() => {});
      buffer = ahead.buffer;
    }
    return await this.#reader.read(position, length, buffers[buffer]);
  }

  #readAhead(
    position: number,
    length: number,
    fragmentSize: number,
    buffers: Uint8Array[],
    current: Uint8Array,
  ) {
    const next = position + length;
    if (buffers.length < 2 || next >= this.#source.size) return;
    const buffer = buffers[0].buffer === current.buffer ? 1 : 0;
    const nextLength = Math.min(fragmentSize, this.#source.size - next);
    const bytes = this.#reader.read(next, nextLength, buffers[buffer]);
    // Failures surface when the fragment is used (read again then); never as an unhandled rejection.
    bytes.catch(() => {});
    this.#prefetch = { position: next, length: nextLength, buffer, bytes };
  }

  async #sendFragmentsOverlapped(
    uploadUrl: string,
    fragmentSize: number,
    buffers: Uint8Array[],
  ): Promise<DriveItemJson> {
    const size = this.#source.size;
    let position = 0;
    let retried404 = false;
    for (;;) {
      this.#options.signal?.throwIfAborted();
      const length = Math.min(fragmentSize, size - position);
      const bytes = await this.#readFragment(position, length, buffers);
      this.#hash.add(bytes, position);
      const isLast = position + length === size;
      this.#readAhead(position, length, fragmentSize, buffers, bytes);
      const response = await this.#putFragment(uploadUrl, position, bytes, size);

      if (response.status === 202) {
        retried404 = false;
        const next = nextExpectedStart(response.body) ?? position + length;
        if (next <= position || next > position + length) {
          throw this.#fail(
            "upload_failed",
            `the upload session expects byte ${next} after a fragment ending at ${position + length}`,
          );
        }
        position = next;
        this.#options.onProgress?.(position);
        continue;
      }
      if (response.status === 200 || response.status === 201) {
        this.#options.onProgress?.(size);
        const item = response.body as DriveItemJson | undefined;
        // Graph sometimes completes an upload with an empty body: read the item instead.
        return item?.id ? item : await this.#itemByName();
      }
      if (response.status === 416) {
        // The fragment was accepted by an attempt whose answer was lost: continue where the session stands.
        const status = await this.#sessionStatus(uploadUrl);
        if (status === undefined) {
          if (isLast) {
            const item = await getChildByName(this.#http, this.#folder, this.#name, this.#options.signal);
            if (item?.file && item.size === size) return item;
          }
          throw new RestartSession("the session disappeared after a 416");
        }
        if (status > position + length) {
          throw this.#fail("upload_failed", `the upload session is at byte ${status}, beyond the data sent`);
        }
        this.#http.options.log(
          `Upload session of "${this.#name}" already holds ${status} bytes; continuing from there`,
        );
        position = status;
        this.#options.onProgress?.(position);
        continue;
      }
      if (response.status === 404) {
        if (isLast) {
          // The last fragment may have completed the file before its answer was lost.
          const item = await getChildByName(this.#http, this.#folder, this.#name, this.#options.signal);
          if (item?.file && item.size === size) return item;
        }
        if (!retried404) {
          retried404 = true;
          await sleepUnlessAborted(this.#http.options.sleep, SESSION_404_PAUSE_MS, this.#options.signal);
          continue;
        }
        throw new RestartSession("the upload URL answered 404 twice");
      }
      if (response.status === 401) throw new RestartSession("the upload URL's credential was refused");
      if (response.status === 409) return await this.#resolveConflict(response.detail);
      if (response.status === 400) throw this.#badRequest(response.detail);
      throw graphFailure(this.#operation, response.status, response.detail);
    }
  }

  /** PUTs one fragment, retrying throttling, transient errors and lost connections. */
  async #putFragment(
    uploadUrl: string,
    start: number,
    bytes: Uint8Array,
    total: number,
  ): Promise<FragmentResponse> {
    const o = this.#http.options;
    const signal = this.#options.signal;
    const range = `bytes ${start}-${start + bytes.length - 1}/${total}`;
    for (let attempt = 1;; attempt++) {
      let response: FetchedResponse;
      try {
        // No Authorization: the upload URL carries its own credential and the host refuses tokens.
        const headers = {
          "content-range": range,
          "content-type": "application/octet-stream",
          "user-agent": o.userAgent,
        };
        response = o.putFragment
          ? await o.putFragment(uploadUrl, headers, bytes, o.retry.timeoutMs, signal)
          : await fetchWithTimeout(
            o.fetch,
            uploadUrl,
            { method: "PUT", headers, body: bytes as Uint8Array<ArrayBuffer> },
            o.retry.timeoutMs,
            signal,
          );
      } catch (error) {
        if (signal?.aborted) throw error;
        if (error instanceof RedirectRefused) {
          throw this.#fail("graph_redirect_refused", `the upload host at ${error.describe()}`, {
            status: error.status,
          });
        }
        if (attempt >= o.retry.maxAttempts) {
          throw this.#fail(
            "upload_failed",
            `the upload host could not be reached (${sanitise((error as Error).message)})`,
            {
              cause: error,
            },
          );
        }
        const wait = backoffDelay(attempt, o.retry, o.random);
        o.log(
          `Fragment ${range} of "${this.#name}" failed (${
            sanitise((error as Error).message, 80)
          }, attempt ${attempt}); retrying in ${wait} ms`,
        );
        await sleepUnlessAborted(o.sleep, wait, signal);
        continue;
      }
      const text = response.text;
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const detail = parseServiceError(body, response.headers);
      if (isRetryableStatus(response.status) && attempt < o.retry.maxAttempts) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"), o.now());
        if (retryAfter !== undefined && retryAfter > o.retry.maxRetryAfterMs) {
          throw throttledTooLong(this.#operation, response.status, retryAfter, detail);
        }
        const wait = retryAfter ?? backoffDelay(attempt, o.retry, o.random);
        o.log(
          `Fragment ${range} of "${this.#name}" answered ${response.status} (attempt ${attempt}); retrying in ${wait} ms`,
        );
        await sleepUnlessAborted(o.sleep, wait, signal);
        continue;
      }
      return { status: response.status, body, detail };
    }
  }

  /** The session's next expected byte, or undefined when the session is gone. */
  async #sessionStatus(uploadUrl: string): Promise<number | undefined> {
    const o = this.#http.options;
    for (let attempt = 1;; attempt++) {
      let response: FetchedResponse;
      try {
        response = await fetchWithTimeout(
          o.fetch,
          uploadUrl,
          {
            method: "GET",
            headers: { accept: "application/json", "user-agent": o.userAgent },
          },
          o.retry.timeoutMs,
          this.#options.signal,
        );
      } catch (error) {
        if (error instanceof RedirectRefused) {
          throw this.#fail("graph_redirect_refused", `the upload host at ${error.describe()}`, {
            status: error.status,
          });
        }
        if (this.#options.signal?.aborted || attempt >= o.retry.maxAttempts) throw error;
        await sleepUnlessAborted(o.sleep, backoffDelay(attempt, o.retry, o.random), this.#options.signal);
        continue;
      }
      const text = response.text;
      if (response.status === 404) return undefined;
      if (isRetryableStatus(response.status) && attempt < o.retry.maxAttempts) {
        const wait = parseRetryAfter(response.headers.get("retry-after"), o.now()) ??
          backoffDelay(attempt, o.retry, o.random);
        await sleepUnlessAborted(o.sleep, Math.min(wait, o.retry.maxRetryAfterMs), this.#options.signal);
        continue;
      }
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (response.status !== 200) {
        throw graphFailure(this.#operation, response.status, parseServiceError(body));
      }
      const next = nextExpectedStart(body);
      if (next === undefined) {
        throw this.#fail("upload_failed", "the upload session did not say which bytes it expects");
      }
      return next;
    }
  }

  /** Cancels a session; best effort, since it may already be gone. */
  async #deleteSession(uploadUrl: string): Promise<void> {
    const o = this.#http.options;
    try {
      // Not under the upload's signal: a cancelled upload must still delete its session.
      await fetchWithTimeout(
        o.fetch,
        uploadUrl,
        { method: "DELETE", headers: { "user-agent": o.userAgent } },
        30_000,
      );
    } catch {
      // Sessions expire by themselves; nothing more to do.
    }
  }

  async #verify(item: DriveItemJson): Promise<UploadedItem> {
    const size = this.#source.size;
    const local = this.#hash.digest();
    if (!item.id || typeof item.name !== "string") {
      throw this.#fail("upload_failed", "OneDrive answered without the uploaded item's id");
    }
    if (item.size !== size) {
      await this.#discard(item.id);
      throw this.#fail(
        "upload_size_mismatch",
        `OneDrive stored ${item.size} bytes instead of ${size}. The incomplete copy was deleted; run the backup again`,
      );
    }
    const expected = this.#options.expectedQuickXorHash;
    if (expected !== undefined && expected !== local) {
      await this.#discard(item.id);
      throw this.#fail(
        "upload_source_changed",
        `the file changed between hashing and uploading (QuickXorHash "${local}" instead of "${expected}"). The uploaded copy was deleted`,
      );
    }
    let remote = item.file?.hashes?.quickXorHash;
    if (!remote) {
      // Hashes can lag behind the upload for a moment: read the item once more.
      remote = (await getChildByName(this.#http, this.#folder, this.#name, this.#options.signal))?.file
        ?.hashes
        ?.quickXorHash;
    }
    if (!remote) {
      this.#http.options.log(
        `OneDrive returned no quickXorHash for "${this.#name}"; only its size was verified`,
      );
    } else if (remote !== local) {
      await this.#discard(item.id);
      throw this.#fail(
        "upload_hash_mismatch",
        `the copy in OneDrive is corrupt: its QuickXorHash is "${remote}" but the data sent hashes to "${local}". The corrupt copy was deleted; run the backup again`,
      );
    }
    return { id: item.id, name: item.name, size, webUrl: item.webUrl ?? "", quickXorHash: local };
  }

  async #discard(itemId: string): Promise<void> {
    try {
      await deleteItem(this.#http, this.#folder.driveId, itemId);
    } catch (error) {
      this.#http.options.log(`Could not delete the bad copy of "${this.#name}": ${(error as Error).message}`);
    }
  }
}

/** Start of the first range in `nextExpectedRanges` ("12345-" or "12345-67890"). */
function nextExpectedStart(body: unknown): number | undefined {
  const ranges = (body as { nextExpectedRanges?: unknown } | undefined)?.nextExpectedRanges;
  if (!Array.isArray(ranges) || typeof ranges[0] !== "string") return undefined;
  const match = /^(\d+)-/.exec(ranges[0]);
  return match ? Number(match[1]) : undefined;
}

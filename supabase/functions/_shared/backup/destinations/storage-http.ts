/**
 * The HTTP side of the Storage client (storage.ts): one request to the Storage REST API with the
 * service key and a timeout, and one retry policy for every operation, so each operation only says
 * what it sends and what an answer means.
 *
 * Transient failures (5xx, 429, network errors, timeouts) are retried with back-off; when they persist
 * the operation fails with `storage_unavailable`.
 */
import { BackupError } from "../lib/errors.ts";
import { type Sleep, withRetries } from "../lib/retry.ts";

/** An answer's body, read once: its text, and its JSON object when it is one. */
export interface StorageBody {
  text: string;
  json: Record<string, unknown> | null;
}

export interface StorageAnswer {
  response: Response;
  body: StorageBody;
}

export interface StorageHttpOptions {
  supabaseUrl: string;
  serviceKey: string;
  fetch?: typeof fetch;
  sleep: Sleep;
  attempts?: number;
  /** Per request, unless the request sets its own. */
  timeoutMs?: number;
}

class TransientStorageError extends BackupError {}

async function readBody(response: Response): Promise<StorageBody> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text);
    return { text, json: parsed && typeof parsed === "object" ? parsed : null };
  } catch {
    return { text, json: null };
  }
}

/** `HTTP <status> "<message>"`, the detail after the colon of every Storage error message. */
export function describe(body: StorageBody, status: number): string {
  const message = body.json?.message ?? body.json?.error ?? body.text.slice(0, 200);
  return `HTTP ${status}${message ? ` "${String(message)}"` : ""}`;
}

/** Storage reports some errors with HTTP 400 and the real status in the body's `statusCode`. */
export function effectiveStatus(status: number, body: { json: Record<string, unknown> | null }): number {
  const inner = Number(body.json?.statusCode);
  return status === 400 && Number.isInteger(inner) && inner >= 400 ? inner : status;
}

/** The error every unexpected answer becomes: what failed, then the answer. */
export function storageError(what: string, { response, body }: StorageAnswer): BackupError {
  return new BackupError("storage_error", `${what}: ${describe(body, response.status)}`);
}

export class StorageHttp {
  /** `<SUPABASE_URL>/storage/v1`, the prefix of every path and of signed URLs. */
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #options: StorageHttpOptions;

  constructor(options: StorageHttpOptions) {
    this.base = `${options.supabaseUrl.replace(/\/+$/, "")}/storage/v1`;
    this.#headers = { authorization: `Bearer ${options.serviceKey}`, apikey: options.serviceKey };
    this.#fetch = options.fetch ?? fetch;
    this.#options = options;
  }

  /** Runs `operation` again while it fails transiently; `attempt` counts from 1. */
  retry<T>(operation: (attempt: number) => Promise<T>): Promise<T> {
    return withRetries(operation, {
      attempts: this.#options.attempts ?? 4,
      baseDelayMs: 1000,
      sleep: this.#options.sleep,
      isTransient: (e) => e instanceof TransientStorageError,
    }).catch((e) => {
      if (e instanceof TransientStorageError) {
        // The transient error already names the operation ("Cannot store backup …: …").
        throw new BackupError("storage_unavailable", `${e.message} (gave up after retries)`);
      }
      throw e;
    });
  }

  /** One request; network errors, timeouts, 429 and 5xx become transient errors. */
  async request(
    what: string,
    path: string,
    init: RequestInit & { timeoutMs?: number },
  ): Promise<StorageAnswer> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.base}${path}`, {
        ...init,
        headers: { ...this.#headers, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(init.timeoutMs ?? this.#options.timeoutMs ?? 30_000),
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
}

/**
 * Retry timing for Graph: honour `Retry-After` (seconds or an HTTP date) when the service gives one, else
 * back off exponentially with jitter, capped. Microsoft's throttling guidance asks clients to wait at least
 * the Retry-After delay, and throttled requests still count against the limits, so retrying early only
 * prolongs the throttling.
 */

export interface RetryPolicy {
  /** Attempts per request, the first one included. */
  maxAttempts: number;
  /** First back-off delay when no Retry-After is given. */
  baseDelayMs: number;
  /** Ceiling of one back-off delay. */
  maxDelayMs: number;
  /** Longest Retry-After the client accepts to wait; a longer one fails the request at once. */
  maxRetryAfterMs: number;
  /** Longest wait for one request's complete answer before it is abandoned and retried. */
  timeoutMs: number;
}

/** What every Graph and identity request needs: injected I/O and clock, identity, retry policy, log. */
export interface RequestRuntime {
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
  userAgent: string;
  retry: RetryPolicy;
  log: (msg: string) => void;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  timeoutMs: 120_000,
};

/** Statuses worth retrying: throttling and transient server errors. Never 507 (quota) or 4xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * Parses a Retry-After header into milliseconds from now: delta-seconds or an HTTP date (RFC 9110).
 * Returns undefined when absent or unreadable (then the caller backs off exponentially).
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // HTTP dates name the weekday or month in letters; anything else ("-3", "soon") is unreadable.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential back-off with "equal jitter": half the delay is fixed, half random. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** Sleeps through the injected sleep, but wakes up with an AbortError when the signal fires. */
export async function sleepUnlessAborted(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!signal) return await sleep(ms);
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new DOMException("Aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}

export interface FetchedResponse {
  status: number;
  headers: Headers;
  /** The whole body as text (Graph and the upload host answer small JSON documents). */
  text: string;
}

/**
 * A 3xx answer. Requests to Graph, the identity platform and the upload host carry a credential (the access
 * token, the client secret, the upload URL's own) and the backup's bytes: they never follow a redirect, which
 * could hand both to another host. Callers turn this into an error naming the operation.
 */
export class RedirectRefused extends Error {
  override readonly name = "RedirectRefused";
  readonly status: number;
  /** Origin of the host that answered, and of the redirect's target ("" when there was no Location). */
  readonly from: string;
  readonly to: string;

  constructor(status: number, url: string, location: string | null) {
    const from = new URL(url).origin;
    let to = "";
    try {
      to = location ? new URL(location, url).origin : "";
    } catch {
      to = "an invalid address";
    }
    super(`"${from}" answered ${status} with a redirect${to ? ` to "${to}"` : ""}`);
    this.status = status;
    this.from = from;
    this.to = to;
  }

  /** The admin-facing explanation, after "Cannot <operation>: ". */
  describe(): string {
    return `${this.message}, which was not followed: requests that carry credentials or backup data never follow redirects`;
  }
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * One HTTP exchange, body included, abandoned when it takes longer than `timeoutMs` (a hung connection
 * would otherwise hold the run until the platform kills it). A timeout rejects with an Error named
 * "TimeoutError", which callers retry like a connection failure; the caller's own abort rejects as usual.
 * Redirects are never followed: a 3xx rejects with RedirectRefused, which callers must not retry.
 */
export async function fetchWithTimeout(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<FetchedResponse> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timeout = new Error(`No answer within ${timeoutMs / 1000} seconds`);
  timeout.name = "TimeoutError";
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  try {
    const response = await fetchFn(url, { ...init, redirect: "manual", signal: controller.signal });
    if (isRedirect(response.status)) {
      await response.body?.cancel().catch(() => {});
      throw new RedirectRefused(response.status, url, response.headers.get("location"));
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason === timeout) throw timeout;
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

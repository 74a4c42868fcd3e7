/**
 * The one retry pacer every Graph request goes through (token, Graph calls, upload-session fragments and
 * status), the way rclone's OneDrive backend sends every call through a single pacer: honour `Retry-After`
 * (seconds or an HTTP date) when the service gives one, else back off exponentially with jitter, capped, for
 * a bounded number of attempts. Microsoft's throttling guidance asks clients to wait at least the
 * Retry-After delay, and throttled requests still count against the limits, so retrying early only
 * prolongs the throttling.
 */
import { GraphError, sanitise } from "./errors.ts";
import { type FetchedResponse, RedirectRefused } from "./exchange.ts";

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

/** What the pacer needs from the runtime. */
export type RetryRuntime = Pick<RequestRuntime, "sleep" | "now" | "random" | "retry" | "log">;

/** One kind of request: how to send it once, what to retry, and the errors its failures become. */
export interface RetrySpec {
  /** Names the request in log lines: "Graph GET", "Token request", `Fragment bytes 0-9/10 of "x"`. */
  label: string;
  signal?: AbortSignal;
  /** Sends the request once. A GraphError it throws (a token that could not be had) is final. */
  send(): Promise<FetchedResponse>;
  /** Statuses worth another attempt; default isRetryableStatus. */
  retryable?(status: number): boolean;
  /** An answer worth one immediate try more that does not count as an attempt (a refreshed token). */
  again?(response: FetchedResponse): boolean;
  /** The error a redirect becomes: never followed, never retried. */
  redirected(redirect: RedirectRefused): Error;
  /** The error once the host stayed unreachable through every attempt; default the last connection error. */
  unreachable?(error: unknown): Error;
  /** The error when the caller's signal cancelled the request; default the abort reason as thrown. */
  cancelled?(error: unknown): Error;
  /**
   * The error to fail with at once when Retry-After asks for more than the policy's maxRetryAfterMs; without
   * it the wait is cut to maxRetryAfterMs.
   */
  throttledTooLong?(response: FetchedResponse, retryAfterMs: number): Error;
}

/**
 * Sends a request until it gets an answer that is not worth retrying, or the attempts run out; resolves that
 * last answer (the caller maps its status). Connection failures and timeouts are retried with back-off.
 */
export async function retryRequest(runtime: RetryRuntime, spec: RetrySpec): Promise<FetchedResponse> {
  const policy = runtime.retry;
  const retryable = spec.retryable ?? isRetryableStatus;
  for (let attempt = 1;; attempt++) {
    let response: FetchedResponse;
    try {
      response = await spec.send();
    } catch (error) {
      if (spec.signal?.aborted) throw spec.cancelled ? spec.cancelled(error) : error;
      if (error instanceof RedirectRefused) throw spec.redirected(error);
      if (error instanceof GraphError) throw error;
      if (attempt >= policy.maxAttempts) throw spec.unreachable ? spec.unreachable(error) : error;
      const wait = backoffDelay(attempt, policy, runtime.random);
      const reason = sanitise(error instanceof Error ? error.message : String(error), 80);
      runtime.log(`${spec.label} failed (${reason}, attempt ${attempt}); retrying in ${wait} ms`);
      await pause(runtime, spec, wait);
      continue;
    }
    if (spec.again?.(response)) {
      attempt -= 1;
      continue;
    }
    if (!retryable(response.status) || attempt >= policy.maxAttempts) return response;
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), runtime.now());
    if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs && spec.throttledTooLong) {
      throw spec.throttledTooLong(response, retryAfter);
    }
    const wait = Math.min(
      retryAfter ?? backoffDelay(attempt, policy, runtime.random),
      policy.maxRetryAfterMs,
    );
    runtime.log(`${spec.label} answered ${response.status} (attempt ${attempt}); retrying in ${wait} ms`);
    await pause(runtime, spec, wait);
  }
}

async function pause(runtime: RetryRuntime, spec: RetrySpec, ms: number): Promise<void> {
  try {
    await sleepUnlessAborted(runtime.sleep, ms, spec.signal);
  } catch (error) {
    throw spec.cancelled ? spec.cancelled(error) : error;
  }
}

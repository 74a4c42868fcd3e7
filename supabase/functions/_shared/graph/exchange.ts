/**
 * One HTTP exchange with Graph, the identity platform or the upload host: the whole answer read as text,
 * abandoned after a timeout, and never following a redirect.
 */
import { parseServiceError, type ServiceErrorDetail } from "./errors.ts";

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

/** The answer's body as JSON; undefined when it is empty or not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The answer's parsed body and what its error says, if anything. */
export function readAnswer(response: FetchedResponse): { body: unknown; detail: ServiceErrorDetail } {
  const body = parseJsonBody(response.text);
  return { body, detail: parseServiceError(body, response.headers) };
}

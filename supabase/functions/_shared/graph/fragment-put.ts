/**
 * Sends one upload-session fragment with `node:http(s)` instead of `fetch`.
 *
 * Why: Deno's `fetch` copies a `Uint8Array` body into a new buffer on every request, so each 10 MiB fragment
 * leaves 10 MiB of garbage until the next collection (about +70 MB of peak RSS over an upload); a stream body
 * avoids the copy but loses `Content-Length`, which the upload host refuses (411). `node:http` sends the
 * caller's bytes as they are, with an explicit `Content-Length`. Once the returned promise settles, the
 * request no longer reads `body`, so the caller may overwrite it.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type FetchedResponse, isRedirect, RedirectRefused } from "./exchange.ts";

/** PUTs `body` to `url`; rejects like `fetchWithTimeout` (an Error named "TimeoutError", or the abort reason). */
export type FragmentPut = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<FetchedResponse>;

/** Written in slices so the socket's back-pressure applies and no layer needs one 10 MiB write buffer. */
const WRITE_SLICE = 1024 * 1024;

export const nodeFragmentPut: FragmentPut = (url, headers, body, timeoutMs, signal) => {
  signal?.throwIfAborted();
  const target = new URL(url);
  const request = target.protocol === "https:"
    ? httpsRequest
    : target.protocol === "http:"
    ? httpRequest
    : undefined;
  if (!request) {
    return Promise.reject(
      new Error(`Cannot send to "${target.origin}": the upload URL is not http or https`),
    );
  }
  return new Promise<FetchedResponse>((resolve, reject) => {
    let settled = false;
    let written = 0;
    const timeout = new Error(`No answer within ${timeoutMs / 1000} seconds`);
    timeout.name = "TimeoutError";
    const finish = (error: unknown, result?: FetchedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // An answer that came before the whole body was sent (an early 4xx) must not keep reading `body`.
      if (error !== undefined || written < body.length || !req.writableFinished) req.destroy();
      if (error !== undefined) reject(error);
      else resolve(result!);
    };
    const onAbort = () => finish(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    const timer = setTimeout(() => finish(timeout), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });

    const req = request(target, {
      method: "PUT",
      headers: { ...headers, "content-length": String(body.length) },
    }, (res) => {
      // node:http never follows redirects; like fetchWithTimeout, a 3xx is refused outright.
      if (isRedirect(res.statusCode ?? 0)) {
        const location = res.headers.location ?? null;
        res.resume();
        return finish(new RedirectRefused(res.statusCode!, url, location));
      }
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (piece: string) => text += piece);
      res.on("error", (error) => finish(error));
      res.on("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [String(value)]) responseHeaders.append(name, one);
        }
        finish(undefined, { status: res.statusCode ?? 0, headers: responseHeaders, text });
      });
    });
    req.on("error", (error) => finish(error));

    const writeMore = () => {
      while (!settled && written < body.length) {
        const end = Math.min(body.length, written + WRITE_SLICE);
        const more = req.write(body.subarray(written, end));
        written = end;
        if (!more) {
          req.once("drain", writeMore);
          return;
        }
      }
      if (!settled) req.end();
    };
    writeMore();
  });
};

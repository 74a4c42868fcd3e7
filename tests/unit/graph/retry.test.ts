import assert from "node:assert/strict";
import { destinationOf } from "../../../supabase/functions/_shared/graph/destination.ts";
import { GraphError } from "../../../supabase/functions/_shared/graph/errors.ts";
import { type FetchedResponse, RedirectRefused } from "../../../supabase/functions/_shared/graph/exchange.ts";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  retryRequest,
  type RetrySpec,
} from "../../../supabase/functions/_shared/graph/retry.ts";

Deno.test("parseRetryAfter reads delta-seconds, HTTP dates, and nothing else", () => {
  const now = Date.parse("2026-11-24T10:00:00Z");
  assert.equal(parseRetryAfter("7", now), 7000);
  assert.equal(parseRetryAfter("0", now), 0);
  assert.equal(parseRetryAfter("Tue, 24 Nov 2026 10:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Tue, 24 Nov 2026 09:59:00 GMT", now), 0, "a date in the past means now");
  assert.equal(parseRetryAfter(null, now), undefined);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter("-3", now), undefined);
});

Deno.test("backoffDelay doubles, keeps half of the delay fixed, and is capped", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 8000 };
  assert.equal(backoffDelay(1, policy, () => 0), 500);
  assert.equal(backoffDelay(1, policy, () => 1), 1000);
  assert.equal(backoffDelay(3, policy, () => 0), 2000);
  assert.equal(backoffDelay(3, policy, () => 1), 4000);
  assert.equal(backoffDelay(10, policy, () => 1), 8000);
  assert.equal(backoffDelay(10, policy, () => 0), 4000);
});

Deno.test("isRetryableStatus retries throttling and transient errors, not client errors or quota", () => {
  for (const status of [429, 500, 502, 503, 504]) {
    assert.equal(isRetryableStatus(status), true, String(status));
  }
  for (const status of [400, 401, 403, 404, 409, 413, 416, 501, 507]) {
    assert.equal(isRetryableStatus(status), false, String(status));
  }
});

/** A pacer over scripted answers: each entry is an answer (status, Retry-After) or an error to throw. */
function scripted(script: Array<{ status: number; retryAfter?: string } | Error>) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  let sent = 0;
  const runtime = {
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    now: () => Date.parse("2026-11-24T10:00:00Z"),
    random: () => 0,
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 100 },
    log: (line: string) => logs.push(line),
  };
  const send = (): Promise<FetchedResponse> => {
    const next = script[Math.min(sent++, script.length - 1)];
    if (next instanceof Error) return Promise.reject(next);
    const headers = new Headers(next.retryAfter === undefined ? {} : { "retry-after": next.retryAfter });
    return Promise.resolve({ status: next.status, headers, text: "" });
  };
  const spec = (extra: Partial<RetrySpec> = {}): RetrySpec => ({
    label: "Test request",
    send,
    redirected: (redirect) => new Error(`redirected ${redirect.status}`),
    ...extra,
  });
  return { runtime, spec, sleeps, logs, sent: () => sent };
}

Deno.test("retryRequest waits Retry-After in seconds or as a date, else backs off, and returns the last answer", async () => {
  const p = scripted([
    { status: 429, retryAfter: "3" },
    { status: 503, retryAfter: "Tue, 24 Nov 2026 10:00:07 GMT" },
    { status: 500 },
    { status: 200 },
  ]);
  const answer = await retryRequest(p.runtime, p.spec());
  assert.equal(answer.status, 200);
  assert.deepEqual(p.sleeps, [3000, 7000, 200]);
  assert.equal(p.logs.length, 3);
  assert.match(p.logs[0], /^Test request answered 429 \(attempt 1\); retrying in 3000 ms$/);
});

Deno.test("retryRequest stops after maxAttempts and hands back the last answer; a final status is not retried", async () => {
  const throttled = scripted([{ status: 503 }]);
  assert.equal((await retryRequest(throttled.runtime, throttled.spec())).status, 503);
  assert.equal(throttled.sent(), 4);
  const notFound = scripted([{ status: 404 }]);
  assert.equal((await retryRequest(notFound.runtime, notFound.spec())).status, 404);
  assert.equal(notFound.sent(), 1);
  const accepted = scripted([{ status: 503 }]);
  await retryRequest(accepted.runtime, accepted.spec({ retryable: () => false }));
  assert.equal(accepted.sent(), 1);
});

Deno.test("retryRequest fails at once on a Retry-After over the limit, or cuts it to the limit", async () => {
  const failing = scripted([{ status: 429, retryAfter: "600" }]);
  await assert.rejects(
    retryRequest(failing.runtime, failing.spec({ throttledTooLong: (_, ms) => new Error(`too long ${ms}`) })),
    /too long 600000/,
  );
  assert.deepEqual(failing.sleeps, []);
  const clamped = scripted([{ status: 429, retryAfter: "600" }, { status: 200 }]);
  await retryRequest(clamped.runtime, clamped.spec());
  assert.deepEqual(clamped.sleeps, [DEFAULT_RETRY_POLICY.maxRetryAfterMs]);
});

Deno.test("retryRequest retries connection failures, then maps the last one; redirects and GraphErrors are final", async () => {
  const down = scripted([new TypeError("connection refused")]);
  await assert.rejects(
    retryRequest(
      down.runtime,
      down.spec({ unreachable: (e) => new Error(`unreachable: ${(e as Error).message}`) }),
    ),
    /unreachable: connection refused/,
  );
  assert.equal(down.sent(), 4);
  assert.match(down.logs[0], /^Test request failed \(connection refused, attempt 1\); retrying in 50 ms$/);
  const raw = scripted([new TypeError("reset")]);
  await assert.rejects(retryRequest(raw.runtime, raw.spec()), TypeError);
  const redirect = scripted([new RedirectRefused(302, "https://graph.example/x", "https://evil.example/")]);
  await assert.rejects(retryRequest(redirect.runtime, redirect.spec()), /redirected 302/);
  assert.equal(redirect.sent(), 1);
  const mapped = scripted([new GraphError("graph_auth_failed", "no token")]);
  await assert.rejects(retryRequest(mapped.runtime, mapped.spec()), /no token/);
  assert.equal(mapped.sent(), 1);
});

Deno.test("retryRequest: an answer taken again does not count as an attempt; cancellation maps as asked", async () => {
  const p = scripted([{ status: 401 }, { status: 503 }]);
  let again = 1;
  await retryRequest(p.runtime, p.spec({ again: (answer) => answer.status === 401 && again-- > 0 }));
  assert.equal(p.sent(), 5, "one free try, then four attempts");
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  const cancelled = scripted([new TypeError("aborted")]);
  await assert.rejects(
    retryRequest(
      cancelled.runtime,
      cancelled.spec({ signal: controller.signal, cancelled: () => new Error("cancelled") }),
    ),
    /^Error: cancelled$/,
  );
});

Deno.test("destinationOf turns the configured link or ids into Graph's destination", () => {
  assert.deepEqual(destinationOf({ kind: "link", link: "https://x.sharepoint.com/:f:/s/a/b" }), {
    link: "https://x.sharepoint.com/:f:/s/a/b",
  });
  assert.deepEqual(destinationOf({ kind: "ids", driveId: "d", folderId: "f" }), {
    driveId: "d",
    folderId: "f",
  });
  assert.equal(destinationOf(null), null);
});

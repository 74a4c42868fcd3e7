import assert from "node:assert/strict";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
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

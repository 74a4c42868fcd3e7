/**
 * Request bodies over real HTTP, through the gateway (which streams bodies on, chunked, as Supabase's edge
 * gateway does) and straight to a private functions server running this checkout's function (chunked and
 * with a Content-Length): the caller is checked before the body is read, and more than 16 KiB is refused
 * with 413 without creating a run.
 */
import assert from "node:assert/strict";
import { adminEmail, openStack, signIn, waitForIdle } from "../support/harness.ts";
import { startFunctionProcess } from "../support/function-process.ts";

const LIMIT = 16 * 1024;

/** A JSON object padded with spaces to `size` bytes, sent as a stream (no Content-Length: chunked). */
function paddedStream(size: number): ReadableStream<Uint8Array> {
  const json = new TextEncoder().encode('{"action": "status"}');
  const bytes = new Uint8Array(size).fill(0x20);
  bytes.set(json);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < size; at += 4096) {
        controller.enqueue(bytes.subarray(at, Math.min(size, at + 4096)));
      }
      controller.close();
    },
  });
}

async function send(url: string, headers: Record<string, string>, body: BodyInit) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

Deno.test("request bodies: 413 past 16 KiB, chunked or declared; callers checked first; no run created", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const count = async () =>
      (await stack.sql<Array<{ n: number }>>`select count(*)::int as n from public.backup_runs`)[0].n;
    const before = await count();
    const admin = await signIn(stack, adminEmail(stack));
    const asAdmin = { authorization: `Bearer ${admin}` };
    const gateway = `${stack.info.supabase_url}/functions/v1/auto-backup`;

    // Through the gateway: a chunked body.
    const atLimit = await send(gateway, asAdmin, paddedStream(LIMIT));
    assert.equal(atLimit.status, 200, JSON.stringify(atLimit.body));
    const over = await send(gateway, asAdmin, paddedStream(LIMIT + 1));
    assert.equal(over.status, 413);
    assert.match(over.body.error, /^Request body too large: the limit is 16384 bytes/);
    const large = await send(gateway, asAdmin, paddedStream(64 * 1024));
    assert.equal(large.status, 413);
    // Nobody's body is looked at: a large body without credentials is simply 401.
    const anonymous = await send(gateway, {}, paddedStream(64 * 1024));
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.body.error, /^Missing credentials/);

    // Straight to a functions server: chunked, and with a Content-Length over the limit.
    const fn = await startFunctionProcess(stack);
    try {
      const direct = `${fn.url}/auto-backup`;
      const chunked = await send(direct, asAdmin, paddedStream(LIMIT + 1));
      assert.equal(chunked.status, 413);
      const declared = await send(direct, asAdmin, new Uint8Array(LIMIT + 1).fill(0x20));
      assert.equal(declared.status, 413);
      assert.match(declared.body.error, /^Request body too large/);
      const fine = await send(direct, asAdmin, paddedStream(LIMIT));
      assert.equal(fine.status, 200);
    } finally {
      await fn.stop();
    }

    assert.equal(await count(), before, "no run was created");
  } finally {
    await stack.close();
  }
});

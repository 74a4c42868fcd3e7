// The source reader behind upload fragments: a file that ends before its stated size is named as such.
import assert from "node:assert/strict";
import { GraphError } from "../../../supabase/functions/_shared/graph/errors.ts";
import { SourceReader } from "../../../supabase/functions/_shared/graph/fragment-reader.ts";

Deno.test("a random-access source that ends early fails with upload_source_changed", async () => {
  const reader = new SourceReader({
    size: 100,
    open: () => new Blob([new Uint8Array(100)]).stream(),
    // The spool file shrank: only 40 bytes are left to read.
    readAt: (offset: number, into: Uint8Array) =>
      Promise.resolve(offset >= 40 ? 0 : Math.min(40 - offset, into.length)),
  });
  const error = await reader.read(0, 100, new Uint8Array(100)).catch((e: unknown) => e);
  assert.ok(error instanceof GraphError, String(error));
  assert.equal(error.code, "upload_source_changed");
  assert.match(error.message, /ended after 40 bytes instead of 100/);
});

Deno.test("a stream source (no random access) fills the buffer from the requested offset", async () => {
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
  const reader = new SourceReader({
    size: 100,
    open: (offset: number) => new Blob([bytes.subarray(offset)]).stream(),
  });
  const got = await reader.read(10, 50, new Uint8Array(50));
  assert.deepEqual([...got], [...bytes.subarray(10, 60)]);
});

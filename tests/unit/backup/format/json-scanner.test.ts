import assert from "node:assert/strict";
import { BackupFileError } from "../../../../supabase/functions/_shared/backup/format/backup-file-error.ts";
import { Scanner } from "../../../../supabase/functions/_shared/backup/format/json-scanner.ts";

/** A scanner over `text` cut into chunks of `size` characters (values then straddle chunk ends). */
function scanner(text: string, size: number, maxValueChars = 1024): Scanner {
  let at = 0;
  const stream = new ReadableStream<string>({
    pull(controller) {
      if (at >= text.length) return controller.close();
      controller.enqueue(text.slice(at, at + size));
      at += size;
    },
  });
  return new Scanner(stream.getReader(), maxValueChars);
}

Deno.test("captures each value's raw text whole, whatever the chunking", async () => {
  const values = ['"a \\"quoted\\" \\\\"', '{"k": [1, {"s": "]}"}]}', "-12.5e3", "null", "[]"];
  for (const size of [1, 2, 5, 64]) {
    const s = scanner(`[ ${values.join(" ,\n ")} ]`, size);
    assert.equal(await s.enter("[", "]"), true);
    const seen: string[] = [];
    let more = true;
    while (more) {
      seen.push(await s.capture());
      more = await s.next("]");
    }
    assert.deepEqual(seen, values, `chunks of ${size}`);
    assert.equal(await s.peek(), null);
  }
});

Deno.test("enter tells an empty container from one with items, and reads keys", async () => {
  const s = scanner('{ "a" : [ ] }', 3);
  assert.equal(await s.enter("{", "}"), true);
  assert.equal(await s.readKey(), "a");
  assert.equal(await s.enter("[", "]"), false);
  assert.equal(await s.next("}"), false);
});

Deno.test("a value larger than the limit is refused with what was being read", async () => {
  const s = scanner(`["${"x".repeat(5000)}"]`, 100, 1000);
  await s.enter("[", "]");
  s.context = 'row 1 of "public.t"';
  await assert.rejects(
    () => s.capture(),
    (e) => e instanceof BackupFileError && e.code === "too_large" && /^row 1 of "public\.t"/.test(e.message),
  );
});

Deno.test("input that ends inside a value is truncated, not a value", async () => {
  const s = scanner('{"a": "unfinished', 4);
  await s.enter("{", "}");
  await s.readKey();
  await assert.rejects(() => s.value(), (e) => e instanceof BackupFileError && e.code === "truncated");
});

/**
 * The scheduler secret is compared in constant time: both sides are hashed to fixed-length SHA-256
 * digests and compared with node:crypto's timingSafeEqual. timingSafeEqual alone throws on inputs of
 * different lengths (and a length check before it would leak the secret's length), so the behaviour on
 * every length difference, without an exception, is what shows the digests are compared.
 */
import assert from "node:assert/strict";
import { secretsEqual } from "../../supabase/functions/_shared/backup/http/auth.ts";

const SECRET = "Zr4l0bGx_0aB3kqV9yS1mN7cT2wH8eJ5uPfQ6dKiL0o"; // 43 characters, like generateCronSecret()

Deno.test("secretsEqual answers for every length without throwing, and only the exact value matches", () => {
  const candidates = [
    "",
    " ",
    SECRET.slice(0, 1),
    SECRET.slice(0, -1),
    `${SECRET} `,
    ` ${SECRET}`,
    `${SECRET}${SECRET}`,
    SECRET.toUpperCase(),
    SECRET.replace(/.$/, "p"),
    "x".repeat(10_000),
    "é".repeat(43), // same length in characters, not in bytes
    `${SECRET}\0`,
  ];
  for (const candidate of candidates) {
    assert.equal(secretsEqual(candidate, SECRET), false, JSON.stringify(candidate.slice(0, 50)));
    assert.equal(secretsEqual(SECRET, candidate), false, "symmetric");
  }
  assert.equal(secretsEqual(SECRET, SECRET), true);
  assert.equal(secretsEqual(String(SECRET), `${SECRET}`), true, "equal content, different string objects");
});

Deno.test("the comparison goes through timingSafeEqual on SHA-256 digests, not through === or a loop", async () => {
  const source = await Deno.readTextFile(
    new URL("../../supabase/functions/_shared/backup/http/auth.ts", import.meta.url),
  );
  const body = /export function secretsEqual\([^)]*\)[^{]*\{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
  assert.match(body, /^\s*return timingSafeEqual\(digest\(given\), digest\(expected\)\);\s*$/);
  assert.match(source, /function digest\(value: string\): Buffer \{\s*return createHash\("sha256"\)/);
  // No early exit in the scheduler check either: every accepted secret is compared.
  assert.match(source, /for \(const candidate of accepted\) ok = secretsEqual\(secret, candidate\) \|\| ok;/);
});

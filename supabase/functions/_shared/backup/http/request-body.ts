/**
 * The request body: at most MAX_BODY_BYTES of JSON object. The limit is checked from Content-Length when
 * the caller declares one, and while reading otherwise, so a huge body is never buffered.
 */
import { fail } from "./respond.ts";

/** Largest request body accepted: every action's JSON fits in a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

const tooLarge = () =>
  fail(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes; send only {"action": …}`);

/** A declared Content-Length over the limit is refused from the headers alone, before anything else. */
export function declaredLengthProblem(request: Request): Response | null {
  const declared = request.headers.get("content-length");
  if (declared === null) return null;
  if (!/^\s*\d+\s*$/.test(declared)) {
    return fail(400, "Invalid request: the Content-Length header is not a number");
  }
  return Number(declared) > MAX_BODY_BYTES ? tooLarge() : null;
}

/** The body's bytes, or null past the limit (a chunked body has no length to check up front). */
async function readLimited(request: Request): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** The body as a JSON object (an empty body is `{}`), or the answer refusing it. */
export async function readBody(
  request: Request,
): Promise<{ body: Record<string, unknown> } | { response: Response }> {
  const bytes = await readLimited(request);
  if (!bytes) return { response: tooLarge() };
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return { body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { response: fail(400, 'Invalid request body: expected JSON such as {"action": "run"}') };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { response: fail(400, 'Invalid request body: expected a JSON object such as {"action": "run"}') };
  }
  return { body: parsed as Record<string, unknown> };
}

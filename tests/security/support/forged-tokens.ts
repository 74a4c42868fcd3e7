/**
 * Tokens an attacker could bring: HS256 JWTs signed with Web Crypto's HMAC (any key, any claims), and
 * unsigned `alg: none` ones. Only the tests forge tokens; the product verifies them through Auth.
 */

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const text = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));

export async function signHs256(secret: string, claims: Record<string, unknown>): Promise<string> {
  const head = `${text({ alg: "HS256", typ: "JWT" })}.${text(claims)}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(head));
  return `${head}.${base64url(new Uint8Array(signature))}`;
}

export function unsignedToken(claims: Record<string, unknown>): string {
  return `${text({ alg: "none", typ: "JWT" })}.${text(claims)}.`;
}

/** The claims of a JWT (no verification: the test already trusts where it came from). */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
}

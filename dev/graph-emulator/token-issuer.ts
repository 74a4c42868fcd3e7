// Access tokens of the emulated identity platform: real JWTs (HS256, a key generated per emulator run) with
// the claims Graph looks at (`roles`, `tid`, `appid`, `exp`). A generation counter lets the admin API expire
// every token issued so far without waiting for the clock.
import { randomBytes, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT, errors as joseErrors } from "jose";

export type TokenCheck =
  { ok: true; roles: string[] } | { ok: false; status: 401 | 403; code: string; message: string };

export class TokenIssuer {
  readonly #key = new Uint8Array(randomBytes(32));
  #generation = 0;
  #minimumGeneration = 0;

  async issue(claims: {
    tenantId: string;
    clientId: string;
    roles: string[];
    lifetimeSeconds: number;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      tid: claims.tenantId,
      appid: claims.clientId,
      azp: claims.clientId,
      idtyp: "app",
      oid: randomUUID(),
      gen: this.#generation,
      uti: randomUUID(),
    };
    // Entra ID leaves the claim out entirely when no application permission was consented.
    if (claims.roles.length > 0) payload.roles = claims.roles;
    return await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setAudience("https://graph.microsoft.com")
      .setIssuer(`https://sts.windows.net/${claims.tenantId}/`)
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + claims.lifetimeSeconds)
      .sign(this.#key);
  }

  /** Makes every token issued so far invalid. */
  expireAll(): void {
    this.#generation += 1;
    this.#minimumGeneration = this.#generation;
  }

  reset(): void {
    this.#minimumGeneration = 0;
  }

  /** Checks an Authorization header the way Graph does. */
  async check(authorization: string | undefined): Promise<TokenCheck> {
    if (!authorization) {
      return {
        ok: false,
        status: 401,
        code: "InvalidAuthenticationToken",
        message: "Access token is empty.",
      };
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) {
      return {
        ok: false,
        status: 401,
        code: "InvalidAuthenticationToken",
        message: "Access token validation failure. Invalid audience.",
      };
    }
    try {
      const { payload } = await jwtVerify(match[1], this.#key, { audience: "https://graph.microsoft.com" });
      if (typeof payload.gen !== "number" || payload.gen < this.#minimumGeneration) {
        return {
          ok: false,
          status: 401,
          code: "InvalidAuthenticationToken",
          message: "Lifetime validation failed, the token is expired.",
        };
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.map(String) : [];
      if (roles.length === 0) {
        return {
          ok: false,
          status: 403,
          code: "AccessDenied",
          message: "Either scp or roles claim need to be present in the token.",
        };
      }
      return { ok: true, roles };
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      return {
        ok: false,
        status: 401,
        code: "InvalidAuthenticationToken",
        message: expired
          ? "Lifetime validation failed, the token is expired."
          : "IDX14100: JWT is not well formed, there are no dots (.).",
      };
    }
  }
}

/**
 * Reading environment variables: blank values count as unset, and URLs and whole numbers are checked
 * the same way for every variable, each failure recorded as a problem naming the variable.
 */
import type { ConfigProblem, Env } from "./types.ts";

export function value(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const trimmed = v.trim();
  return trimmed === "" ? undefined : trimmed;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Checks that `raw` is an https URL (http is accepted for loopback hosts only, for local stacks).
 * Returns the URL without a trailing slash, or records a problem.
 */
export function parseUrl(
  raw: string,
  variable: string,
  problems: ConfigProblem[],
  what: string,
  options: { allowHttp?: boolean } = {},
): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push({ variable, message: `${variable} is not a URL: set it to ${what}` });
    return null;
  }
  const httpOk = url.protocol === "http:" && (options.allowHttp || isLoopback(url.hostname));
  if (url.protocol !== "https:" && !httpOk) {
    problems.push({
      variable,
      message: `${variable} must be an https URL (it uses "${url.protocol}"): set it to ${what}`,
    });
    return null;
  }
  return raw.replace(/\/+$/, "");
}

export function parseList(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

export function parseNonNegativeInteger(
  env: Env,
  name: string,
  fallback: number,
  problems: ConfigProblem[],
  hint: string,
  minimum = 0,
): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < minimum || !Number.isSafeInteger(Number(raw))) {
    problems.push({ variable: name, message: `${name} must be a whole number ${hint}, not "${raw}"` });
    return fallback;
  }
  return Number(raw);
}

/**
 * Tuning of a run: compression of the file, when a silent run counts as dead, the size of upload
 * fragments and the longest wait for one request. All optional, with defaults that suit most projects.
 */
import type { Compression, ConfigProblem, Env } from "./types.ts";
import { parseNonNegativeInteger, value } from "./env.ts";

/** Paid plans stop edge functions after 400 s of wall clock; 30 s of margin for the last heartbeat. */
export const DEFAULT_MAX_RUN_SECONDS = 430;

/** Graph upload-session fragments are multiples of 320 KiB and stay under 60 MiB. */
export const FRAGMENT_UNIT_BYTES = 320 * 1024;
const MAX_FRAGMENT_BYTES = 191 * FRAGMENT_UNIT_BYTES;

export function parseCompression(env: Env, problems: ConfigProblem[]): Compression {
  const raw = value(env, "BACKUP_COMPRESSION");
  if (raw === undefined) return "gzip";
  const v = raw.toLowerCase();
  if (v === "gzip" || v === "none") return v;
  problems.push({
    variable: "BACKUP_COMPRESSION",
    message: `BACKUP_COMPRESSION must be "gzip" or "none", not "${raw}"`,
  });
  return "gzip";
}

export function parseFragmentBytes(env: Env, problems: ConfigProblem[]): number | null {
  const raw = value(env, "BACKUP_UPLOAD_FRAGMENT_BYTES");
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n === 0 || n % FRAGMENT_UNIT_BYTES !== 0 || n > MAX_FRAGMENT_BYTES) {
    problems.push({
      variable: "BACKUP_UPLOAD_FRAGMENT_BYTES",
      message:
        `BACKUP_UPLOAD_FRAGMENT_BYTES must be a multiple of 327680 (320 KiB) up to ${MAX_FRAGMENT_BYTES}, not "${raw}": e.g. 10485760 for 10 MiB`,
    });
    return null;
  }
  return n;
}

export function parseMaxRunSeconds(env: Env, problems: ConfigProblem[]): number {
  return parseNonNegativeInteger(
    env,
    "BACKUP_MAX_RUN_SECONDS",
    DEFAULT_MAX_RUN_SECONDS,
    problems,
    "of seconds (at least 30) after which a silent run counts as dead",
    30,
  );
}

export function parseRequestTimeoutSeconds(env: Env, problems: ConfigProblem[]): number | null {
  // 0 is the "not set" fallback (the minimum is 1): the clients keep their own timeouts.
  return parseNonNegativeInteger(
    env,
    "BACKUP_REQUEST_TIMEOUT_SECONDS",
    0,
    problems,
    "of seconds (at least 1) to wait for one answer from Storage or Graph",
    1,
  ) || null;
}

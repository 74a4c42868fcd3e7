/** BACKUP_RETENTION, BACKUP_RETENTION_COUNT and BACKUP_MIN_AGE_DAYS: which backups pruning keeps. */
import type { RetentionPolicy } from "../../run/retention-plan.ts";
import type { ConfigProblem, Env } from "./types.ts";
import { parseNonNegativeInteger, value } from "./env.ts";

/** Defaults of BACKUP_RETENTION, BACKUP_RETENTION_COUNT and BACKUP_MIN_AGE_DAYS. */
export const DEFAULT_RETENTION: RetentionPolicy = {
  keepAll: false,
  keepLast: 3,
  daily: 7,
  weekly: 4,
  monthly: 12,
  minAgeDays: 7,
};

const RETENTION_EXAMPLE = `e.g. "daily=7,weekly=4,monthly=12", or "all" to keep every backup`;

/**
 * BACKUP_RETENTION: `tier=count` entries (daily, weekly, monthly), comma separated; a tier left out keeps
 * its default, `tier=0` turns it off, `all` turns pruning off. BACKUP_RETENTION_COUNT: at least this many
 * newest backups are kept whatever their age (`0` turns pruning off, as it always has).
 * BACKUP_MIN_AGE_DAYS: no backup younger than this is deleted.
 */
export function parseRetention(env: Env, problems: ConfigProblem[]): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION };
  const raw = value(env, "BACKUP_RETENTION");
  if (raw !== undefined && raw.toLowerCase() === "all") {
    policy.keepAll = true;
  } else if (raw !== undefined) {
    const seen = new Set<string>();
    for (const entry of raw.split(",").map((e) => e.trim())) {
      const match = /^(daily|weekly|monthly)\s*=\s*(\d{1,6})$/i.exec(entry);
      const tier = match?.[1].toLowerCase() as "daily" | "weekly" | "monthly" | undefined;
      if (!match || !tier) {
        problems.push({
          variable: "BACKUP_RETENTION",
          message: entry === ""
            ? `BACKUP_RETENTION "${raw}": it has an empty entry; write tier=count pairs separated by commas, ${RETENTION_EXAMPLE}`
            : `BACKUP_RETENTION "${entry}": write tier=count with tier daily, weekly or monthly and a whole number, ${RETENTION_EXAMPLE}`,
        });
        continue;
      }
      if (seen.has(tier)) {
        problems.push({
          variable: "BACKUP_RETENTION",
          message:
            `BACKUP_RETENTION "${raw}": "${tier}" is given twice; give each tier once, ${RETENTION_EXAMPLE}`,
        });
        continue;
      }
      seen.add(tier);
      policy[tier] = Number(match[2]);
    }
  }
  policy.keepLast = parseNonNegativeInteger(
    env,
    "BACKUP_RETENTION_COUNT",
    DEFAULT_RETENTION.keepLast,
    problems,
    "of backups to keep (0 keeps all)",
  );
  if (policy.keepLast === 0) policy.keepAll = true;
  policy.minAgeDays = parseNonNegativeInteger(
    env,
    "BACKUP_MIN_AGE_DAYS",
    DEFAULT_RETENTION.minAgeDays,
    problems,
    "of days during which no backup is deleted",
  );
  return policy;
}

/**
 * Retention planning, as a pure function over the run history (no I/O): which recorded copies of which
 * runs to delete in one destination.
 *
 * Only copies this tool created and recorded in `public.backup_runs` are ever considered (a Storage path,
 * a OneDrive item id): a file found in a folder, whatever its name, is not an input here. Time is the
 * run's `started_at` from the database clock, never a file name, so a file "from 2099" counts for nothing.
 *
 * A copy is
 * - good (a restore point): the run has ended and this destination's copy was verified
 *   (`*_status = 'success'`), or it is the run in progress whose copy was just verified;
 * - a leftover: the run has ended, a location was recorded, but the copy was never verified (upload or
 *   verification failed, run abandoned). It is not a restore point; it is deleted whatever its age.
 *   A partial run's verified copy is good: only its failed side can be a leftover.
 *
 * Good copies are kept when any rule keeps them (restic's `forget` semantics, all times UTC):
 * - the newest good copy, always;
 * - the `keepLast` newest (BACKUP_RETENTION_COUNT);
 * - any younger than `minAgeDays` (BACKUP_MIN_AGE_DAYS);
 * - `daily`: the newest copy of each of the last N days that have a copy (days without one do not count,
 *   so a pause of the schedule never empties the history); `weekly` likewise per ISO week (Monday to
 *   Sunday); `monthly` per calendar month.
 * A burst of runs falls in one day, one week and one month, so it takes at most one slot of each tier
 * and can never push older restore points out.
 */
import type { RetentionStatus } from "../http/contract.ts";

export type CopyState = "good" | "leftover";

export interface RecordedCopy {
  runId: string;
  /** When the run started (database clock): the time of the restore point. */
  takenAt: Date;
  state: CopyState;
}

export interface RetentionPolicy {
  /** Pruning is off (BACKUP_RETENTION_COUNT=0 or BACKUP_RETENTION=all): nothing is deleted. */
  keepAll: boolean;
  /** Keep at least this many newest good copies. */
  keepLast: number;
  daily: number;
  weekly: number;
  monthly: number;
  /** Never delete a good copy younger than this. */
  minAgeDays: number;
}

export type KeepReason = "newest" | "last" | "min-age" | "daily" | "weekly" | "monthly";

export interface RetentionPlan {
  keep: Array<{ runId: string; reasons: KeepReason[] }>;
  delete: Array<{ runId: string; reason: "expired" | "leftover" }>;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` in UTC. */
export function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** `YYYY-MM` in UTC. */
export function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** ISO 8601 week in UTC, `YYYY-Www` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const week = Math.ceil(((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / DAY_MS + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Plans one destination's retention; `now` is the database's clock. */
export function planRetention(copies: RecordedCopy[], policy: RetentionPolicy, now: Date): RetentionPlan {
  if (policy.keepAll) {
    return {
      keep: copies.filter((c) => c.state === "good").map((c) => ({ runId: c.runId, reasons: [] })),
      delete: [],
    };
  }
  const good = copies
    .filter((c) => c.state === "good")
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.runId < b.runId ? 1 : -1));
  const reasons = new Map<string, KeepReason[]>(good.map((c) => [c.runId, []]));
  const keep = (c: RecordedCopy, reason: KeepReason) => reasons.get(c.runId)!.push(reason);

  good.forEach((c, index) => {
    if (index === 0) keep(c, "newest");
    if (index < policy.keepLast) keep(c, "last");
    if (now.getTime() - c.takenAt.getTime() < policy.minAgeDays * DAY_MS) keep(c, "min-age");
  });
  const tiers: Array<[KeepReason, number, (d: Date) => string]> = [
    ["daily", policy.daily, dayKey],
    ["weekly", policy.weekly, isoWeekKey],
    ["monthly", policy.monthly, monthKey],
  ];
  for (const [reason, count, bucketOf] of tiers) {
    const seen = new Set<string>();
    for (const c of good) {
      if (seen.size >= count) break;
      const bucket = bucketOf(c.takenAt);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep(c, reason);
    }
  }

  const plan: RetentionPlan = { keep: [], delete: [] };
  for (const c of good) {
    const why = reasons.get(c.runId)!;
    if (why.length) plan.keep.push({ runId: c.runId, reasons: why });
    else plan.delete.push({ runId: c.runId, reason: "expired" });
  }
  for (const c of copies) {
    if (c.state === "leftover") plan.delete.push({ runId: c.runId, reason: "leftover" });
  }
  return plan;
}

/** The policy as the `status` action answers it. */
export function retentionStatus(policy: RetentionPolicy): RetentionStatus {
  return {
    keep_all: policy.keepAll,
    keep_last: policy.keepLast,
    daily: policy.daily,
    weekly: policy.weekly,
    monthly: policy.monthly,
    min_age_days: policy.minAgeDays,
  };
}

/** The fields of a `backup_runs` row that retention reads. */
export interface RunRecord {
  id: string;
  status: "running" | "success" | "partial" | "failed";
  started_at: Date;
  storage_status: string;
  onedrive_status: string;
  storage_path: string | null;
  onedrive_item_id: string | null;
  storage_deleted_at: Date | null;
  onedrive_deleted_at: Date | null;
}

/**
 * The copies a destination holds according to the history: recorded, not yet deleted. The run in
 * progress (`currentRunId`) counts as good where its copy is verified (`currentVerified`); any other run
 * still running is left alone.
 */
export function recordedCopies(
  runs: RunRecord[],
  destination: "storage" | "onedrive",
  current: { runId: string; verified: boolean },
): RecordedCopy[] {
  const out: RecordedCopy[] = [];
  for (const run of runs) {
    const location = destination === "storage" ? run.storage_path : run.onedrive_item_id;
    const deleted = destination === "storage" ? run.storage_deleted_at : run.onedrive_deleted_at;
    const status = destination === "storage" ? run.storage_status : run.onedrive_status;
    if (!location || deleted) continue;
    if (run.id === current.runId) {
      if (current.verified) out.push({ runId: run.id, takenAt: run.started_at, state: "good" });
      continue;
    }
    if (run.status === "running") continue;
    out.push({ runId: run.id, takenAt: run.started_at, state: status === "success" ? "good" : "leftover" });
  }
  return out;
}

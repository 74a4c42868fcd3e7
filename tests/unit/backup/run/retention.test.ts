import assert from "node:assert/strict";
import {
  isoWeekKey,
  planRetention,
  recordedCopies,
  type RecordedCopy,
  type RetentionPolicy,
  type RunRecord,
} from "../../../../supabase/functions/_shared/backup/run/retention-plan.ts";
import { pruneRecordedCopies } from "../../../../supabase/functions/_shared/backup/run/retention.ts";
import { DEFAULT_RETENTION } from "../../../../supabase/functions/_shared/backup/lib/config.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date("2026-11-29T12:00:00Z");

/** A good copy taken `ago` ms before NOW; its id says when (`d3h10` = 3 days and 10 hours ago). */
function good(ago: number, id?: string): RecordedCopy {
  return { runId: id ?? label(ago), takenAt: new Date(NOW.getTime() - ago), state: "good" };
}

function label(ago: number): string {
  return `d${Math.floor(ago / DAY)}h${Math.floor((ago % DAY) / HOUR)}m${Math.floor((ago % HOUR) / 60_000)}`;
}

/** One copy a night at 02:00 UTC, for `nights` nights ending with the night of NOW. */
function nightly(nights: number): RecordedCopy[] {
  const lastNight = Date.UTC(2026, 10, 29, 2);
  return Array.from({ length: nights }, (_, i) => good(NOW.getTime() - (lastNight - i * DAY)));
}

const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({
  keepAll: false,
  keepLast: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  minAgeDays: 0,
  ...p,
});

const kept = (copies: RecordedCopy[], p: RetentionPolicy, now = NOW) =>
  planRetention(copies, p, now).keep.map((k) => k.runId).sort();
const deleted = (copies: RecordedCopy[], p: RetentionPolicy, now = NOW) =>
  planRetention(copies, p, now).delete.map((k) => k.runId).sort();

Deno.test("ISO weeks in UTC: Monday starts a week, the Thursday decides its year", () => {
  const cases: Array<[string, string]> = [
    ["2026-11-29T23:59:59Z", "2026-W48"], // a Sunday: still the week that began on Monday the 23rd
    ["2026-11-30T00:00:00Z", "2026-W49"], // Monday
    ["2021-01-03T12:00:00Z", "2020-W53"], // early January can belong to the previous year's last week
    ["2024-12-30T12:00:00Z", "2025-W01"], // late December can belong to next year's week 1
  ];
  for (const [at, week] of cases) assert.equal(isoWeekKey(new Date(at)), week, at);
});

Deno.test("tiers keep the newest copy of each of the last N days, ISO weeks and months that have one", () => {
  const history = nightly(400);
  const table: Array<
    { name: string; policy: RetentionPolicy; expect: number; check?: (k: string[]) => void }
  > = [
    { name: "daily=7 keeps the last 7 nights", policy: policy({ daily: 7 }), expect: 7 },
    {
      name: "weekly=4 keeps the newest of each of the last 4 weeks (Sundays, and this week's newest)",
      policy: policy({ weekly: 4 }),
      expect: 4,
      check: (k) => assert.ok(k.includes(label(NOW.getTime() - Date.UTC(2026, 10, 29, 2))), "this Sunday's"),
    },
    { name: "monthly=12 keeps 12 month-ends", policy: policy({ monthly: 12 }), expect: 12 },
    // 7 nights (min age, daily, last 3), 3 more Sundays (weekly), 11 more month-ends (monthly).
    { name: "the defaults (last 3, 7 days, 7/4/12)", policy: DEFAULT_RETENTION, expect: 7 + 3 + 11 },
    { name: "keepLast 30 with the tiers", policy: { ...DEFAULT_RETENTION, keepLast: 30 }, expect: 30 + 10 },
    { name: "min age 7 days alone keeps the last 7 nights", policy: policy({ minAgeDays: 7 }), expect: 7 },
    { name: "keepLast 10 alone", policy: policy({ keepLast: 10 }), expect: 10 },
    { name: "nothing asked: the newest good copy survives anyway", policy: policy({}), expect: 1 },
    { name: "keep all deletes nothing", policy: policy({ keepAll: true }), expect: 400 },
  ];
  for (const row of table) {
    const k = kept(history, row.policy);
    assert.equal(k.length, row.expect, row.name);
    assert.equal(deleted(history, row.policy).length, 400 - row.expect, row.name);
    row.check?.(k);
  }
  // Monthly keeps the newest of each month: the 30th or 31st at 02:00 (today, the 29th, for this month).
  const monthly = planRetention(history, policy({ monthly: 12 }), NOW).keep.map((k) =>
    history.find((c) => c.runId === k.runId)!.takenAt.toISOString().slice(0, 10)
  );
  assert.deepEqual(monthly.slice(0, 4), ["2026-11-29", "2026-10-31", "2026-09-30", "2026-08-31"]);
});

Deno.test("days without a backup do not count: a long pause never empties the daily tier", () => {
  // 10 nightly copies, then the schedule was off for 60 days, then one copy today.
  const old = Array.from({ length: 10 }, (_, i) => good(70 * DAY + i * DAY));
  const history = [good(HOUR), ...old];
  const k = kept(history, policy({ daily: 7 }));
  assert.equal(k.length, 7);
  assert.ok(k.includes(label(HOUR)));
  for (const c of old.slice(0, 6)) assert.ok(k.includes(c.runId), `${c.runId} survives the pause`);
});

Deno.test("a burst of 100 runs in one hour cannot push older restore points out", () => {
  const before = nightly(400);
  const burst = Array.from({ length: 100 }, (_, i) => good(HOUR - i * 30_000, `burst-${i}`));
  for (
    const p of [
      DEFAULT_RETENTION,
      policy({ daily: 7, weekly: 4, monthly: 12 }),
      policy({ daily: 3 }),
      policy({ daily: 1, monthly: 24, minAgeDays: 0 }),
    ]
  ) {
    // A burst weighs exactly what one run at the same time weighs: the same older copies stay.
    const oneRun = kept([...before, burst[99]], p).filter((id) => !id.startsWith("burst-"));
    const afterBurst = kept([...before, ...burst], p);
    assert.deepEqual(afterBurst.filter((id) => !id.startsWith("burst-")), oneRun, JSON.stringify(p));
    assert.ok(afterBurst.includes("burst-99"), "the newest run of the burst is kept");
    // And against the history without any new run, at most the day's slot moves.
    const without = kept(before, p);
    const lost = without.filter((id) => !afterBurst.includes(id));
    assert.ok(lost.every((id) => id.startsWith("d0")), `only today's slot may change: ${lost}`);
  }
  // The attack the old count-based rule allowed: with "keep the 30 newest" and nothing else, the burst
  // would have been all that is left. Here the tiers still hold a year of history.
  const afterDefaults = kept([...before, ...burst], DEFAULT_RETENTION);
  assert.equal(afterDefaults.filter((id) => !id.startsWith("burst-")).length, 7 + 3 + 11);
  // BACKUP_RETENTION_COUNT is a floor counted in runs: a burst fills it, but what the tiers keep stays.
  const floor = { ...DEFAULT_RETENTION, keepLast: 30 };
  const tierKept = new Set(kept(before, DEFAULT_RETENTION));
  const afterFloor = kept([...before, ...burst], floor);
  for (const id of tierKept) assert.ok(afterFloor.includes(id), `${id} survives a burst with a floor of 30`);
});

Deno.test("nothing younger than the minimum age is deleted; the newest good copy never is", () => {
  const copies = [good(HOUR), good(2 * DAY), good(6 * DAY + 23 * HOUR), good(7 * DAY + HOUR), good(20 * DAY)];
  assert.deepEqual(
    deleted(copies, policy({ minAgeDays: 7 })),
    [label(7 * DAY + HOUR), label(20 * DAY)].sort(),
  );
  // Even with every rule at zero, the newest good copy stays.
  assert.deepEqual(kept(copies, policy({})), [label(HOUR)]);
  // The newest *good* copy: leftovers never count as "newest".
  const withLeftover = [
    { ...good(10 * 60_000, "broken"), state: "leftover" as const },
    good(30 * DAY, "old"),
  ];
  const plan = planRetention(withLeftover, policy({}), NOW);
  assert.deepEqual(plan.keep.map((k) => k.runId), ["old"]);
  assert.deepEqual(plan.delete, [{ runId: "broken", reason: "leftover" }]);
});

Deno.test("leftovers of failed runs go whatever their age; keep all touches nothing", () => {
  const leftover = { ...good(HOUR, "failed-1h"), state: "leftover" as const };
  const copies = [good(2 * HOUR, "ok"), leftover];
  assert.deepEqual(planRetention(copies, DEFAULT_RETENTION, NOW).delete, [{
    runId: "failed-1h",
    reason: "leftover",
  }]);
  assert.deepEqual(planRetention(copies, policy({ keepAll: true }), NOW).delete, []);
});

const row = (p: Partial<RunRecord> & { id: string }): RunRecord => ({
  status: "success",
  started_at: new Date(NOW.getTime() - DAY),
  storage_status: "success",
  onedrive_status: "success",
  storage_path: `${p.id}.json.gz`,
  onedrive_item_id: `item-${p.id}`,
  storage_deleted_at: null,
  onedrive_deleted_at: null,
  ...p,
});

Deno.test("recorded copies: only recorded, not yet deleted; a partial run's good side is a restore point", () => {
  const runs: RunRecord[] = [
    row({ id: "ok" }),
    row({ id: "partial", status: "partial", onedrive_status: "failed" }),
    row({ id: "failed-verify", status: "failed", storage_status: "failed", onedrive_item_id: null }),
    row({ id: "gone", storage_deleted_at: NOW, onedrive_deleted_at: NOW }),
    row({ id: "not-recorded", storage_path: null, onedrive_item_id: null }),
    row({ id: "other-running", status: "running", storage_status: "running" }),
    row({ id: "current", status: "running", storage_status: "running", onedrive_status: "running" }),
  ];
  const current = { runId: "current", verified: true };
  const states = (d: "storage" | "onedrive") =>
    Object.fromEntries(recordedCopies(runs, d, current).map((c) => [c.runId, c.state]));
  assert.deepEqual(states("storage"), {
    ok: "good",
    partial: "good",
    "failed-verify": "leftover",
    current: "good",
  });
  assert.deepEqual(states("onedrive"), { ok: "good", partial: "leftover", current: "good" });
  assert.deepEqual(
    recordedCopies(runs, "storage", { runId: "current", verified: false }).map((c) => c.runId),
    [
      "ok",
      "partial",
      "failed-verify",
    ],
  );
});

Deno.test("pruning deletes by recorded location only and skips a OneDrive item that was renamed or resized", async () => {
  // A database stand-in that answers the two reads and records the updates (the SQL itself runs against
  // Postgres in tests/integration/retention.test.ts).
  const rows = [
    {
      ...row({ id: "old-1", started_at: new Date(NOW.getTime() - 40 * DAY) }),
      file_name: "f1",
      size_bytes: "10",
      onedrive_drive_id: "drive-a",
    },
    {
      ...row({ id: "old-2", started_at: new Date(NOW.getTime() - 41 * DAY) }),
      file_name: "f2",
      size_bytes: "10",
      onedrive_drive_id: null,
    },
    {
      ...row({ id: "old-3", started_at: new Date(NOW.getTime() - 42 * DAY) }),
      file_name: "f3",
      size_bytes: "10",
      onedrive_drive_id: "drive-a",
    },
    {
      ...row({ id: "old-4", started_at: new Date(NOW.getTime() - 43 * DAY) }),
      file_name: "f4",
      size_bytes: "10",
      onedrive_drive_id: "drive-a",
    },
    {
      ...row({ id: "current", status: "running", started_at: NOW }),
      file_name: "f0",
      size_bytes: "10",
      onedrive_drive_id: "drive-a",
    },
  ];
  const updates: string[] = [];
  const sql = ((strings: TemplateStringsArray, ...values: unknown[]) => {
    const text = strings.join("?");
    if (text.includes("clock_timestamp() as now")) return Promise.resolve([{ now: NOW }]);
    if (text.includes("from public.backup_runs")) return Promise.resolve(rows);
    updates.push(
      `${text.includes("storage_deleted_at") ? "storage" : "onedrive"}:${JSON.stringify(values[0])}`,
    );
    return Promise.resolve([]);
  }) as unknown as Parameters<typeof pruneRecordedCopies>[0];
  const removed: string[][] = [];
  const deletedItems: string[] = [];
  const items: Record<string, { name: string; size: number; isFile: boolean } | undefined> = {
    "drive-a/item-old-1": { name: "f1", size: 10, isFile: true },
    "fallback/item-old-2": { name: "f2", size: 10, isFile: true }, // recorded before drive ids were kept
    "drive-a/item-old-3": { name: "renamed.json.gz", size: 10, isFile: true },
    "drive-a/item-old-4": undefined, // already gone
  };
  const result = await pruneRecordedCopies(
    sql,
    {
      storage: { remove: (paths) => Promise.resolve(void removed.push(paths)) },
      onedrive: {
        getItem: (d, i) => Promise.resolve(items[`${d}/${i}`]),
        deleteItem: (d, i) => Promise.resolve(void deletedItems.push(`${d}/${i}`)),
        fallbackDriveId: "fallback",
      },
    },
    policy({}),
    "current",
  );
  assert.deepEqual(removed, [["old-4.json.gz", "old-3.json.gz", "old-2.json.gz", "old-1.json.gz"]]);
  assert.deepEqual(deletedItems.sort(), ["drive-a/item-old-1", "fallback/item-old-2"]);
  assert.deepEqual(result.onedrive?.deleted.sort(), ["f1", "f2", "f4"]);
  assert.equal(result.onedrive?.skipped.length, 1);
  assert.match(
    result.onedrive!.skipped[0],
    /Not deleting OneDrive item "item-old-3" \(f3\): it is now called "renamed\.json\.gz", not "f3"/,
  );
  assert.ok(
    !updates.some((u) => u.includes("old-3") && u.startsWith("onedrive")),
    "the renamed item stays recorded",
  );
});

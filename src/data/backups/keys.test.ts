import { describe, expect, it } from "vitest";
import { matchQuery, QueryClient } from "@tanstack/react-query";
import { backupKeys } from "./keys";
import { lastRunRefetchInterval, RUNNING_POLL_INTERVAL_MS } from "./last-backup-run-query";
import { makeRun } from "@/test/fake-backend";

describe("backupKeys", () => {
  it("nests every history page under runs(), so one invalidation refreshes them all", () => {
    const client = new QueryClient();
    const page = client.getQueryCache().build(client, { queryKey: backupKeys.runsPage(3, 20) });
    expect(matchQuery({ queryKey: backupKeys.runs() }, page)).toBe(true);
    expect(matchQuery({ queryKey: backupKeys.all }, page)).toBe(true);
    expect(matchQuery({ queryKey: backupKeys.lastRun() }, page)).toBe(false);
  });

  it("keeps pages, the last run, status and rights apart", () => {
    const keys = [
      backupKeys.runsPage(0, 20),
      backupKeys.runsPage(1, 20),
      backupKeys.lastRun(),
      backupKeys.status(),
      backupKeys.canManage("user-1"),
      backupKeys.canManage("user-2"),
    ].map((key) => JSON.stringify(key));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("never shares rights between users", () => {
    expect(backupKeys.canManage(undefined)).toEqual(["backups", "can-manage", "anonymous"]);
    expect(backupKeys.canManage("a")).not.toEqual(backupKeys.canManage("b"));
  });
});

describe("lastRunRefetchInterval", () => {
  it("polls every 2 seconds only while a run is running", () => {
    expect(lastRunRefetchInterval(makeRun({ status: "running" }))).toBe(RUNNING_POLL_INTERVAL_MS);
    expect(RUNNING_POLL_INTERVAL_MS).toBe(2000);
    expect(lastRunRefetchInterval(makeRun({ status: "success" }))).toBe(false);
    expect(lastRunRefetchInterval(makeRun({ status: "failed" }))).toBe(false);
    expect(lastRunRefetchInterval(null)).toBe(false);
    expect(lastRunRefetchInterval(undefined)).toBe(false);
  });
});

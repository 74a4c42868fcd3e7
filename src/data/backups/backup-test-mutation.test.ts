import { afterEach, describe, expect, it, vi } from "vitest";
import { BackupFunctionError } from "./auto-backup-function";
import { testBackupConnection } from "./backup-test-mutation";

const answer = (body: unknown) =>
  vi.stubGlobal(
    "fetch",
    vi.fn(
      async () =>
        new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } }),
    ),
  );

afterEach(() => vi.unstubAllGlobals());

describe("testBackupConnection", () => {
  it("returns the function's checks as they are", async () => {
    const checks = [{ name: "database", ok: true, message: "Connected to PostgreSQL 17" }];
    answer({ checks });
    await expect(testBackupConnection()).resolves.toEqual({ checks });
  });

  it("refuses an answer without a checks list instead of reporting that nothing failed", async () => {
    answer({ status: "ok" });
    const error = await testBackupConnection().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackupFunctionError);
    expect((error as Error).message).toMatch(/has no "checks" list/);
  });
});

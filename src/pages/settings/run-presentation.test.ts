import { describe, expect, it } from "vitest";
import { makeRun } from "@/test/fake-backend";
import {
  destinationPresentation,
  phaseLabel,
  runAdvice,
  runDurationMs,
  runStatusPresentation,
  runTables,
  uploadProgress,
} from "./run-presentation";

describe("status presentation", () => {
  it("gives each run status its own colour and label", () => {
    expect(runStatusPresentation("success")).toMatchObject({ variant: "success", label: "status.success" });
    expect(runStatusPresentation("partial")).toMatchObject({ variant: "warning", label: "status.partial" });
    expect(runStatusPresentation("failed")).toMatchObject({ variant: "destructive", label: "status.failed" });
    expect(runStatusPresentation("running")).toMatchObject({
      variant: "info",
      label: "status.running",
      spinning: true,
    });
  });

  it("shows an unknown status as failed rather than as a success", () => {
    expect(runStatusPresentation("weird" as never).variant).toBe("destructive");
  });

  it("labels destination results", () => {
    expect(destinationPresentation("skipped").label).toBe("destinationStatus.skipped");
    expect(destinationPresentation("failed").variant).toBe("destructive");
    expect(destinationPresentation("success").variant).toBe("success");
  });

  it("labels phases, with starting before the first one", () => {
    expect(phaseLabel(null)).toBe("phase.starting");
    expect(phaseLabel("uploading")).toBe("phase.uploading");
  });
});

describe("runDurationMs", () => {
  const now = new Date("2026-11-24T10:05:00Z");

  it("measures a finished run to its end", () => {
    expect(runDurationMs(makeRun(), now)).toBe(65_000);
  });

  it("measures a running run to now", () => {
    expect(runDurationMs(makeRun({ status: "running", finished_at: null }), now)).toBe(300_000);
  });

  it("has no duration for a finished run without an end", () => {
    expect(runDurationMs(makeRun({ status: "failed", finished_at: null }), now)).toBeNull();
  });
});

describe("uploadProgress", () => {
  it("gives a percentage when the size is known", () => {
    expect(uploadProgress({ bytes_uploaded: 5_000_000, size_bytes: 20_000_000 })).toEqual({
      uploaded: 5_000_000,
      total: 20_000_000,
      percent: 25,
    });
  });

  it("gives bytes only when the size is unknown, and nothing before the upload", () => {
    expect(uploadProgress({ bytes_uploaded: 100, size_bytes: null })).toEqual({
      uploaded: 100,
      total: null,
      percent: null,
    });
    expect(uploadProgress({ bytes_uploaded: null, size_bytes: 100 })).toBeNull();
  });
});

describe("runTables", () => {
  it("reads per-table counts and skips malformed entries", () => {
    expect(
      runTables([
        { schema: "public", name: "dogs", rows: 3 },
        "junk",
        { rows: 4 },
        { name: "owners", rows: "7" },
      ]),
    ).toEqual([
      { schema: "public", name: "dogs", rows: 3 },
      { schema: "public", name: "owners", rows: 7 },
    ]);
    expect(runTables(null)).toEqual([]);
    expect(runTables({ not: "a list" })).toEqual([]);
  });
});

describe("runAdvice", () => {
  it("has nothing to say about successful or running runs", () => {
    expect(runAdvice(makeRun())).toEqual([]);
    expect(runAdvice(makeRun({ status: "running" }))).toEqual([]);
  });

  it("says which copy is safe when a run is partial", () => {
    expect(
      runAdvice(
        makeRun({
          status: "partial",
          onedrive_status: "failed",
          error: "Cannot upload to OneDrive: the service answered 503 five times",
        }),
      ),
    ).toEqual(["advice.onedriveOnly", "advice.generic"]);
    expect(
      runAdvice(
        makeRun({
          status: "partial",
          storage_status: "failed",
          error: "Cannot store the backup: bucket full (quota)",
        }),
      ),
    ).toEqual(["advice.storageOnly", "advice.quota"]);
  });

  it("recognises common causes from the code or the message", () => {
    const failed = (error: string, error_code: string | null = null) =>
      runAdvice(
        makeRun({ status: "failed", storage_status: "failed", onedrive_status: "failed", error, error_code }),
      );
    expect(failed("Cannot get a Microsoft token: AADSTS7000215 invalid client secret")).toEqual([
      "advice.credentials",
    ]);
    expect(failed("Graph answered 403: Either scp or roles claim need to be present")).toEqual([
      "advice.permission",
    ]);
    expect(
      failed('Cannot resolve OneDrive folder "x": the sharing link points to a file, not a folder'),
    ).toEqual(["advice.folder"]);
    expect(failed("Backup stopped: no heartbeat for 10 minutes")).toEqual(["advice.timeout"]);
    expect(failed("Something odd", "export_failed")).toEqual(["advice.database"]);
    expect(failed("Something odd")).toEqual(["advice.generic"]);
  });

  it("keys off the function's error code first, whatever the message says", () => {
    const failed = (error_code: string, error: string) =>
      runAdvice(
        makeRun({ status: "failed", storage_status: "failed", onedrive_status: "failed", error, error_code }),
      );
    // The message speaks of a folder, the code of the client secret: the code wins.
    expect(failed("graph_auth_expired_secret", 'Cannot upload to folder "Backups": expired')).toEqual([
      "advice.credentials",
    ]);
    expect(failed("onedrive_link_personal", "Cannot use this link")).toEqual(["advice.folder"]);
    expect(failed("graph_admin_consent_missing", "Cannot get a token")).toEqual(["advice.permission"]);
    expect(failed("graph_quota_exceeded", "Cannot upload")).toEqual(["advice.quota"]);
    expect(failed("run_abandoned", "The run was marked failed")).toEqual(["advice.timeout"]);
    expect(failed("database_locked", "Cannot export")).toEqual(["advice.database"]);
    expect(failed("config_invalid", "Cannot start")).toEqual(["advice.configuration"]);
  });

  it("falls back to the message for codes without one fix and codes it does not know", () => {
    const failed = (error_code: string | null, error: string) =>
      runAdvice(
        makeRun({ status: "failed", storage_status: "failed", onedrive_status: "failed", error, error_code }),
      );
    expect(failed("graph_throttled", "Graph answered 507 insufficient storage")).toEqual(["advice.quota"]);
    expect(failed("some_future_code", "the sharing link has expired")).toEqual(["advice.folder"]);
    expect(failed("toString", "Something odd")).toEqual(["advice.generic"]);
  });
});

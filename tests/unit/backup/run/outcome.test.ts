import assert from "node:assert/strict";
import {
  decideOutcome,
  type OutcomeInput,
} from "../../../../supabase/functions/_shared/backup/run/outcome.ts";
import type { DestinationResult } from "../../../../supabase/functions/_shared/backup/run/run-context.ts";
import { checkOneDriveCopy } from "../../../../supabase/functions/_shared/backup/run/phases/verify-copies.ts";

const ok: DestinationResult = { status: "success", error: null, code: null };
const failed = (code: string, error: string): DestinationResult => ({ status: "failed", error, code });
const storageDown = failed("storage_unavailable", "HTTP 503");
const onedriveDown = failed("onedrive_throttled", "HTTP 429");
const pending: DestinationResult = { status: "pending", error: null, code: null };
const running: DestinationResult = { status: "running", error: null, code: null };
const skipped: DestinationResult = { status: "skipped", error: null, code: null };

const bothFailed = {
  status: "failed",
  storageStatus: "failed",
  onedriveStatus: "failed",
  error:
    "The backup was not stored anywhere. Supabase Storage copy failed: HTTP 503. OneDrive copy failed: HTTP 429",
  errorCode: "storage_unavailable",
} as const;

const cases: Array<{
  name: string;
  input: Partial<OutcomeInput> & Pick<OutcomeInput, "storage" | "onedrive">;
  expect: ReturnType<typeof decideOutcome>;
}> = [
  {
    name: "both verified: success",
    input: { storage: ok, onedrive: ok },
    expect: {
      status: "success",
      storageStatus: "success",
      onedriveStatus: "success",
      error: null,
      errorCode: null,
    },
  },
  {
    name: "OneDrive skipped, Storage verified: success",
    input: { storage: ok, onedrive: skipped, onedriveSkipped: true },
    expect: {
      status: "success",
      storageStatus: "success",
      onedriveStatus: "skipped",
      error: null,
      errorCode: null,
    },
  },
  {
    name: "success with a pruning warning: the warning is the error, prune_failed",
    input: {
      storage: ok,
      onedrive: ok,
      warning: "The backup succeeded but old backups could not be deleted: x",
    },
    expect: {
      status: "success",
      storageStatus: "success",
      onedriveStatus: "success",
      error: "The backup succeeded but old backups could not be deleted: x",
      errorCode: "prune_failed",
    },
  },
  {
    name: "OneDrive failed: partial, safe in Storage, OneDrive's code",
    input: { storage: ok, onedrive: onedriveDown },
    expect: {
      status: "partial",
      storageStatus: "success",
      onedriveStatus: "failed",
      error: "The backup is safe in Supabase Storage but not in OneDrive. OneDrive copy failed: HTTP 429",
      errorCode: "onedrive_throttled",
    },
  },
  {
    name: "Storage failed: partial, safe in OneDrive, Storage's code",
    input: { storage: storageDown, onedrive: ok },
    expect: {
      status: "partial",
      storageStatus: "failed",
      onedriveStatus: "success",
      error:
        "The backup is safe in OneDrive but not in Supabase Storage. Supabase Storage copy failed: HTTP 503",
      errorCode: "storage_unavailable",
    },
  },
  {
    name: "both failed: failed, both reasons, Storage's code first",
    input: { storage: storageDown, onedrive: onedriveDown },
    expect: bothFailed,
  },
  {
    name: "both failed, Storage without a code: OneDrive's code",
    input: { storage: { ...storageDown, code: null }, onedrive: onedriveDown },
    expect: { ...bothFailed, errorCode: "onedrive_throttled" },
  },
  {
    name: "OneDrive skipped, Storage failed: failed",
    input: { storage: storageDown, onedrive: skipped, onedriveSkipped: true },
    expect: {
      status: "failed",
      storageStatus: "failed",
      onedriveStatus: "skipped",
      error: "The backup was not stored anywhere. Supabase Storage copy failed: HTTP 503",
      errorCode: "storage_unavailable",
    },
  },
  {
    name: "a fatal error wins over verified copies; unfinished destinations become failed",
    input: {
      storage: ok,
      onedrive: running,
      fatal: { code: "run_abandoned", message: "The run was marked failed while it was still working" },
      warning: "ignored",
    },
    expect: {
      status: "failed",
      storageStatus: "success",
      onedriveStatus: "failed",
      error: "The run was marked failed while it was still working",
      errorCode: "run_abandoned",
    },
  },
  {
    name: "a fatal error before any copy: both pending become failed; a skipped OneDrive stays skipped",
    input: {
      storage: pending,
      onedrive: skipped,
      onedriveSkipped: true,
      fatal: { code: "export_failed", message: "Cannot export the database: boom" },
    },
    expect: {
      status: "failed",
      storageStatus: "failed",
      onedriveStatus: "skipped",
      error: "Cannot export the database: boom",
      errorCode: "export_failed",
    },
  },
];

Deno.test("decideOutcome: status, final destination statuses, error and code from the destinations' results", () => {
  for (const { name, input, expect } of cases) {
    const actual = decideOutcome({ fatal: null, onedriveSkipped: false, warning: null, ...input });
    assert.deepEqual(actual, expect, name);
  }
});

Deno.test("decideOutcome does not change the results it reads", () => {
  const storage = { ...pending };
  const onedrive = { ...running };
  decideOutcome({
    fatal: { code: "internal_error", message: "x" },
    storage,
    onedrive,
    onedriveSkipped: false,
    warning: null,
  });
  assert.deepEqual([storage.status, onedrive.status], ["pending", "running"]);
});

Deno.test("checkOneDriveCopy: success only with the file's size and QuickXorHash", () => {
  const spooled = { size: 10, quickXorHash: "abc=" };
  const item = { id: "i", webUrl: "https://x", size: 10, quickXorHash: "abc=" };
  const rows: Array<[typeof item, DestinationResult]> = [
    [item, ok],
    [
      { ...item, size: 9 },
      failed(
        "onedrive_verify_failed",
        'Cannot verify the OneDrive copy "f.json.gz": it has 9 bytes instead of 10',
      ),
    ],
    [
      { ...item, quickXorHash: "xyz=" },
      failed(
        "onedrive_hash_mismatch",
        'Cannot verify the OneDrive copy "f.json.gz": its QuickXorHash "xyz=" differs from the file\'s "abc="',
      ),
    ],
    [
      { ...item, quickXorHash: "" },
      failed(
        "onedrive_verify_failed",
        'Cannot verify the OneDrive copy "f.json.gz": OneDrive reported no QuickXorHash (is the folder on OneDrive for Business or SharePoint?)',
      ),
    ],
  ];
  for (const [uploaded, expected] of rows) {
    assert.deepEqual(checkOneDriveCopy("f.json.gz", uploaded, spooled), expected, JSON.stringify(uploaded));
  }
});

/**
 * What every reliability test checks after a fault: the run's honest status, what each destination
 * holds (a verified copy, or nothing: never a half-written file), no upload session left open, earlier
 * backups untouched, and the stack left as it was found.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  allowNextRun,
  downloadFromStorage,
  openStack,
  type RunRow,
  type Stack,
  storagePaths,
  waitForIdle,
  waitForRun,
} from "../../support/harness.ts";
import type { FunctionProcess } from "../../support/function-process.ts";

export const FOLDER = "Backups";

/** Opens the shared stack from a clean state: no run in progress, no fault, an empty request log. */
export async function openCleanStack(): Promise<Stack> {
  const stack = await openStack();
  await waitForIdle(stack);
  await stack.emulator.up();
  await stack.emulator.clearFaults();
  await stack.emulator.clearRequests();
  return stack;
}

/** Leaves the stack as the next suite expects it: emulator up and without faults, no run in progress. */
export async function closeCleanStack(stack: Stack): Promise<void> {
  try {
    await stack.emulator.up();
    await stack.emulator.clearFaults();
    await stack.emulator.clearRequests();
    await waitForIdle(stack);
  } finally {
    await stack.close();
  }
}

/**
 * Starts a run through a function process (202 expected) and waits for its end. Runs through the
 * function are rate limited, so a minute passes first (allowNextRun).
 */
export async function runThrough(
  stack: Stack,
  fn: FunctionProcess,
  headers: Record<string, string>,
): Promise<RunRow> {
  await allowNextRun(stack);
  const started = await fn.call({ body: { action: "run" }, headers });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return await waitForRun(stack, String(started.body.run_id), 90_000);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface DestinationSnapshot {
  /** Storage object name → size. */
  storage: Map<string, number | null>;
  /** OneDrive file name (in the backup folder) → SHA-256 of its content. */
  onedrive: Map<string, string>;
}

/** Every object in the bucket (path → size), the runs' folders walked. */
export async function storageObjects(stack: Stack): Promise<Map<string, number | null>> {
  return new Map((await storagePaths(stack)).map((o) => [o.path, o.size] as const));
}

/** Whether an object with this file name is anywhere in the bucket (at the root or in a folder). */
export function hasStorageFile(objects: Map<string, number | null>, fileName: string): boolean {
  return [...objects.keys()].some((path) => path === fileName || path.endsWith(`/${fileName}`));
}

export async function snapshotDestinations(stack: Stack): Promise<DestinationSnapshot> {
  const files = await stack.emulator.files();
  return {
    storage: await storageObjects(stack),
    onedrive: new Map(
      files.filter((f) => f.path.startsWith(`${FOLDER}/`)).map((f) => [f.name, f.sha256] as const),
    ),
  };
}

/** Every backup present before is still there, unchanged. */
export async function assertEarlierUntouched(stack: Stack, before: DestinationSnapshot): Promise<void> {
  const now = await snapshotDestinations(stack);
  for (const [name, size] of before.storage) {
    assert.ok(now.storage.has(name), `the earlier Storage backup "${name}" is still there`);
    assert.equal(now.storage.get(name), size, `the earlier Storage backup "${name}" is unchanged`);
  }
  for (const [name, sha] of before.onedrive) {
    assert.equal(
      now.onedrive.get(name),
      sha,
      `the earlier OneDrive backup "${name}" is still there, unchanged`,
    );
  }
}

/** Both destinations hold the same bytes, and they are the run's file (size and both hashes). */
export async function assertVerifiedCopies(stack: Stack, row: RunRow): Promise<Uint8Array> {
  assert.equal(row.status, "success", `${row.error_code}: ${row.error}`);
  assert.equal(row.storage_status, "success");
  assert.equal(row.onedrive_status, "success");
  assert.equal(row.error, null);
  assert.equal(row.storage_path, `${row.id}/${row.file_name}`, "the copy is in the run's own folder");
  const stored = await downloadFromStorage(stack, row.storage_path!);
  assert.equal(stored.length, Number(row.size_bytes));
  assert.equal(sha256Hex(stored), row.sha256, "the Storage copy has the run's SHA-256");
  const uploaded = await stack.emulator.fileContent(`${FOLDER}/${row.file_name}`);
  assert.equal(sha256Hex(uploaded), row.sha256, "the OneDrive copy has the same bytes");
  const item = (await stack.emulator.files()).find((f) => f.path === `${FOLDER}/${row.file_name}`);
  assert.equal(item?.quickXorHash, row.quick_xor_hash, "OneDrive's own QuickXorHash matches the run's");
  assert.equal(item?.id, row.onedrive_item_id);
  return stored;
}

/** Nothing in the OneDrive folder under this name, and no upload session left open for it. */
export async function assertNothingInOneDrive(stack: Stack, name: string): Promise<void> {
  const files = await stack.emulator.files();
  assert.ok(
    !files.some((f) => f.name === name || f.name.startsWith(name.replace(/\.json(\.gz)?$/, ""))),
    `no file named like "${name}" in the OneDrive folder`,
  );
  await assertNoOpenSession(stack, name);
}

export async function assertNoOpenSession(stack: Stack, name: string): Promise<void> {
  const open = (await stack.emulator.sessions()).filter((s) => s.path.endsWith(`/${name}`));
  assert.deepEqual(open, [], `no upload session left open for "${name}"`);
}

/** A fault rule that never fired means the test did not test anything: fail loudly. */
export async function assertFaultsApplied(stack: Stack): Promise<void> {
  for (const rule of await stack.emulator.faults()) {
    const expected = rule.times === 0 ? undefined : rule.times;
    if (expected === undefined) {
      assert.ok(rule.applied > 0, `fault ${JSON.stringify(rule.action)} on ${rule.route} was applied`);
    } else {
      assert.equal(
        rule.applied,
        expected,
        `fault ${JSON.stringify(rule.action)} on ${rule.route} was applied`,
      );
    }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it returns a value (not undefined). */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting: ${what}`);
    await sleep(50);
  }
}

/**
 * Retention against the real destinations (gateway Storage, Graph emulator, Postgres): only copies this
 * tool recorded in backup_runs are ever deleted, by recorded path and item id. Files planted in the
 * bucket or the OneDrive folder, named like backups (from 2099, empty or not), are never touched and
 * never push a real backup out; older restore points survive bursts of runs.
 */
import assert from "node:assert/strict";
import {
  allowNextRun,
  oneDriveNames,
  openStack,
  removeFromStorage,
  runRow,
  type Stack,
  storageNames,
  uploadToStorage,
  waitForIdle,
} from "../support/harness.ts";
import { runCli } from "../support/cli.ts";

/** What an attacker with write access to the folder (a shared link) or the bucket drops there. */
const PLANTED = [
  ...Array.from(
    { length: 30 },
    (_, i) => `backup-2099-01-${String(i + 1).padStart(2, "0")}T00-00-00Z.json.gz`,
  ),
  "backup-2099-12-31T23-59-59Z.json",
];

async function plant(stack: Stack): Promise<void> {
  const inStorage = new Set(await storageNames(stack));
  const inOneDrive = new Set(await oneDriveNames(stack));
  for (const [i, name] of PLANTED.entries()) {
    // Empty files, and a few with content: neither kind may count or be deleted.
    const content = i % 10 === 0 ? `planted ${name}` : "";
    if (!inStorage.has(name)) await uploadToStorage(stack, name, new TextEncoder().encode(content));
    if (!inOneDrive.has(name)) await stack.emulator.putFile(`Backups/${name}`, content);
  }
}

async function cliBackup(stack: Stack, env: Record<string, string> = {}): Promise<string> {
  const result = await runCli(stack, "backup.ts", [], env);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  return /^Run ([0-9a-f-]{36}):/m.exec(result.stdout)![1];
}

/** Sets when a run happened (the database's record is what retention reads). */
async function setStartedAt(stack: Stack, id: string, at: Date): Promise<void> {
  await stack.sql`
    update public.backup_runs set started_at = ${at}, finished_at = ${at}, heartbeat_at = ${at}
    where id = ${id}`;
}

/** Moves a run back in time (the database's clock is what retention reads). */
async function backdate(stack: Stack, id: string, interval: string): Promise<void> {
  await stack.sql`
    update public.backup_runs
    set started_at = started_at - ${interval}::interval, finished_at = finished_at - ${interval}::interval,
        heartbeat_at = heartbeat_at - ${interval}::interval
    where id = ${id}`;
}

async function copies(stack: Stack): Promise<{ storage: Set<string>; onedrive: Set<string> }> {
  return { storage: new Set(await storageNames(stack)), onedrive: new Set(await oneDriveNames(stack)) };
}

Deno.test("planted backup-2099 files never count and are never deleted; only recorded copies are pruned", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    // Two real runs of one night, long ago, in a month no other run of the shared stack uses: the older
    // is expired (its night and month are held by the newer).
    const older = await cliBackup(stack);
    const newer = await cliBackup(stack);
    const night = Date.UTC(1980 + Math.floor(Math.random() * 30), Math.floor(Math.random() * 12), 15, 2);
    await setStartedAt(stack, older, new Date(night - 3_600_000));
    await setStartedAt(stack, newer, new Date(night));
    const olderRow = await runRow(stack, older);
    const newerRow = await runRow(stack, newer);
    assert.equal(olderRow.onedrive_status, "success");
    assert.ok(olderRow.onedrive_item_id);
    await plant(stack);

    // An aggressive policy: one newest, one a day and a week, no minimum age; a long monthly tier (every
    // month with a backup since 1980) holds the newer run of that night.
    const env = {
      BACKUP_RETENTION_COUNT: "1",
      BACKUP_RETENTION: "daily=1,weekly=1,monthly=1000",
      BACKUP_MIN_AGE_DAYS: "0",
    };
    const latest = await cliBackup(stack, env);
    const latestRow = await runRow(stack, latest);
    const after = await copies(stack);

    for (const name of PLANTED) {
      assert.ok(after.storage.has(name), `Storage: planted "${name}" is not ours and stays`);
      assert.ok(after.onedrive.has(name), `OneDrive: planted "${name}" is not ours and stays`);
    }
    for (const [where, names] of [["Storage", after.storage], ["OneDrive", after.onedrive]] as const) {
      assert.ok(names.has(latestRow.file_name!), `${where}: the new backup stays`);
      assert.ok(names.has(newerRow.file_name!), `${where}: that month's restore point stays (monthly tier)`);
      assert.ok(!names.has(olderRow.file_name!), `${where}: the expired recorded copy was deleted`);
    }
    const [gone] = await stack.sql<Array<{ s: boolean; o: boolean }>>`
      select storage_deleted_at is not null as s, onedrive_deleted_at is not null as o
      from public.backup_runs where id = ${older}`;
    assert.deepEqual({ ...gone }, { s: true, o: true }, "the deletion is recorded on the run");
    const [kept] = await stack.sql<Array<{ s: boolean; o: boolean }>>`
      select storage_deleted_at is not null as s, onedrive_deleted_at is not null as o
      from public.backup_runs where id = ${newer}`;
    assert.deepEqual({ ...kept }, { s: false, o: false });

    // A second pass: the run just before it is now the one expired (daily=1, no minimum age); nothing is
    // deleted twice, and planted files still do not count.
    const again = await runCli(stack, "backup.ts", [], env);
    assert.equal(again.code, 0, again.stderr);
    const deletions = [
      ...again.stdout.matchAll(/^\s*(storage|onedrive): deleted \d+ old backup\(s\): (.*)$/gm),
    ];
    assert.deepEqual(
      deletions.map((m) => [m[1], m[2]]),
      [["storage", latestRow.file_name], ["onedrive", latestRow.file_name]],
      again.stdout,
    );
    const final = await copies(stack);
    for (const name of PLANTED) assert.ok(final.storage.has(name) && final.onedrive.has(name));
    assert.ok(final.storage.has(newerRow.file_name!) && final.onedrive.has(newerRow.file_name!));
  } finally {
    await removeFromStorage(stack, PLANTED);
    for (const name of PLANTED) await stack.emulator.removeFile(`Backups/${name}`).catch(() => undefined);
    await stack.close();
  }
});

Deno.test("a OneDrive item renamed after the backup is not deleted, and the run says so", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const old = await cliBackup(stack);
    await backdate(stack, old, "90 days");
    const oldRow = await runRow(stack, old);
    // Someone reuses the recorded item id's name: the row says one name, the item now has another.
    await stack
      .sql`update public.backup_runs set file_name = 'backup-renamed-elsewhere.json.gz' where id = ${old}`;
    // The next run must fall in a later second than the old one: its name would otherwise be the old
    // item's, which no row records any more (the rename above), and OneDrive would refuse the duplicate.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const result = await runCli(stack, "backup.ts", [], {
      BACKUP_RETENTION_COUNT: "1",
      BACKUP_RETENTION: "daily=1,weekly=0,monthly=0",
      BACKUP_MIN_AGE_DAYS: "0",
    });
    assert.equal(result.code, 0, result.stderr);
    const after = await copies(stack);
    assert.ok(after.onedrive.has(oldRow.file_name!), "the item whose name differs stays in OneDrive");
    assert.match(
      result.stdout,
      /Not deleting OneDrive item "[^"]+" \(backup-renamed-elsewhere\.json\.gz\): it is now called/,
    );
    const [row] = await stack.sql<Array<{ o: boolean }>>`
      select onedrive_deleted_at is not null as o from public.backup_runs where id = ${old}`;
    assert.equal(row.o, false, "it stays recorded as present");
  } finally {
    await stack.close();
  }
});

Deno.test("a burst of runs does not push older restore points out", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const lastMonth = await cliBackup(stack);
    const lastWeek = await cliBackup(stack);
    await backdate(stack, lastMonth, "35 days");
    await backdate(stack, lastWeek, "9 days");
    // The burst (the CLI is not rate limited: it is the fastest burst there is), with the default tiers
    // and BACKUP_RETENTION_COUNT=3: more runs than that count cannot push the older restore points out.
    for (let i = 0; i < 4; i++) await cliBackup(stack, { BACKUP_RETENTION_COUNT: "3" });
    const after = await copies(stack);
    for (const id of [lastMonth, lastWeek]) {
      const row = await runRow(stack, id);
      assert.ok(after.storage.has(row.file_name!), `Storage: the restore point ${row.file_name} survives`);
      assert.ok(after.onedrive.has(row.file_name!), `OneDrive: the restore point ${row.file_name} survives`);
    }
    await allowNextRun(stack);
  } finally {
    await stack.close();
  }
});

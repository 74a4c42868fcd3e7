/**
 * Retention against the real destinations: the newest N backups stay in Storage and in the OneDrive
 * folder, older ones go, and files this tool did not write are never touched.
 */
import assert from "node:assert/strict";
import { BACKUP_NAME_PATTERN } from "../../supabase/functions/_shared/backup/file-format.ts";
import {
  oneDriveNames,
  openStack,
  removeFromStorage,
  runCli,
  runRow,
  storageNames,
  uploadToStorage,
  waitForIdle,
} from "./support/harness.ts";

const OLD = [
  "backup-2020-01-01T00-00-00Z.json.gz",
  "backup-2020-01-02T00-00-00Z.json",
  "backup-2020-01-03T00-00-00Z.json.gz",
];
const FOREIGN = ["notes.txt", "backup-2020-01-01.json.gz", "Backup-2020-01-01T00-00-00Z.json.gz"];

Deno.test("retention keeps the newest N in each destination and deletes only this tool's older files", async () => {
  const stack = await openStack();
  try {
    await waitForIdle(stack);
    const existingStorage = await storageNames(stack);
    const existingOneDrive = await oneDriveNames(stack);
    for (const name of [...OLD, ...FOREIGN]) {
      if (!existingStorage.includes(name)) await uploadToStorage(stack, name, new TextEncoder().encode(name));
      if (!existingOneDrive.includes(name)) await stack.emulator.putFile(`Backups/${name}`, name);
    }
    const storageBefore = await storageNames(stack);
    const oneDriveBefore = await oneDriveNames(stack);

    const result = await runCli(stack, "backup.ts", [], { BACKUP_RETENTION_COUNT: "2" });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const id = /^Run ([0-9a-f-]{36}):/m.exec(result.stdout)![1];
    const written = (await runRow(stack, id)).file_name!;

    for (
      const [where, before, after] of [
        ["Storage", storageBefore, await storageNames(stack)],
        ["OneDrive", oneDriveBefore, await oneDriveNames(stack)],
      ] as const
    ) {
      const ours = [...before.filter((n) => BACKUP_NAME_PATTERN.test(n)), written].sort();
      const expectedKept = ours.slice(-2);
      assert.deepEqual(
        after.filter((n) => BACKUP_NAME_PATTERN.test(n)).sort(),
        expectedKept,
        `${where}: the 2 newest`,
      );
      assert.ok(expectedKept.includes(written), `${where}: the new file stays`);
      for (const name of FOREIGN) {
        assert.ok(after.includes(name), `${where}: "${name}" is not ours and stays`);
      }
      for (const name of OLD) assert.ok(!after.includes(name), `${where}: "${name}" was pruned`);
    }
    assert.match(result.stdout, /storage: deleted \d+ old backup\(s\)/);
  } finally {
    await removeFromStorage(stack, FOREIGN);
    await stack.close();
  }
});

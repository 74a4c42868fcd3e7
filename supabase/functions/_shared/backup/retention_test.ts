import assert from "node:assert/strict";
import { pruneFolder, pruneStorage, selectForDeletion } from "./retention.ts";
import type { StorageClient, StorageObject } from "./storage.ts";

const name = (day: number, ext = ".json.gz") =>
  `backup-2026-01-${String(day).padStart(2, "0")}T02-00-00Z${ext}`;

Deno.test("keeps the newest N of this tool's files, never touches others, never the file just written", () => {
  const names = [name(1), name(2), name(3, ".json"), name(4), "notes.txt", "backup-latest.json.gz", name(5)];
  assert.deepEqual(selectForDeletion(names, 2, name(5)), [name(1), name(2), name(3, ".json")]);
  assert.deepEqual(selectForDeletion(names, 0, name(5)), [], "0 keeps all");
  assert.deepEqual(selectForDeletion(names, 10, name(5)), []);
  // A clock skew made the new file look older than the others: it survives anyway.
  assert.deepEqual(selectForDeletion([name(1), name(8), name(9)], 1, name(1)), [name(8)]);
});

Deno.test("Storage pruning reads every page and deletes in batches", async () => {
  const objects: StorageObject[] = [];
  for (let i = 0; i < 250; i++) {
    const d = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 19).replaceAll(":", "-");
    objects.push({ name: `backup-${d}Z.json.gz`, size: 10, createdAt: null });
  }
  objects.push({ name: "keep-me.pdf", size: 1, createdAt: null });
  const removed: string[][] = [];
  const storage = {
    bucket: "backups",
    async *list() {
      yield* objects;
    },
    remove(names: string[]) {
      removed.push(names);
      return Promise.resolve();
    },
  } as unknown as StorageClient;
  const newest = objects[249].name;
  const result = await pruneStorage(storage, 30, newest);
  assert.equal(result.deleted.length, 220);
  assert.deepEqual(removed.map((b) => b.length), [100, 100, 20]);
  assert.ok(!result.deleted.includes(newest));
  assert.ok(!result.deleted.includes("keep-me.pdf"));
  assert.equal(result.deleted[0], objects[0].name, "oldest first");
  assert.equal(result.kept, 30);
});

Deno.test("folder pruning deletes by item id and ignores folders", async () => {
  const deleted: string[] = [];
  const result = await pruneFolder(
    {
      async *listChildren() {
        yield { id: "1", name: name(1), isFile: true };
        yield { id: "2", name: name(2), isFile: true };
        yield { id: "3", name: name(3), isFile: true };
        yield { id: "f", name: name(0), isFile: false };
      },
      deleteItem(id) {
        deleted.push(id);
        return Promise.resolve();
      },
    },
    2,
    name(3),
  );
  assert.deepEqual(deleted, ["1"]);
  assert.deepEqual(result.deleted, [name(1)]);
});

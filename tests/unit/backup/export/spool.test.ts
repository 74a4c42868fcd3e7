import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import {
  removeStaleSpoolFiles,
  spoolToTempFile,
} from "../../../../supabase/functions/_shared/backup/export/spool.ts";
import { BackupHasher } from "../../../../supabase/functions/_shared/backup/export/hashing.ts";

function source(parts: string[], failAfter = Infinity): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= failAfter) return controller.error(new Error("the export broke"));
      if (i >= parts.length) return controller.close();
      controller.enqueue(new TextEncoder().encode(parts[i++]));
    },
  });
}

Deno.test("spool: gzip and plain files hold the bytes, hashed as stored", async () => {
  const parts = Array.from({ length: 2000 }, (_, i) => `{"id":${i},"name":"row ${i}"},\n`);
  for (const compression of ["gzip", "none"] as const) {
    let progress = 0;
    const file = await spoolToTempFile(source(parts), {
      compression,
      onProgress: (json) => (progress = json),
    });
    try {
      const bytes = await Deno.readFile(file.path);
      assert.equal(bytes.length, file.size);
      const json = compression === "gzip" ? gunzipSync(bytes) : bytes;
      assert.equal(new TextDecoder().decode(json), parts.join(""));
      assert.equal(progress, parts.join("").length);
      const h = new BackupHasher();
      h.update(bytes);
      assert.deepEqual(h.digest(), { sha256: file.sha256, quickXorHash: file.quickXorHash });
      if (compression === "gzip") assert.ok(file.size < json.length / 3);
    } finally {
      await file.remove();
    }
    await assert.rejects(Deno.stat(file.path), Deno.errors.NotFound);
    await file.remove(); // twice is fine
  }
});

Deno.test("spool: a failing source fails the spool and leaves no file behind", async () => {
  for (const compression of ["gzip", "none"] as const) {
    let path = "";
    await assert.rejects(
      spoolToTempFile(source(["a", "b", "c"], 2), {
        compression,
        makeTempFile: async () => (path = await Deno.makeTempFile()),
      }),
      /the export broke/,
    );
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  }
});

Deno.test("stale spool files of killed processes are removed; fresh ones and other files stay", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const name of ["backup-old.spool", "backup-new.spool", "other-old.spool", "backup-old.txt"]) {
      await Deno.writeTextFile(`${dir}/${name}`, "x");
    }
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const name of ["backup-old.spool", "other-old.spool", "backup-old.txt"]) {
      await Deno.utime(`${dir}/${name}`, hourAgo, hourAgo);
    }
    assert.deepEqual(await removeStaleSpoolFiles({ dir, olderThanMs: 600_000 }), ["backup-old.spool"]);
    const left: string[] = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    assert.deepEqual(left.sort(), ["backup-new.spool", "backup-old.txt", "other-old.spool"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

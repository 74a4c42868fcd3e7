import assert from "node:assert/strict";
import {
  BackupFileError,
  openBackup,
  readBackup,
  type ReaderEvent,
} from "../../../../supabase/functions/_shared/backup/format/backup-reader.ts";
import { BackupHasher } from "../../../../supabase/functions/_shared/backup/export/hashing.ts";

const enc = new TextEncoder();

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(
      new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
}

async function events(bytes: Uint8Array, chunk = 7, validateRows = true): Promise<ReaderEvent[]> {
  const opened = await openBackup(chunked(bytes, chunk));
  const out: ReaderEvent[] = [];
  for await (const e of readBackup(opened.text, { validateRows, batchRows: 2 })) out.push(e);
  return out;
}

const GOOD = JSON.stringify(
  {
    format: "supabase-backup",
    version: 1,
    created_at: "2026-11-24T02:00:00Z",
    source: { postgres_version: "17.2", schemas: ["public"], not_exported: [], excluded_tables: [] },
    tables: [
      {
        schema: "public",
        name: "a",
        kind: "table",
        columns: [{ name: "id", type: "bigint", nullable: false, generated: false, identity: null }],
        primary_key: ["id"],
        references: [],
        rows: [{ id: 9007199254740993 }, { id: 2, s: '}]\\"{[,\n' }, {
          id: 3,
          nested: { a: [1, { b: null }] },
        }],
        row_count: 3,
      },
      { schema: "public", name: "empty", columns: [], rows: [], row_count: 0 },
    ],
    sequences: [{ schema: "public", name: "a_id_seq", last_value: "3" }],
    complete: true,
  },
  null,
  1,
).replace("9007199254740992", "9007199254740993");

Deno.test("reads a document in order and hands out rows as raw text, whatever the chunking", async () => {
  for (const chunk of [1, 3, 7, 4096]) {
    const all = await events(enc.encode(GOOD), chunk);
    assert.deepEqual(all.map((e) => e.type), [
      "header",
      "table",
      "rows",
      "rows",
      "table_end",
      "table",
      "table_end",
      "end",
    ]);
    const rows = all.flatMap((e) => e.type === "rows" ? e.rows : []);
    assert.equal(rows[0], '{\n     "id": 9007199254740993\n    }', "digits beyond 2^53 untouched");
    assert.deepEqual(JSON.parse(rows[1]), { id: 2, s: '}]\\"{[,\n' });
    const end = all.at(-1);
    assert.ok(end?.type === "end");
    assert.equal(end.rowCount, 3);
    assert.equal(end.tableCount, 2);
    assert.deepEqual(end.sequences, [{ schema: "public", name: "a_id_seq", last_value: "3" }]);
  }
});

Deno.test("gzip files are detected and hashed as stored", async () => {
  const gz = await gzip(enc.encode(GOOD));
  const opened = await openBackup(chunked(gz, 50));
  assert.equal(opened.compressed, true);
  for await (const _ of readBackup(opened.text)) { /* drain */ }
  const hashes = await opened.hashes;
  const h = new BackupHasher();
  h.update(gz);
  assert.deepEqual({ sha256: hashes.sha256, quickXorHash: hashes.quickXorHash }, h.digest());
  assert.equal(hashes.size, gz.length);
});

async function refusal(bytes: Uint8Array): Promise<BackupFileError> {
  try {
    await events(bytes, 5);
  } catch (error) {
    assert.ok(error instanceof BackupFileError, `expected a BackupFileError, got ${error}`);
    return error;
  }
  throw new Error("the file was accepted");
}

Deno.test("truncated, incomplete, foreign and inconsistent files are refused with a reason", async () => {
  const cut = await refusal(enc.encode(GOOD.slice(0, GOOD.length / 2)));
  assert.equal(cut.code, "truncated");
  assert.match(cut.message, /ends abruptly/);

  const noComplete = await refusal(enc.encode(GOOD.replace(',\n "complete": true', "")));
  assert.equal(noComplete.code, "incomplete");
  const falseComplete = await refusal(enc.encode(GOOD.replace('"complete": true', '"complete": false')));
  assert.equal(falseComplete.code, "incomplete");

  const other = await refusal(enc.encode('{"format": "pg_dump", "version": 1, "tables": []}'));
  assert.equal(other.code, "wrong_format");
  assert.match(other.message, /its format is "pg_dump"/);
  const v2 = await refusal(enc.encode(GOOD.replace('"version": 1', '"version": 2')));
  assert.equal(v2.code, "unsupported_version");
  assert.match(v2.message, /version 2, but this tool reads version 1/);
  assert.equal((await refusal(enc.encode("[1, 2, 3]"))).code, "not_json");
  assert.equal((await refusal(enc.encode(""))).code, "truncated");

  const miscounted = await refusal(enc.encode(GOOD.replace('"row_count": 3', '"row_count": 4')));
  assert.equal(miscounted.code, "count_mismatch");
  assert.match(miscounted.message, /table "public\.a" holds 3 rows but its "row_count" says 4/);

  const corruptRow = await refusal(enc.encode(GOOD.replace('"b": null', '"b": nul')));
  assert.equal(corruptRow.code, "not_json");
  assert.match(corruptRow.message, /row 3 of "public\.a" is corrupt/);
  await refusal(enc.encode(GOOD.replace('"nested"', '"nes"ted"')));

  const trailing = await refusal(enc.encode(GOOD + " {}"));
  assert.equal(trailing.code, "not_json");
});

Deno.test("corrupt or cut gzip data is reported as such", async () => {
  const gz = await gzip(enc.encode(GOOD));
  const flipped = gz.slice();
  flipped[Math.floor(gz.length / 2)] ^= 0xff;
  const corrupt = await refusal(flipped);
  assert.ok(["corrupt_gzip", "not_json", "truncated"].includes(corrupt.code), corrupt.code);
  const cut = await refusal(gz.slice(0, gz.length - 20));
  assert.ok(["corrupt_gzip", "truncated"].includes(cut.code), `${cut.code}: ${cut.message}`);
});

import assert from "node:assert/strict";
import {
  ChunkBuffer,
  CopyRowFramer,
} from "../../../../supabase/functions/_shared/backup/export/copy-rows.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function frame(input: Uint8Array, splitEvery: number): { text: string; rows: number; balanced: boolean } {
  const out = new ChunkBuffer(8);
  const framer = new CopyRowFramer(out);
  let text = "";
  for (let i = 0; i < input.length; i += splitEvery) {
    framer.push(input.subarray(i, i + splitEvery));
    const chunk = out.take();
    if (chunk) text += dec.decode(chunk, { stream: true });
  }
  return { text: text + dec.decode(), rows: framer.rows, balanced: framer.balanced };
}

Deno.test("rows become a JSON array body whatever the chunk boundaries", () => {
  const copy = enc.encode('{"a":1}\n{"b":"x\\ny"}\n{"c":"é😀"}\n');
  for (const split of [1, 2, 3, 5, 7, 1000]) {
    const { text, rows, balanced } = frame(copy, split);
    assert.equal(text, '\n{"a":1},\n{"b":"x\\ny"},\n{"c":"é😀"}', `split ${split}`);
    assert.equal(rows, 3);
    assert.ok(balanced);
    assert.deepEqual(JSON.parse(`[${text}]`), [{ a: 1 }, { b: "x\ny" }, { c: "é😀" }]);
  }
});

Deno.test("a CSV-quoted row (json column with raw line breaks) loses its quote bytes and keeps its content", () => {
  const copy = enc.encode('{"id":1}\n\x01{"j":{ "a" : 1,\n "b": 2 }}\x01\n{"id":3}\r\n');
  for (const split of [1, 4, 100]) {
    const { text, rows, balanced } = frame(copy, split);
    assert.equal(text, '\n{"id":1},\n{"j":{ "a" : 1,\n "b": 2 }},\n{"id":3}', `split ${split}`);
    assert.equal(rows, 3);
    assert.ok(balanced);
  }
});

Deno.test("no rows, no output; an unterminated quote is reported", () => {
  assert.deepEqual(frame(new Uint8Array(), 1), { text: "", rows: 0, balanced: true });
  assert.equal(frame(enc.encode('\x01{"a":\n1'), 3).balanced, false);
});

/**
 * What each byte-processing step of the spool costs, on a sample of real backup JSON read from a file:
 * gzip through the web `CompressionStream` (what spool.ts uses; no level setting) and through `node:zlib`
 * at levels 1, 2, 3, 4, 6 and 9, SHA-256 (`node:crypto`) and QuickXorHash (the product's class). Reading the
 * file alone is measured too, so its cost can be subtracted.
 *
 * Prints one JSON line: for each method, input and output bytes, wall and CPU seconds.
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { constants, createGzip } from "node:zlib";
import { QuickXorHash } from "../../supabase/functions/_shared/graph/quick-xor-hash.ts";
import { report, required, type Section, startSection } from "./probe-support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    file: { type: "string" },
    "chunk-size": { type: "string", default: "65536" },
    "max-bytes": { type: "string" },
  },
});
const path = required(values, "file");
const chunkSize = Number(values["chunk-size"]);
const maxBytes = values["max-bytes"] ? Number(values["max-bytes"]) : Number.POSITIVE_INFINITY;

/** The sample's chunks (up to --max-bytes), as the export hands them to the spool (64 KiB by default). */
async function* chunks(): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  let total = 0;
  while (total < maxBytes) {
    const buffer = new Uint8Array(Math.min(chunkSize, maxBytes - total));
    const read = await file.read(buffer);
    if (read === null) return;
    total += read;
    yield buffer.subarray(0, read);
  }
}

interface Measured extends Section {
  method: string;
  inputBytes: number;
  outputBytes: number;
}

async function measure(
  method: string,
  run: () => Promise<{ input: number; output: number }>,
): Promise<Measured> {
  const end = startSection();
  const { input, output } = await run();
  return { method, inputBytes: input, outputBytes: output, ...end() };
}

async function readOnly() {
  let input = 0;
  for await (const chunk of chunks()) input += chunk.length;
  return { input, output: 0 };
}

async function compressionStream() {
  let input = 0;
  let output = 0;
  const source = ReadableStream.from(chunks()).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        input += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const compressed = source.pipeThrough(
    new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  for await (const chunk of compressed) output += chunk.length;
  return { input, output };
}

function nodeGzip(level: number) {
  return async () => {
    let input = 0;
    let output = 0;
    const gzip = createGzip({ level, chunkSize: 64 * 1024 });
    const done = new Promise<void>((resolve, reject) => {
      gzip.on("data", (chunk: Uint8Array) => {
        output += chunk.length;
      });
      gzip.on("end", resolve);
      gzip.on("error", reject);
    });
    for await (const chunk of chunks()) {
      input += chunk.length;
      if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once("drain", resolve));
    }
    gzip.end();
    await done;
    return { input, output };
  };
}

async function sha256() {
  let input = 0;
  const hash = createHash("sha256");
  for await (const chunk of chunks()) {
    input += chunk.length;
    hash.update(chunk);
  }
  hash.digest("hex");
  return { input, output: 32 };
}

async function quickXor() {
  let input = 0;
  const hash = new QuickXorHash();
  for await (const chunk of chunks()) {
    input += chunk.length;
    hash.update(chunk);
  }
  hash.digest();
  return { input, output: 20 };
}

const results: Measured[] = [];
// Once first, unmeasured, so the file is in the page cache for every method alike.
await readOnly();
results.push(await measure("read", readOnly));
results.push(await measure("CompressionStream gzip", compressionStream));
for (const level of [1, 2, 3, 4, 6, 9]) {
  results.push(await measure(`node:zlib gzip level ${level}`, nodeGzip(level)));
}
results.push(await measure("SHA-256 (node:crypto)", sha256));
results.push(await measure("QuickXorHash", quickXor));

report({ probe: "compression", zlibDefaultLevel: constants.Z_DEFAULT_COMPRESSION, results });

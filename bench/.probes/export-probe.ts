/**
 * Our export, measured: the product's own modules, wired as the pipeline wires them
 * (supabase/functions/_shared/backup/run/pipeline.ts): exportBackup → spoolToTempFile (gzip or not, SHA-256 +
 * QuickXorHash) → optionally the Graph client's upload of the spool file to the emulator.
 *
 *   --sink null       the spool writes to /dev/null (through a symlink, so removing the "file" removes the
 *                     link only): the export phase alone, bytes discarded after hashing
 *   --sink emulator   the spool writes a real temp file, then uploads it (--graph-url, --link, AZURE_* env)
 *   --keep PATH       (sink file) keep the uncompressed or compressed spool file at PATH for other probes
 *
 * Prints one JSON line: bytes, rows, export and upload sections (wall and CPU seconds), peak RSS.
 */
import { parseArgs } from "node:util";
import { exportBackup } from "../../supabase/functions/_shared/backup/export/export.ts";
import * as spool from "../../supabase/functions/_shared/backup/export/spool.ts";
import { fileUploadSource } from "../../supabase/functions/_shared/graph/upload-source.ts";
import {
  emulatorGraphClient,
  report,
  required,
  type Section,
  startSection,
  threadCpuSeconds,
} from "./probe-support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "db-url": { type: "string" },
    schemas: { type: "string", default: "public" },
    compression: { type: "string", default: "gzip" },
    sink: { type: "string", default: "null" },
    keep: { type: "string" },
    "graph-url": { type: "string" },
    link: { type: "string" },
    name: { type: "string" },
  },
});

const compression = values.compression;
if (compression !== "gzip" && compression !== "none") {
  throw new Error(
    `Cannot run the export probe: --compression must be "gzip" or "none", not "${compression}"`,
  );
}
const sink = values.sink;
if (sink !== "null" && sink !== "emulator" && sink !== "file") {
  throw new Error(`Cannot run the export probe: --sink must be "null", "file" or "emulator", not "${sink}"`);
}

// A symlink to /dev/null stands for the spool file: the spool deletes its file on errors, and deleting
// the link is harmless where deleting /dev/null itself would not be.
let nullDir: string | null = null;
async function nullSinkPath(): Promise<string> {
  nullDir = await Deno.makeTempDir({ prefix: "bench-null-" });
  const link = `${nullDir}/spool`;
  await Deno.symlink("/dev/null", link);
  return link;
}
const makeTempFile = sink === "null" ? nullSinkPath : undefined;

let jsonBytes = 0;
const endExport = startSection();
const handle = exportBackup({
  dbUrl: required(values, "db-url"),
  schemas: values.schemas.split(","),
  exclude: [],
});
const spooled = await spool.spoolToTempFile(handle.stream, {
  compression,
  onProgress: (json) => {
    jsonBytes = json;
  },
  makeTempFile,
});
const summary = await handle.summary;
const exported = endExport();

let upload: Section | null = null;
if (sink === "emulator") {
  const graphUrl = required(values, "graph-url");
  const client = emulatorGraphClient(graphUrl);
  const endUpload = startSection();
  const folder = await client.resolveFolder({ link: required(values, "link") });
  const item = await client.upload(folder, required(values, "name"), await fileUploadSource(spooled.path), {
    expectedQuickXorHash: spooled.quickXorHash,
  });
  upload = endUpload();
  if (item.size !== spooled.size) {
    throw new Error(`Cannot trust the upload: OneDrive holds ${item.size} bytes instead of ${spooled.size}`);
  }
}

if (values.keep && sink === "file") {
  await Deno.rename(spooled.path, values.keep);
} else {
  await spooled.remove();
}
if (nullDir) await Deno.remove(nullDir, { recursive: true });

// What the product compresses with: spool.ts names its node:zlib level (older versions used CompressionStream).
const level = (spool as Record<string, unknown>).GZIP_LEVEL;
report({
  probe: "export",
  compression,
  gzip: typeof level === "number" ? `node:zlib gzip level ${level}` : "CompressionStream gzip",
  threads: threadCpuSeconds(),
  sink,
  jsonBytes,
  fileBytes: spooled.size,
  rows: summary.rowCount,
  tables: summary.tableCount,
  export: exported,
  upload,
});

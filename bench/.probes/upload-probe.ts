/**
 * Our Graph client uploading one file to the emulator, as the pipeline does after spooling: resolve the
 * sharing link, then `upload()` from a re-openable file source (upload session, 10 MiB fragments,
 * QuickXorHash computed on the way and compared with the driveItem's).
 *
 * Prints one JSON line: bytes, the upload section (wall and CPU seconds, link resolution included), peak RSS.
 */
import { parseArgs } from "node:util";
import { fileUploadSource } from "../../supabase/functions/_shared/graph/upload-source.ts";
import { emulatorGraphClient, report, required, startSection } from "./probe-support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    file: { type: "string" },
    "graph-url": { type: "string" },
    link: { type: "string" },
    name: { type: "string" },
    "fragment-size": { type: "string" },
  },
});
const graphUrl = required(values, "graph-url");
const client = emulatorGraphClient(graphUrl);
const source = await fileUploadSource(required(values, "file"));

const end = startSection();
const folder = await client.resolveFolder({ link: required(values, "link") });
const item = await client.upload(folder, required(values, "name"), source, {
  fragmentSize: values["fragment-size"] ? Number(values["fragment-size"]) : undefined,
});
const section = end();
if (item.size !== source.size) {
  throw new Error(`Cannot trust the upload: OneDrive holds ${item.size} bytes instead of ${source.size}`);
}

report({ probe: "upload", bytes: source.size, upload: section });

/**
 * The reference for upload throughput: `curl` sending a file to the same Graph emulator in the same
 * fragments as our client (10 MiB, `Content-Range`), one curl process reusing one connection for every
 * fragment (`--next`). The session is created with plain fetch calls (token, sharing link, session), then
 * curl does only what a fast HTTP client does: stream each fragment from disk.
 */
import { open, writeFile } from "node:fs/promises";
import path from "node:path";
import { measureProcess, type Measured } from "./measure-process.ts";

export interface GraphTarget {
  graphUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  link: string;
}

/** Graph's `u!` share id: unpadded base64url of the URL's UTF-8 bytes. */
export function shareId(link: string): string {
  return `u!${Buffer.from(link, "utf8").toString("base64url")}`;
}

/** Fragment boundaries [start, end] (inclusive) of a file, as Content-Range needs them. */
export function fragmentRanges(size: number, fragmentSize: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < size; start += fragmentSize) {
    ranges.push([start, Math.min(size, start + fragmentSize) - 1]);
  }
  return ranges;
}

async function json<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`Cannot ${what}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Creates an upload session for `name` in the linked folder; returns its upload URL. */
export async function createUploadSession(target: GraphTarget, name: string): Promise<string> {
  const { access_token: token } = await json<{ access_token: string }>(
    await fetch(`${target.graphUrl}/${target.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        client_id: target.clientId,
        client_secret: target.clientSecret,
        grant_type: "client_credentials",
        scope: `${target.graphUrl}/.default`,
      }),
    }),
    "get a Graph token from the emulator",
  );
  const auth = { authorization: `Bearer ${token}` };
  const folder = await json<{ id: string; parentReference: { driveId: string } }>(
    await fetch(`${target.graphUrl}/v1.0/shares/${shareId(target.link)}/driveItem`, { headers: auth }),
    "resolve the sharing link",
  );
  const session = await json<{ uploadUrl: string }>(
    await fetch(
      `${target.graphUrl}/v1.0/drives/${folder.parentReference.driveId}/items/${folder.id}:/${encodeURIComponent(name)}:/createUploadSession`,
      {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ item: { "@microsoft.graph.conflictBehavior": "fail", name } }),
      },
    ),
    "create an upload session",
  );
  return session.uploadUrl;
}

/** Splits `file` into fragment files in `dir` (curl's `-T` streams a whole file). */
export async function writeFragments(file: string, dir: string, fragmentSize: number): Promise<string[]> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const paths: string[] = [];
    for (const [index, [start, end]] of fragmentRanges(size, fragmentSize).entries()) {
      const buffer = Buffer.alloc(end - start + 1);
      await handle.read(buffer, 0, buffer.length, start);
      const fragment = path.join(dir, `fragment-${String(index).padStart(4, "0")}`);
      await writeFile(fragment, buffer);
      paths.push(fragment);
    }
    return paths;
  } finally {
    await handle.close();
  }
}

/**
 * Uploads pre-split fragments with one curl process; the measured wall time includes creating the session
 * (our client's time includes it too). Fails unless the last fragment completed the file (200 or 201).
 */
export async function curlUpload(
  target: GraphTarget,
  name: string,
  fragments: readonly string[],
  size: number,
  fragmentSize: number,
): Promise<{ seconds: number; measured: Measured }> {
  const started = performance.now();
  const uploadUrl = await createUploadSession(target, name);
  const args: string[] = [];
  for (const [index, [start, end]] of fragmentRanges(size, fragmentSize).entries()) {
    if (index > 0) args.push("--next");
    args.push(
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}\\n",
      "-H",
      "Expect:",
      "-H",
      `Content-Range: bytes ${start}-${end}/${size}`,
      "-T",
      fragments[index] as string,
      uploadUrl,
    );
  }
  const measured = await measureProcess("curl", args);
  const seconds = (performance.now() - started) / 1000;
  const codes = measured.stdout.trim().split("\n");
  const last = codes.at(-1);
  if (codes.length !== fragments.length || (last !== "200" && last !== "201")) {
    throw new Error(`Cannot upload with curl: the emulator answered ${codes.join(", ")}`);
  }
  return { seconds, measured };
}

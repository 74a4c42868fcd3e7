import assert from "node:assert/strict";
import { createStorageClient } from "../../../../supabase/functions/_shared/backup/destinations/storage.ts";
import { BackupError } from "../../../../supabase/functions/_shared/backup/lib/errors.ts";

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

function fakeFetch(responder: (req: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fn: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const s = { method: req.method, url: req.url, headers: req.headers, body: await req.text() };
    seen.push(s);
    return responder(s, seen.length);
  };
  return { fn, seen };
}

const noSleep = () => Promise.resolve();
const file = { path: "/spool", size: 5 };
const openFile = () => Promise.resolve(new Blob(["hello"]).stream());
const client = (f: typeof fetch) =>
  createStorageClient({
    supabaseUrl: "https://p.supabase.co/",
    serviceKey: "service-key",
    fetch: f,
    sleep: noSleep,
    openFile,
  });

Deno.test("upload streams the file with the service key, content type and no upsert", async () => {
  const { fn, seen } = fakeFetch(() => Response.json({ Key: "backups/x" }));
  await client(fn).upload("backup-2026-01-01T00-00-00Z.json.gz", file, "application/gzip");
  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, "POST");
  assert.equal(
    seen[0].url,
    "https://p.supabase.co/storage/v1/object/backups/backup-2026-01-01T00-00-00Z.json.gz",
  );
  assert.equal(seen[0].headers.get("authorization"), "Bearer service-key");
  assert.equal(seen[0].headers.get("apikey"), "service-key");
  assert.equal(seen[0].headers.get("x-upsert"), "false");
  assert.equal(seen[0].headers.get("content-type"), "application/gzip");
  assert.equal(seen[0].body, "hello");
});

Deno.test("an existing object is never overwritten: a clear storage_exists error", async () => {
  for (
    const response of [
      () =>
        Response.json({ statusCode: "409", error: "Duplicate", message: "The resource already exists" }, {
          status: 400,
        }),
      () =>
        Response.json({ statusCode: "409", error: "Duplicate", message: "The resource already exists" }, {
          status: 409,
        }),
    ]
  ) {
    const { fn } = fakeFetch(response);
    await assert.rejects(
      client(fn).upload("backup-a.json.gz", file, "application/gzip"),
      (e: unknown) =>
        e instanceof BackupError && e.code === "storage_exists" &&
        /Cannot store backup "backup-a\.json\.gz" in Storage bucket "backups": an object with this name already exists/
          .test(e.message),
    );
  }
});

Deno.test("5xx and network errors are retried; the upload that landed before a 502 is recognised", async () => {
  let n = 0;
  const { fn, seen } = fakeFetch((req) => {
    if (req.url.includes("/object/list/")) {
      return Response.json([{ name: "backup-b.json.gz", id: "1", metadata: { size: 5 } }]);
    }
    n++;
    if (n === 1) throw new TypeError("connection reset");
    if (n === 2) return new Response("bad gateway", { status: 502 });
    return Response.json({ statusCode: "409", error: "Duplicate", message: "exists" }, { status: 400 });
  });
  await client(fn).upload("backup-b.json.gz", file, "application/gzip");
  assert.equal(seen.filter((s) => s.method === "POST" && s.url.includes("/object/backups/")).length, 3);
});

Deno.test("persistent 503 gives up with storage_unavailable; 413 explains the size limit", async () => {
  const { fn, seen } = fakeFetch(() => new Response("unavailable", { status: 503 }));
  await assert.rejects(
    client(fn).upload("backup-c.json.gz", file, "application/gzip"),
    (e: unknown) =>
      e instanceof BackupError && e.code === "storage_unavailable" &&
      e.message ===
        'Cannot store backup "backup-c.json.gz" in Storage bucket "backups": HTTP 503 "unavailable" (gave up after retries)',
  );
  assert.equal(seen.length, 4);
  const big = fakeFetch(() =>
    Response.json({ statusCode: "413", error: "Payload too large", message: "too big" }, { status: 400 })
  );
  await assert.rejects(
    client(big.fn).upload("backup-d.json.gz", file, "application/gzip"),
    (e: unknown) =>
      e instanceof BackupError && e.code === "storage_too_large" && /file size limit/.test(e.message),
  );
});

Deno.test("list pages through the bucket 100 at a time; find matches the exact name", async () => {
  const all = Array.from(
    { length: 230 },
    (_, i) => ({ name: `f${String(i).padStart(3, "0")}`, id: String(i), metadata: { size: i } }),
  );
  const { fn, seen } = fakeFetch((req) => {
    const body = JSON.parse(req.body);
    const pool = body.search ? all.filter((o) => o.name.includes(body.search)) : all;
    return Response.json([
      { name: "folder", id: null },
      ...pool.slice(body.offset, body.offset + body.limit),
    ]);
  });
  const names: string[] = [];
  for await (const o of client(fn).list()) names.push(o.name);
  assert.equal(names.length, 230);
  assert.deepEqual(seen.map((s) => JSON.parse(s.body).offset), [0, 100, 200]);
  assert.equal(JSON.parse(seen[0].body).limit, 100);
  assert.deepEqual(await client(fn).find("f007"), { name: "f007", size: 7, createdAt: null });
  assert.equal(await client(fn).find("f00"), null);
});

Deno.test("bucketExists distinguishes a missing bucket from an outage", async () => {
  assert.equal(await client(fakeFetch(() => Response.json({ id: "backups" })).fn).bucketExists(), true);
  assert.equal(
    await client(
      fakeFetch(() => Response.json({ statusCode: "404", error: "Bucket not found" }, { status: 400 })).fn,
    )
      .bucketExists(),
    false,
  );
  await assert.rejects(
    client(fakeFetch(() => new Response("", { status: 500 })).fn).bucketExists(),
    /Cannot check Storage bucket "backups": HTTP 500/,
  );
});

Deno.test("remove sends the names in one request", async () => {
  const { fn, seen } = fakeFetch(() => Response.json([]));
  await client(fn).remove(["a", "b"]);
  assert.equal(seen[0].method, "DELETE");
  assert.deepEqual(JSON.parse(seen[0].body), { prefixes: ["a", "b"] });
});

Deno.test("a run's folder: upload to it, find by exact path in it, sign it to download under the file name", async () => {
  const run = "0b7c6f1e-8d2a-4c55-9a63-2f0e4d1b9c77";
  const name = "backup-2026-01-01T00-00-00Z.json.gz";
  const { fn, seen } = fakeFetch((req) => {
    if (req.url.includes("/object/list/")) {
      const body = JSON.parse(req.body);
      // The folder's listing: names relative to it; another file whose name contains the search.
      return Response.json(
        body.prefix === run
          ? [
            { name: `${name}.old`, id: "1", metadata: { size: 1 } },
            { name, id: "2", metadata: { size: 5 } },
          ]
          : [{ name, id: "3", metadata: { size: 99 } }],
      );
    }
    if (req.url.includes("/object/sign/")) {
      return Response.json({ signedURL: `/object/sign/backups/${run}/${name}?token=tok` });
    }
    return Response.json({ Key: `backups/${run}/${name}` });
  });
  const storage = client(fn);
  await storage.upload(`${run}/${name}`, file, "application/gzip");
  assert.equal(seen[0].url, `https://p.supabase.co/storage/v1/object/backups/${run}/${name}`);

  assert.deepEqual(await storage.find(`${run}/${name}`), {
    name: `${run}/${name}`,
    size: 5,
    createdAt: null,
  });
  const listed = JSON.parse(seen[1].body);
  assert.equal(listed.prefix, run, "listed in the run's folder, not at the root");
  assert.equal(listed.search, name);
  assert.equal(await storage.find(`${run}/backup-2026-01-01T00-00-00Z.json`), null);

  const url = new URL(await storage.signDownload(`${run}/${name}`, 300));
  assert.equal(url.pathname, `/storage/v1/object/sign/backups/${run}/${name}`);
  assert.equal(url.searchParams.get("download"), name, "saved under the file name");
  assert.equal(JSON.parse(seen.at(-1)!.body).expiresIn, 300);
});

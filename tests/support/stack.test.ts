import assert from "node:assert/strict";
import { loadStack, parseStackEnv, STACK_MISSING_MESSAGE } from "./stack.ts";

async function withStackJson<T>(path: string, body: () => Promise<T>): Promise<T> {
  const previous = Deno.env.get("STACK_JSON");
  Deno.env.set("STACK_JSON", path);
  try {
    return await body();
  } finally {
    if (previous === undefined) Deno.env.delete("STACK_JSON");
    else Deno.env.set("STACK_JSON", previous);
  }
}

Deno.test("loadStack explains how to start the stack when stack.json is absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withStackJson(`${dir}/stack.json`, async () => {
      await assert.rejects(loadStack(), (error: Error) => error.message.startsWith(STACK_MISSING_MESSAGE));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadStack reads stack.json and the stack.env beside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/stack.json`,
      JSON.stringify({ supabase_url: "http://127.0.0.1:1", users: [] }),
    );
    await Deno.writeTextFile(`${dir}/stack.env`, "# comment\nSUPABASE_URL=http://127.0.0.1:1\nA=b=c\n");
    await withStackJson(`${dir}/stack.json`, async () => {
      const { info, env } = await loadStack();
      assert.equal(info.supabase_url, "http://127.0.0.1:1");
      assert.deepEqual(env, { SUPABASE_URL: "http://127.0.0.1:1", A: "b=c" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseStackEnv skips blank lines and comments", () => {
  assert.deepEqual(parseStackEnv("\n# x=y\nKEY=value\n\n"), { KEY: "value" });
});

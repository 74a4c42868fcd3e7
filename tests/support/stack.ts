/**
 * Access to the running local stack for Deno integration tests: reads the `stack.json` that
 * `npm run dev` (or `npm test`) writes, and the `stack.env` beside it.
 *
 * The path comes from STACK_JSON (set by `npm test`), else `.local/stack.json` at the repository root.
 */

import type { StackInfo } from "../../dev/stack/stack-info.ts";

export type { StackInfo, StackUser } from "../../dev/stack/stack-info.ts";

export const STACK_MISSING_MESSAGE =
  'Cannot find the local stack: start it with "npm run dev" or run "npm test"';

function stackJsonPath(): string {
  const fromEnv = Deno.env.get("STACK_JSON");
  if (fromEnv) return fromEnv;
  return new URL("../../.local/stack.json", import.meta.url).pathname;
}

/** Reads KEY=value lines, ignoring comments and blank lines. */
export function parseStackEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) continue;
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

export async function loadStack(): Promise<{ info: StackInfo; env: Record<string, string> }> {
  const jsonPath = stackJsonPath();
  const json = await readIfPresent(jsonPath);
  if (json === undefined) throw new Error(`${STACK_MISSING_MESSAGE} (no "${jsonPath}")`);
  const info = JSON.parse(json) as StackInfo;
  const envPath = jsonPath.replace(/[^/\\]+$/, "stack.env");
  const envText = await readIfPresent(envPath);
  if (envText === undefined) throw new Error(`${STACK_MISSING_MESSAGE} (no "${envPath}")`);
  return { info, env: parseStackEnv(envText) };
}

// Reads the local stack's description (docs/design.md section 7: `.local/stack.json`, or the file
// named by STACK_JSON that the test runner sets when it starts a stack on free ports).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { StackInfo } from "../dev/stack/stack-info.ts";

export type { StackInfo, StackUser } from "../dev/stack/stack-info.ts";

/** What the end-to-end tests need: a stack started with the app. */
export type AppStackInfo = StackInfo & { app_url: string };

export function stackJsonPath(): string {
  return path.resolve(process.env.STACK_JSON ?? ".local/stack.json");
}

/** The stack description, or undefined when no stack is running. */
export function tryReadStackInfo(): StackInfo | undefined {
  const file = stackJsonPath();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as StackInfo;
}

export function readStackInfo(): AppStackInfo {
  const info = tryReadStackInfo();
  if (!info) {
    throw new Error(
      `Cannot run the end-to-end tests: no local stack at "${stackJsonPath()}"; start one with \`npm run dev\` (or run \`npm test\`, which starts its own and sets STACK_JSON)`,
    );
  }
  for (const key of ["app_url", "supabase_url", "anon_key", "service_role_key"] as const) {
    if (typeof info[key] !== "string" || info[key] === "") {
      throw new Error(`Cannot run the end-to-end tests: "${stackJsonPath()}" has no "${key}"`);
    }
  }
  return info as AppStackInfo;
}

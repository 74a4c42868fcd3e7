import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { alias } from "./vite.config";

// Two Vitest projects: the browser app (jsdom) and the Node tooling in dev/ and scripts/
// (gateway, emulator, stack). Deno tests under supabase/functions, cli/ and tests/ run with `deno test`.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [react()],
        resolve: { alias },
        test: {
          name: "app",
          environment: "jsdom",
          include: ["src/**/*.test.{ts,tsx}"],
          setupFiles: ["src/test/setup.ts"],
          // user-event types and clicks through React and the real supabase-js: a few seconds on a busy
          // 2-core machine, so Vitest's 5 s default cut a passing test short there once.
          testTimeout: 20_000,
          // The real supabase-js client runs in the tests against a fake backend (src/test/fake-backend.ts).
          env: {
            VITE_SUPABASE_URL: "http://supabase.test",
            VITE_SUPABASE_PUBLISHABLE_KEY: "test-publishable-key",
            TZ: "Europe/Paris",
          },
        },
      },
      {
        test: {
          name: "tooling",
          environment: "node",
          include: ["dev/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

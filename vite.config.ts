import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { fileURLToPath } from "node:url";

// Import aliases, shared with vitest.config.ts: `@` is src/; `@contract` is the function's HTTP contract,
// a types-only file the page shares with the function (supabase/functions/_shared/backup/http/contract.ts).
export const alias = {
  "@": fileURLToPath(new URL("./src", import.meta.url)),
  "@contract": fileURLToPath(
    new URL("./supabase/functions/_shared/backup/http/contract.ts", import.meta.url),
  ),
};

// The app reads VITE_SUPABASE_URL and VITE_SUPABASE_PUBLISHABLE_KEY from the environment or a .env file
// (the local stack passes them when it starts the dev server).
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias },
  server: {
    host: "127.0.0.1",
    port: 5173,
    // Only src/ and index.html make the app: edits elsewhere (functions, dev tooling, test output) must not
    // reload an open page, least of all in the middle of an end-to-end test.
    watch: {
      ignored: [
        "**/supabase/**",
        "**/dev/**",
        "**/cli/**",
        "**/scripts/**",
        "**/bench/**",
        "**/docs/**",
        "**/e2e/**",
        "**/tests/**",
        "**/.local/**",
        "**/test-results/**",
        "**/playwright-report/**",
      ],
    },
  },
  preview: { host: "127.0.0.1", port: 4173 },
  // One page whose bulk is React, supabase-js and Radix (about 160 kB gzipped): splitting it would only
  // add requests.
  build: { chunkSizeWarningLimit: 650 },
});

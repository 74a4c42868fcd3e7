import { createClient } from "@supabase/supabase-js";
import type { Database } from "./types";

/** Reads one required build-time variable, with a message that says how to provide it. */
function requireEnv(
  name: "VITE_SUPABASE_URL" | "VITE_SUPABASE_PUBLISHABLE_KEY",
  value: string | undefined,
): string {
  if (!value || value.trim() === "") {
    throw new Error(
      `Cannot start the app: ${name} is not set; add it to .env (see .env.example) or start the local stack with \`npm run dev\``,
    );
  }
  return value.trim();
}

const SUPABASE_URL = requireEnv("VITE_SUPABASE_URL", import.meta.env.VITE_SUPABASE_URL);
const SUPABASE_PUBLISHABLE_KEY = requireEnv(
  "VITE_SUPABASE_PUBLISHABLE_KEY",
  import.meta.env.VITE_SUPABASE_PUBLISHABLE_KEY,
);

// Import the client like this:
// import { supabase } from "@/integrations/supabase/client";
export const supabase = createClient<Database>(SUPABASE_URL, SUPABASE_PUBLISHABLE_KEY, {
  auth: {
    storage: typeof localStorage === "undefined" ? undefined : localStorage,
    persistSession: true,
    autoRefreshToken: true,
  },
});

/**
 * The `stack.json` contract (docs/design.md section 7): how to reach a running local stack. Types
 * only and no imports, so the stack (Node), the Deno tests (tests/support/stack.ts) and the
 * end-to-end tests (e2e/stack-info.ts) all read this one declaration.
 */

export interface StackUser {
  email: string;
  password: string;
  admin: boolean;
}

export interface StackInfo {
  /** The app (Vite), or null when started without it. */
  app_url: string | null;
  /** The gateway: SUPABASE_URL for supabase-js. */
  supabase_url: string;
  anon_key: string;
  service_role_key: string;
  /** New-format keys (`sb_publishable_…` acts as anon, `sb_secret_…` as service_role). */
  publishable_key: string;
  secret_key: string;
  /** Postgres as the database owner (superuser). */
  db_url: string;
  /** The Graph emulator's URL (token host and Graph), or null when real Azure settings are used. */
  graph_emulator_url: string | null;
  /** The emulator's upload host (another loopback address), or null. */
  graph_upload_url: string | null;
  users: StackUser[];
  /** The Deno functions server, directly (the gateway proxies `/functions/v1/<name>` to it). */
  functions_url: string;
  jwt_secret: string;
  state_dir: string;
  /** Where the emulated OneDrive's files land (null with real Azure settings). */
  onedrive_dir: string | null;
  /** Where Storage objects are kept on disk. */
  storage_dir: string;
  /** Process id of the stack (the process running startStack). */
  pid: number;
}

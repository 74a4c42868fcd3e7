/**
 * supabase-js clients of the local stack, as an app's browser code would make them: anon (the public
 * key), a signed-in member, a signed-in admin, and the service role (the function's key).
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { Stack } from "../../support/harness.ts";

export type { SupabaseClient };

export function anonClient(stack: Stack): SupabaseClient {
  return createClient(stack.info.supabase_url, stack.info.anon_key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

export function serviceClient(stack: Stack): SupabaseClient {
  return createClient(stack.info.supabase_url, stack.info.service_role_key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

export async function signedInClient(stack: Stack, email: string): Promise<SupabaseClient> {
  const user = stack.info.users.find((u) => u.email === email);
  if (!user) throw new Error(`Cannot sign in: no user "${email}" in the stack`);
  const client = anonClient(stack);
  const { error } = await client.auth.signInWithPassword({ email, password: user.password });
  if (error) throw new Error(`Cannot sign in as "${email}": ${error.message}`);
  return client;
}

/** One client of each kind of caller, named: anon, the given member's, a signed-in admin's. */
export async function everyRole(
  stack: Stack,
  member: SupabaseClient,
): Promise<Array<[string, SupabaseClient]>> {
  const admin = await signedInClient(stack, stack.info.users.find((u) => u.admin)!.email);
  return [["anon", anonClient(stack)], ["a member", member], ["an admin", admin]];
}

/** storage-api answers errors with HTTP 400 and the real status in `statusCode`: both, and the message. */
export function storageFailure(error: unknown): [number | undefined, string | undefined, string | undefined] {
  const e = error as { status?: number; statusCode?: string; message?: string } | null;
  return [e?.status, e?.statusCode, e?.message];
}

import { useMutation } from "@tanstack/react-query";
import type { AuthError, Session } from "@supabase/supabase-js";
import { supabase } from "@/integrations/supabase/client";

export async function signInWithPassword(email: string, password: string): Promise<Session> {
  const { data, error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) throw error;
  return data.session;
}

export function useSignInMutation() {
  return useMutation<Session, AuthError, { email: string; password: string }>({
    mutationFn: ({ email, password }) => signInWithPassword(email, password),
  });
}

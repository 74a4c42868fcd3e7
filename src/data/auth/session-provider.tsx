import { useEffect, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { supabase } from "@/integrations/supabase/client";
import { SessionContext, type SessionState } from "./session-context";

/** Follows Supabase Auth: the stored session at start, then every sign-in, refresh and sign-out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SessionState>({ status: "loading", session: null });

  useEffect(() => {
    let active = true;
    const { data } = supabase.auth.onAuthStateChange((event, session) => {
      if (!active) return;
      // Another user's cached answers (rights, runs) must never show after a change of user.
      if (event === "SIGNED_OUT") queryClient.clear();
      setState(session ? { status: "signed-in", session } : { status: "signed-out", session: null });
    });
    void supabase.auth.getSession().then(({ data: { session } }) => {
      if (!active) return;
      setState(session ? { status: "signed-in", session } : { status: "signed-out", session: null });
    });
    return () => {
      active = false;
      data.subscription.unsubscribe();
    };
  }, [queryClient]);

  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

import { createContext, useContext } from "react";
import type { Session } from "@supabase/supabase-js";

export type SessionState =
  | { status: "loading"; session: null }
  | { status: "signed-in"; session: Session }
  | { status: "signed-out"; session: null };

export const SessionContext = createContext<SessionState | null>(null);

/** The current Supabase Auth session, kept up to date by <SessionProvider>. */
export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value)
    throw new Error("Cannot read the session: useSession() must be called inside <SessionProvider>");
  return value;
}

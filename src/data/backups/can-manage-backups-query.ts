import { useQuery } from "@tanstack/react-query";
import { supabase } from "@/integrations/supabase/client";
import { backupKeys } from "./keys";

/** Asks the database whether the signed-in user may manage backups (public.can_manage_backups()). */
export async function getCanManageBackups(): Promise<boolean> {
  const { data, error } = await supabase.rpc("can_manage_backups");
  if (error) throw error;
  return data === true;
}

export function useCanManageBackupsQuery({ userId }: { userId: string | undefined }) {
  return useQuery({
    queryKey: backupKeys.canManage(userId),
    queryFn: getCanManageBackups,
    enabled: userId !== undefined,
    staleTime: 5 * 60_000,
  });
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { supabase } from "@/integrations/supabase/client";
import { useI18n } from "@/lib/i18n/i18n-context";

export function useSignOutMutation() {
  const queryClient = useQueryClient();
  const { t } = useI18n();
  return useMutation<void, Error>({
    mutationFn: async () => {
      // "local" ends this browser's session even when the server cannot be reached.
      const { error } = await supabase.auth.signOut({ scope: "local" });
      if (error) throw error;
    },
    onSuccess: () => queryClient.clear(),
    onError: (error) => {
      toast.error(t("header.signOutFailed", { message: error.message }));
    },
  });
}

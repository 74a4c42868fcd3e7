import { AppHeader } from "@/components/app-header";
import { useSession } from "@/data/auth/session-context";
import { useSignOutMutation } from "@/data/auth/sign-out-mutation";
import { useI18n } from "@/lib/i18n/i18n-context";
import { BackupSection } from "./backup-section";

export function SettingsPage() {
  const { t } = useI18n();
  const { session } = useSession();
  const signOut = useSignOutMutation();

  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-md focus:bg-primary focus:px-3 focus:py-2 focus:text-primary-foreground"
      >
        {t("app.skipToContent")}
      </a>
      <AppHeader
        email={session?.user.email}
        onSignOut={() => signOut.mutate()}
        signingOut={signOut.isPending}
      />
      <main
        id="main"
        tabIndex={-1}
        className="mx-auto grid max-w-6xl gap-6 px-3 py-6 outline-none sm:px-6 sm:py-8"
      >
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{t("settings.title")}</h1>
        <BackupSection userId={session?.user.id} />
      </main>
    </div>
  );
}

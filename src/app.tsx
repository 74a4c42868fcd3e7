import { useState, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Link, Navigate, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { LoaderCircleIcon, TriangleAlertIcon } from "lucide-react";
import { ErrorBoundary } from "@/components/error-boundary";
import { Button } from "@/components/ui/button";
import { Toaster } from "@/components/ui/sonner";
import { TooltipProvider } from "@/components/ui/tooltip";
import { useSession } from "@/data/auth/session-context";
import { SessionProvider } from "@/data/auth/session-provider";
import { I18nProvider } from "@/lib/i18n/i18n-provider";
import { useI18n } from "@/lib/i18n/i18n-context";
import { ThemeProvider } from "@/lib/theme";
import { LoginPage } from "@/pages/login/login-page";
import { SettingsPage } from "@/pages/settings/settings-page";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // One retry smooths over a blip without hiding a real error behind seconds of silent retries.
      queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 10_000 },
      mutations: { retry: false },
    },
  });
}

function FullPageSpinner() {
  return (
    <div className="grid min-h-dvh place-items-center" aria-busy="true">
      <LoaderCircleIcon aria-hidden="true" className="size-6 animate-spin text-muted-foreground" />
    </div>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const { status } = useSession();
  const location = useLocation();
  if (status === "loading") return <FullPageSpinner />;
  if (status === "signed-out") return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return children;
}

function LoginRoute() {
  const { status } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && from !== "/login" ? from : "/settings";
  if (status === "loading") return <FullPageSpinner />;
  if (status === "signed-in") return <Navigate to={target} replace />;
  return <LoginPage onSignedIn={() => navigate(target, { replace: true })} />;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <main className="grid min-h-dvh place-items-center p-6 text-center">
      <div className="grid gap-3">
        <h1 className="text-2xl font-semibold">{t("app.notFound.title")}</h1>
        <Button asChild variant="outline">
          <Link to="/settings">{t("app.notFound.back")}</Link>
        </Button>
      </div>
    </main>
  );
}

function CrashPage({ error }: { error: Error }) {
  const { t } = useI18n();
  return (
    <main className="grid min-h-dvh place-items-center p-6">
      <div className="grid max-w-lg gap-3 text-center">
        <TriangleAlertIcon aria-hidden="true" className="mx-auto size-8 text-destructive" />
        <h1 className="text-xl font-semibold">{t("app.crash.title")}</h1>
        <p className="text-sm break-words text-muted-foreground">{error.message}</p>
        <Button onClick={() => window.location.reload()}>{t("app.crash.reload")}</Button>
      </div>
    </main>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to="/settings" replace />} />
      <Route path="/login" element={<LoginRoute />} />
      <Route
        path="/settings"
        element={
          <RequireSession>
            <SettingsPage />
          </RequireSession>
        }
      />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <ThemeProvider>
      <I18nProvider>
        <ErrorBoundary fallback={(error) => <CrashPage error={error} />}>
          <QueryClientProvider client={queryClient}>
            <TooltipProvider delayDuration={250}>
              <SessionProvider>
                <BrowserRouter>
                  <AppRoutes />
                </BrowserRouter>
              </SessionProvider>
              <Toaster position="bottom-right" />
            </TooltipProvider>
          </QueryClientProvider>
        </ErrorBoundary>
      </I18nProvider>
    </ThemeProvider>
  );
}

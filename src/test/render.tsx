import type { ReactElement, ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { Toaster } from "sonner";
import { TooltipProvider } from "@/components/ui/tooltip";
import { I18nProvider } from "@/lib/i18n/i18n-provider";
import type { Language } from "@/lib/i18n/translate";
import { ThemeProvider } from "@/lib/theme";

/** A fresh QueryClient per test, without retries, so errors show at once. */
export function createTestQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

export function renderWithProviders(
  ui: ReactElement,
  {
    language = "en",
    route = "/",
    queryClient = createTestQueryClient(),
  }: {
    language?: Language;
    route?: string;
    queryClient?: QueryClient;
  } = {},
) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <ThemeProvider>
      <I18nProvider language={language}>
        <QueryClientProvider client={queryClient}>
          <TooltipProvider delayDuration={0}>
            <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
            <Toaster />
          </TooltipProvider>
        </QueryClientProvider>
      </I18nProvider>
    </ThemeProvider>
  );
  return { queryClient, ...render(ui, { wrapper }) };
}

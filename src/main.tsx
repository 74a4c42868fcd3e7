import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import { detectLanguage, translate } from "@/lib/i18n/translate";
import { LANGUAGE_STORAGE_KEY } from "@/lib/i18n/i18n-provider";

const container = document.getElementById("root");
if (!container) throw new Error("Cannot start the app: index.html has no #root element");
const root = createRoot(container);

/** Shown when the app cannot even start (typically missing VITE_SUPABASE_* settings). */
function StartupError({ error }: { error: unknown }) {
  let saved: string | null;
  try {
    saved = localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    saved = null; // storage blocked: use the browser's language
  }
  const language = detectLanguage(saved, navigator.languages ?? [navigator.language]);
  return (
    <main className="grid min-h-dvh place-items-center p-6">
      <div role="alert" className="grid max-w-xl gap-2 rounded-xl border border-destructive/40 bg-card p-6">
        <h1 className="text-lg font-semibold text-destructive">
          {translate(language, "app.configError.title")}
        </h1>
        <p className="text-sm break-words">{error instanceof Error ? error.message : String(error)}</p>
      </div>
    </main>
  );
}

// The app module creates the Supabase client at import time, which throws a clear error when the
// environment is missing: load it dynamically so that error is shown instead of a blank page.
import("./app")
  .then(({ App }) =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  )
  .catch((error: unknown) => root.render(<StartupError error={error} />));

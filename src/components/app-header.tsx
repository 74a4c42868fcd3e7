import { CloudIcon, LanguagesIcon, LogOutIcon, MoonIcon, SunIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useI18n } from "@/lib/i18n/i18n-context";
import { LANGUAGE_NAMES, LANGUAGES, type Language } from "@/lib/i18n/translate";
import { useTheme } from "@/lib/theme";

export function LanguageSwitch() {
  const { t, language, setLanguage } = useI18n();
  return (
    <Select value={language} onValueChange={(value) => setLanguage(value as Language)}>
      <SelectTrigger size="sm" aria-label={t("header.language")} className="gap-1.5">
        <LanguagesIcon aria-hidden="true" />
        <SelectValue>
          <span className="sm:hidden" aria-hidden="true">
            {language.toUpperCase()}
          </span>
          <span className="sr-only sm:not-sr-only">{LANGUAGE_NAMES[language]}</span>
        </SelectValue>
      </SelectTrigger>
      <SelectContent align="end">
        {LANGUAGES.map((code) => (
          <SelectItem key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  );
}

export function ThemeToggle() {
  const { t } = useI18n();
  const { resolvedTheme, setTheme } = useTheme();
  const label = resolvedTheme === "dark" ? t("header.theme.toLight") : t("header.theme.toDark");
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <Button
          variant="ghost"
          size="icon"
          className="size-8"
          aria-label={label}
          onClick={() => setTheme(resolvedTheme === "dark" ? "light" : "dark")}
        >
          {resolvedTheme === "dark" ? <SunIcon aria-hidden="true" /> : <MoonIcon aria-hidden="true" />}
        </Button>
      </TooltipTrigger>
      <TooltipContent>{label}</TooltipContent>
    </Tooltip>
  );
}

export function AppHeader({
  email,
  onSignOut,
  signingOut,
}: {
  email?: string;
  onSignOut?: () => void;
  signingOut?: boolean;
}) {
  const { t } = useI18n();
  return (
    <header className="sticky top-0 z-40 border-b bg-background/85 backdrop-blur supports-[backdrop-filter]:bg-background/70">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-3 px-3 sm:px-6">
        <div className="flex min-w-0 items-center gap-2 font-semibold">
          <span className="grid size-8 shrink-0 place-items-center rounded-lg bg-primary text-primary-foreground">
            <CloudIcon aria-hidden="true" className="size-4.5" />
          </span>
          <span className="truncate">{t("app.title")}</span>
        </div>
        <div className="ml-auto flex items-center gap-1.5 sm:gap-2">
          {email && (
            <span className="hidden max-w-56 truncate text-sm text-muted-foreground md:inline" title={email}>
              {t("header.signedInAs", { email })}
            </span>
          )}
          <LanguageSwitch />
          <ThemeToggle />
          {onSignOut && (
            <Button
              variant="outline"
              size="sm"
              onClick={onSignOut}
              disabled={signingOut}
              aria-label={t("header.signOut")}
            >
              <LogOutIcon aria-hidden="true" />
              <span className="hidden sm:inline">{t("header.signOut")}</span>
            </Button>
          )}
        </div>
      </div>
    </header>
  );
}

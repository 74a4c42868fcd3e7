import { createContext, useContext } from "react";
import type { TranslationKey } from "./fr";
import type { Language, PluralKey, TranslationParams } from "./translate";

export interface I18n {
  language: Language;
  /** BCP 47 locale for Intl formatting. */
  locale: string;
  setLanguage: (language: Language) => void;
  t: (key: TranslationKey, params?: TranslationParams) => string;
  /** Plural-aware translation: `tp("config.retentionCount", 30)`. */
  tp: (key: PluralKey, count: number, params?: TranslationParams) => string;
}

export const I18nContext = createContext<I18n | null>(null);

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("Cannot translate: useI18n() must be called inside <I18nProvider>");
  return value;
}

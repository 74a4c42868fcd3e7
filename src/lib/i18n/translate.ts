import { en } from "./en";
import { fr, type Dictionary, type TranslationKey } from "./fr";

export type Language = "fr" | "en";

export const LANGUAGES: readonly Language[] = ["fr", "en"];

export const dictionaries: Record<Language, Dictionary> = { fr, en };

/** The BCP 47 locale handed to Intl for each language. */
export const LOCALES: Record<Language, string> = { fr: "fr-FR", en: "en-GB" };

/** The language's own name, for the language switch. */
export const LANGUAGE_NAMES: Record<Language, string> = { fr: "Français", en: "English" };

export type TranslationParams = Record<string, string | number>;

/** Keys that have `.one` and `.other` forms, without the suffix. */
export type PluralKey = {
  [K in TranslationKey]: K extends `${infer Base}.other` ? Base : never;
}[TranslationKey];

/** Replaces each {name} with its parameter; a placeholder without a value stays visible. */
export function interpolate(template: string, params?: TranslationParams): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function translate(language: Language, key: TranslationKey, params?: TranslationParams): string {
  return interpolate(dictionaries[language][key], params);
}

/** Picks the `.one` or `.other` form with the language's plural rules and fills {count}. */
export function translatePlural(
  language: Language,
  key: PluralKey,
  count: number,
  params?: TranslationParams,
): string {
  const category = new Intl.PluralRules(LOCALES[language]).select(count);
  const form = `${key}.${category === "one" ? "one" : "other"}` as TranslationKey;
  return interpolate(dictionaries[language][form], { count, ...params });
}

/**
 * The language to show: the saved choice, else French for a French browser, else English.
 * `preferred` is navigator.languages (most preferred first).
 */
export function detectLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved === "fr" || saved === "en") return saved;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split("-")[0];
    if (primary === "fr") return "fr";
    if (primary === "en") return "en";
  }
  return "en";
}

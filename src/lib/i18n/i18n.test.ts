import { describe, expect, it } from "vitest";
import { en } from "./en";
import { fr } from "./fr";
import { detectLanguage, dictionaries, interpolate, translate, translatePlural } from "./translate";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dictionaries", () => {
  it("have exactly the same keys in French and English", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
  });

  it("have no empty text", () => {
    for (const [language, dictionary] of Object.entries(dictionaries)) {
      for (const [key, text] of Object.entries(dictionary)) {
        expect(text.trim(), `${language} ${key}`).not.toBe("");
      }
    }
  });

  it("use the same placeholders in both languages", () => {
    for (const key of Object.keys(fr) as Array<keyof typeof fr>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(fr[key]));
    }
  });

  it("give every plural key both forms", () => {
    for (const key of Object.keys(fr)) {
      if (key.endsWith(".one")) expect(Object.keys(fr)).toContain(key.replace(/\.one$/, ".other"));
      if (key.endsWith(".other")) expect(Object.keys(fr)).toContain(key.replace(/\.other$/, ".one"));
    }
  });

  it("translate the words people see first", () => {
    expect(translate("fr", "actions.backupNow")).toBe("Sauvegarder maintenant");
    expect(translate("en", "actions.backupNow")).toBe("Backup now");
  });
});

describe("interpolation", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
    expect(translate("en", "history.page", { page: 2, pages: 5 })).toBe("Page 2 of 5");
  });

  it("chooses plural forms with each language's rules", () => {
    expect(translatePlural("en", "config.retentionCount", 1)).toBe("The newest one");
    expect(translatePlural("en", "config.retentionCount", 30)).toBe("The newest 30");
    expect(translatePlural("fr", "config.retentionCount", 30)).toBe("Les 30 plus récentes");
    // French treats 0 as singular.
    expect(translatePlural("fr", "toast.testProblems", 0)).toBe("Test terminé : 0 vérification en échec");
    expect(translatePlural("en", "toast.testProblems", 0)).toBe("Test finished: 0 checks failed");
  });
});

describe("detectLanguage", () => {
  it("prefers the saved choice", () => {
    expect(detectLanguage("en", ["fr-FR"])).toBe("en");
    expect(detectLanguage("fr", ["en-US"])).toBe("fr");
  });

  it("uses the first French or English browser language", () => {
    expect(detectLanguage(null, ["fr-CA", "en"])).toBe("fr");
    expect(detectLanguage(null, ["de-DE", "en-GB", "fr"])).toBe("en");
    expect(detectLanguage(null, ["de-DE", "fr-BE"])).toBe("fr");
  });

  it("falls back to English, ignoring unknown saved values", () => {
    expect(detectLanguage("xx", ["de-DE"])).toBe("en");
    expect(detectLanguage(null, [])).toBe("en");
  });
});

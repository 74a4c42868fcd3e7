import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelativeTime,
  formatScheduleDateTime,
  formatTimeOfDay,
} from "./format";

// Intl separates French groups with a narrow no-break space; compare with ordinary spaces.
const plain = (text: string) => text.replace(/[\u202f\u00a0]/g, " ");

describe("formatNumber", () => {
  it("groups digits the way each language does", () => {
    expect(plain(formatNumber(20345, "fr-FR"))).toBe("20 345");
    expect(formatNumber(20345, "en-GB")).toBe("20,345");
  });
});

describe("formatBytes", () => {
  it("uses decimal units with the locale's unit names", () => {
    expect(plain(formatBytes(15_300_000, "fr-FR"))).toBe("15 Mo");
    expect(formatBytes(15_300_000, "en-GB")).toBe("15 MB");
    expect(plain(formatBytes(1500, "fr-FR"))).toBe("1,5 ko");
    expect(formatBytes(2_500_000_000, "en-GB")).toBe("2.5 GB");
  });

  it("spells out small sizes in bytes", () => {
    expect(formatBytes(999, "en-GB")).toBe("999 bytes");
    expect(plain(formatBytes(0, "fr-FR"))).toBe("0 octet");
  });
});

describe("formatDuration", () => {
  it("shows at most two units, largest first", () => {
    expect(plain(formatDuration(12_000, "en-GB"))).toBe("12s");
    expect(plain(formatDuration(125_000, "en-GB"))).toBe("2m 5s");
    expect(plain(formatDuration(3_900_000, "fr-FR"))).toBe("1 h 5 min");
    expect(plain(formatDuration(125_000, "fr-FR"))).toBe("2 min 5 s");
  });

  it("leaves out a zero second unit", () => {
    expect(plain(formatDuration(120_000, "en-GB"))).toBe("2m");
    expect(plain(formatDuration(7_200_000, "fr-FR"))).toBe("2 h");
  });

  it("never shows a negative duration", () => {
    expect(plain(formatDuration(-5_000, "en-GB"))).toBe("0s");
  });
});

describe("formatRelativeTime", () => {
  const now = new Date("2026-11-24T12:00:00Z");

  it("picks the largest sensible unit, in the past and the future", () => {
    expect(formatRelativeTime("2026-11-24T11:55:00Z", now, "en-GB")).toBe("5 minutes ago");
    expect(formatRelativeTime("2026-11-24T11:55:00Z", now, "fr-FR")).toBe("il y a 5 minutes");
    expect(formatRelativeTime("2026-11-24T15:00:00Z", now, "en-GB")).toBe("in 3 hours");
    expect(formatRelativeTime("2026-11-23T11:00:00Z", now, "fr-FR")).toBe("hier");
  });

  it("says now for the last few seconds", () => {
    expect(formatRelativeTime("2026-11-24T11:59:50Z", now, "en-GB")).toBe("now");
  });
});

describe("dates", () => {
  it("formats the exact time with seconds and the time zone", () => {
    const text = formatDateTime("2026-11-24T11:55:07Z", "fr-FR", "Europe/Paris");
    expect(text).toContain("24 novembre 2026");
    expect(text).toContain("12:55:07");
  });

  it("formats a schedule date with its weekday in the given zone", () => {
    expect(formatScheduleDateTime("2026-11-25T01:00:00Z", "fr-FR", "Europe/Paris")).toBe(
      "mercredi 25 novembre à 02:00",
    );
  });

  it("formats a time of day in the locale's clock", () => {
    expect(formatTimeOfDay(2, 5, "fr-FR")).toBe("02:05");
    expect(formatTimeOfDay(14, 30, "en-US")).toBe("02:30 PM");
  });
});

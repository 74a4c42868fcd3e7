import { describe, expect, it } from "vitest";
import {
  runsMoreThanHourly,
  instantOfWallTime,
  nextCronRun,
  sameSchedule,
  scheduleToUtcCron,
  utcCronToSchedule,
} from "./schedule-cron";

const winter = new Date("2026-11-24T12:00:00Z");
const summer = new Date("2026-07-01T12:00:00Z");

describe("scheduleToUtcCron", () => {
  it("turns off into null", () => {
    expect(scheduleToUtcCron({ kind: "off" }, "Europe/Paris", winter)).toBeNull();
  });

  it("converts a daily local time with the current season's offset", () => {
    expect(scheduleToUtcCron({ kind: "daily", hour: 2, minute: 0 }, "Europe/Paris", winter)).toBe(
      "0 1 * * *",
    );
    expect(scheduleToUtcCron({ kind: "daily", hour: 2, minute: 0 }, "Europe/Paris", summer)).toBe(
      "0 0 * * *",
    );
    expect(scheduleToUtcCron({ kind: "daily", hour: 2, minute: 0 }, "UTC", winter)).toBe("0 2 * * *");
  });

  it("keeps half-hour offsets exact", () => {
    expect(scheduleToUtcCron({ kind: "daily", hour: 2, minute: 0 }, "Asia/Kolkata", winter)).toBe(
      "30 20 * * *",
    );
  });

  it("moves the weekday when the UTC time falls on another day", () => {
    // Monday 00:30 in Paris is Sunday 23:30 UTC in winter.
    expect(
      scheduleToUtcCron({ kind: "weekly", weekday: 1, hour: 0, minute: 30 }, "Europe/Paris", winter),
    ).toBe("30 23 * * 0");
    // Saturday 22:00 in New York is Sunday 03:00 UTC in winter.
    expect(
      scheduleToUtcCron({ kind: "weekly", weekday: 6, hour: 22, minute: 0 }, "America/New_York", winter),
    ).toBe("0 3 * * 0");
  });

  it("refuses a time that does not exist", () => {
    expect(() => scheduleToUtcCron({ kind: "daily", hour: 24, minute: 0 }, "UTC", winter)).toThrow(
      /not a time of day/,
    );
  });
});

describe("utcCronToSchedule", () => {
  it("reads empty and null as off", () => {
    expect(utcCronToSchedule(null, "Europe/Paris", winter)).toEqual({ kind: "off" });
    expect(utcCronToSchedule("  ", "Europe/Paris", winter)).toEqual({ kind: "off" });
  });

  it("reads daily and weekly expressions back in local time", () => {
    expect(utcCronToSchedule("0 1 * * *", "Europe/Paris", winter)).toEqual({
      kind: "daily",
      hour: 2,
      minute: 0,
    });
    expect(utcCronToSchedule("30 23 * * 0", "Europe/Paris", winter)).toEqual({
      kind: "weekly",
      weekday: 1,
      hour: 0,
      minute: 30,
    });
    expect(utcCronToSchedule("0 3 * * 7", "America/New_York", winter)).toEqual({
      kind: "weekly",
      weekday: 6,
      hour: 22,
      minute: 0,
    });
  });

  it("round-trips every hour of a day and every weekday", () => {
    for (const timeZone of ["Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]) {
      for (let hour = 0; hour < 24; hour += 1) {
        const daily = { kind: "daily" as const, hour, minute: 15 };
        expect(utcCronToSchedule(scheduleToUtcCron(daily, timeZone, winter), timeZone, winter)).toEqual(
          daily,
        );
      }
      for (const weekday of [0, 1, 2, 3, 4, 5, 6] as const) {
        const weekly = { kind: "weekly" as const, weekday, hour: 23, minute: 45 };
        expect(utcCronToSchedule(scheduleToUtcCron(weekly, timeZone, winter), timeZone, winter)).toEqual(
          weekly,
        );
      }
    }
  });

  it("reports other expressions as custom", () => {
    expect(utcCronToSchedule("*/15 * * * *", "UTC", winter)).toEqual({
      kind: "custom",
      cron: "*/15 * * * *",
    });
    expect(utcCronToSchedule("0 2 1 * *", "UTC", winter)).toEqual({ kind: "custom", cron: "0 2 1 * *" });
    expect(utcCronToSchedule("75 2 * * *", "UTC", winter)).toEqual({ kind: "custom", cron: "75 2 * * *" });
  });
});

describe("helpers", () => {
  it("finds the instant of a wall time, across a daylight-saving change", () => {
    expect(
      instantOfWallTime({ year: 2026, month: 11, day: 24, hour: 2, minute: 0 }, "Europe/Paris").toISOString(),
    ).toBe("2026-11-24T01:00:00.000Z");
    expect(
      instantOfWallTime({ year: 2026, month: 7, day: 1, hour: 2, minute: 0 }, "Europe/Paris").toISOString(),
    ).toBe("2026-07-01T00:00:00.000Z");
  });

  it("computes the next run of a UTC expression and rejects invalid ones", () => {
    expect(nextCronRun("0 1 * * *", winter)?.toISOString()).toBe("2026-11-25T01:00:00.000Z");
    expect(nextCronRun("not a cron", winter)).toBeNull();
  });

  it("tells which expressions run more than once an hour (refused by the function)", () => {
    for (const cron of ["* * * * *", "*/30 * * * *", "0,30 2 * * *", "0-1 3 1 1 *"]) {
      expect(runsMoreThanHourly(cron), cron).toBe(true);
    }
    for (const cron of ["0 * * * *", "0 2 * * *", "59 */2 * * *", "0 0,12 * * 1", "not a cron"]) {
      expect(runsMoreThanHourly(cron), cron).toBe(false);
    }
  });

  it("compares schedules by what they do", () => {
    expect(sameSchedule({ kind: "off" }, { kind: "off" })).toBe(true);
    expect(sameSchedule({ kind: "daily", hour: 2, minute: 0 }, { kind: "daily", hour: 2, minute: 0 })).toBe(
      true,
    );
    expect(sameSchedule({ kind: "daily", hour: 2, minute: 0 }, { kind: "daily", hour: 3, minute: 0 })).toBe(
      false,
    );
    expect(
      sameSchedule(
        { kind: "weekly", weekday: 1, hour: 2, minute: 0 },
        { kind: "weekly", weekday: 2, hour: 2, minute: 0 },
      ),
    ).toBe(false);
    expect(sameSchedule({ kind: "daily", hour: 2, minute: 0 }, { kind: "custom", cron: "0 2 * * *" })).toBe(
      false,
    );
  });
});

import { describe, expect, it } from "vitest";
import { parseDaemonArgs, UsageError } from "./config.ts";

const options = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parseDaemonArgs(argv, env);
  if (parsed.help) throw new Error("help");
  return parsed.options;
};

describe("R14's limits: flags and ROSTER_* environment", () => {
  it("none given: no overrides (the daemon's defaults hold)", () => {
    expect(options([]).abuse).toEqual({});
  });

  it("each limit by environment, flags win, 0 allowed (off)", () => {
    const env = {
      ROSTER_ORGS_PER_USER_PER_DAY: "5",
      ROSTER_EMAILS_PER_ORG_PER_HOUR: "50",
      ROSTER_EMAILS_PER_ADDRESS_PER_DAY: "3",
    };
    expect(options([], env).abuse).toEqual({
      orgsPerUserPerDay: 5,
      emailsPerOrgPerHour: 50,
      emailsPerAddressPerDay: 3,
    });
    expect(
      options(["--emails-per-org-per-hour", "7", "--orgs-per-user-per-day", "0"], env).abuse,
    ).toEqual({ orgsPerUserPerDay: 0, emailsPerOrgPerHour: 7, emailsPerAddressPerDay: 3 });
  });

  it("a value that is not a whole number is a usage error naming the flag", () => {
    expect(() => options(["--emails-per-address-per-day", "ten"])).toThrow(UsageError);
    expect(() => options([], { ROSTER_ORGS_PER_USER_PER_DAY: "-1" })).toThrow(
      /--orgs-per-user-per-day must be a whole number/,
    );
  });
});

describe("retention", () => {
  it("--retention-days or ROSTER_RETENTION_DAYS, at least 1; unset: the default (30) applies", () => {
    expect(options([]).retentionDays).toBeUndefined();
    expect(options([], { ROSTER_RETENTION_DAYS: "7" }).retentionDays).toBe(7);
    expect(options(["--retention-days", "90"], { ROSTER_RETENTION_DAYS: "7" }).retentionDays).toBe(
      90,
    );
    expect(() => options(["--retention-days", "0"])).toThrow(/--retention-days must be/);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("URLs with passwords from a file or the environment", () => {
  const dir = mkdtempSync(join(tmpdir(), "roster-config-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  it("--database-url-file and --smtp-url-file read the URL (a final newline is ignored)", () => {
    const db = file("db", "postgres://roster:s3cret@db.example:5432/roster\n");
    const smtp = file("smtp", "smtps://mailer:pw@smtp.example:465\n");
    expect(options(["--database-url-file", db, "--smtp-url-file", smtp])).toMatchObject({
      databaseUrl: "postgres://roster:s3cret@db.example:5432/roster",
      smtpUrl: "smtps://mailer:pw@smtp.example:465",
    });
  });

  it("ROSTER_DATABASE_URL / ROSTER_SMTP_URL, or their _FILE forms; a flag wins over both", () => {
    const db = file("db2", "postgresql://u:p@h/d");
    expect(options([], { ROSTER_DATABASE_URL_FILE: db }).databaseUrl).toBe("postgresql://u:p@h/d");
    expect(options([], { ROSTER_SMTP_URL: "smtp://u:p@h:25" }).smtpUrl).toBe("smtp://u:p@h:25");
    expect(
      options(["--database-url", "postgres://flag@h/d"], { ROSTER_DATABASE_URL_FILE: db })
        .databaseUrl,
    ).toBe("postgres://flag@h/d");
  });

  it("refuses both a flag and its file, an unreadable or empty file, and never echoes a password", () => {
    const db = file("db3", "postgres://u:p@h/d");
    expect(() => options(["--database-url", "postgres://h/d", "--database-url-file", db])).toThrow(
      /--database-url or --database-url-file, not both/,
    );
    expect(() => options(["--smtp-url-file", join(dir, "missing")])).toThrow(
      /--smtp-url-file: cannot read .*ENOENT/,
    );
    expect(() => options(["--smtp-url-file", file("empty", "\n")])).toThrow(/is empty/);
    const bad = file("bad", "not a url with hunter2@password");
    let message = "";
    try {
      options(["--database-url-file", bad]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/--database-url is not a URL/);
    expect(message).not.toContain("hunter2");
  });
});

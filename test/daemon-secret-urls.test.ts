/**
 * Secrets in URLs (issue 12): a daemon given its SMTP URL (with a password)
 * in a file shows no password in its command line (`ps`, /proc/<pid>/cmdline)
 * nor in its log, and sends through that server. The same real process
 * takes an abuse limit (R14) from the environment: over it, 429.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSmtpSink, type SmtpSink } from "./support/smtp-sink.ts";
import { http, startTestDaemon, tempDir, type TestDaemon } from "./support/daemon.ts";

const PASSWORD = "pw-only-in-the-file";
let sink: SmtpSink;
let d: TestDaemon;

beforeAll(async () => {
  sink = await createSmtpSink({ secure: true, auth: { user: "roster", pass: PASSWORD } });
  await sink.start();
  expect(sink.url).toContain(PASSWORD);
  const file = join(tempDir("roster-secret-"), "smtp-url");
  writeFileSync(file, `${sink.url}\n`, { mode: 0o600 });
  d = await startTestDaemon({
    args: ["--smtp-url-file", file],
    env: { ROSTER_EMAILS_PER_ORG_PER_HOUR: "1" },
  });
});
afterAll(async () => {
  await d?.cleanup();
  await sink?.stop();
});

describe("an SMTP URL read from a file", () => {
  it("is not on the daemon's command line nor in its log, and the mail goes through it", async () => {
    const cmdline = readFileSync(`/proc/${d.pid}/cmdline`, "utf8");
    expect(cmdline).toContain("--smtp-url-file");
    expect(cmdline).not.toContain(PASSWORD);

    const owner = await d.setupOrg();
    const first = await http(d.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
      json: { email: "via-smtp@example.com" },
    });
    expect(first.status).toBe(201);
    const [mail] = await sink.waitForMessages(1, 30_000);
    expect(mail?.to).toEqual(["via-smtp@example.com"]);
    expect(d.output()).not.toContain(PASSWORD);

    // ROSTER_EMAILS_PER_ORG_PER_HOUR=1: the org's second email this hour is refused.
    const second = await http(d.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
      json: { email: "second@example.com" },
    });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ reason: "rate_limited" });
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(3000);
  });
});

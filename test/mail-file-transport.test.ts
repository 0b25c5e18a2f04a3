/**
 * The default transport in a real daemon process (SPEC §4): with no SMTP URL
 * every invitation email is an RFC 5322 `.eml` file under `<dataDir>/mail/`,
 * and the activation link is in the daemon's log for the local operator.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Invite } from "@roster/core";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { LINK_RE } from "./support/smtp-sink.ts";
import { waitUntil } from "./support/until.ts";

let d: TestDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startTestDaemon({ publicUrl: "https://roster.example.com/base/", resendIntervalS: 0 });
  owner = await d.setupOrg({ org: "Acme", email: "alice@example.com", name: "Alice" });
});
afterAll(async () => {
  await d?.cleanup();
});

/** Polls (a throwing check counts as "not yet"); a timeout shows the daemon's output. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>) =>
  waitUntil(what, fn, { daemon: d, ignoreErrors: true });

async function emlFiles(): Promise<string[]> {
  const dir = join(d.dataDir, "mail");
  return (await readdir(dir)).filter((f) => f.endsWith(".eml")).map((f) => join(dir, f));
}

interface LogLine {
  level: number;
  msg: string;
  link?: string;
  file?: string;
  component?: string;
}
function logLines(): LogLine[] {
  return d
    .output()
    .split("\n")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

describe("file transport (default)", () => {
  it("writes one parseable .eml per invitation and logs the activation link", async () => {
    const inv = await d.client(owner.token).createInvite(owner.orgID, { email: "bob@example.com" });
    const [file] = await until("the .eml file", async () => {
      const f = await emlFiles();
      return f.length === 1 ? f : undefined;
    });
    expect((await stat(file!)).mode & 0o777).toBe(0o600);
    const parsed = await simpleParser(await readFile(file!));
    expect(parsed.subject).toBe("Alice invited you to join Acme on Roster");
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : "").toBe("bob@example.com");
    expect(parsed.from?.value[0]).toMatchObject({
      name: "Roster",
      address: "roster@roster.example.com",
    });
    expect(parsed.messageId).toMatch(/^<.+@.+>$/);
    expect(parsed.html).toBeTruthy();
    const m = LINK_RE.exec(parsed.text ?? "");
    expect(m).not.toBeNull();
    const link = m![0];
    // The configured public URL builds the link.
    expect(link.startsWith("https://roster.example.com/base/activate/")).toBe(true);

    // The same link is in the daemon's log, at info level, naming the file.
    const logged = await until("the log line", async () =>
      logLines().find((l) => l.link !== undefined && l.file === file),
    );
    expect(logged.level).toBe(30);
    expect(logged.link).toBe(link);
    expect(logged.msg).toContain(link);
    expect(logged.component).toBe("mail");

    const sent = await until("delivery sent", async () => {
      const r = await http(d.url, "GET", `/api/v2/orgs/${owner.orgID}/invites`, {
        token: owner.token,
      });
      const i = (r.body.invites as Invite[]).find((x) => x.id === inv.id);
      return i?.delivery.state === "sent" ? i : undefined;
    });
    expect(sent.delivery).toEqual({ state: "sent", attempts: 1 });

    // The token from the file accepts the invitation.
    const token = decodeURIComponent(m![1]!);
    const ok = await http(d.url, "POST", "/api/v2/invites/accept", { json: { token } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe("bob@example.com");
  });

  it("a resend writes a second file with a new link", async () => {
    const c = d.client(owner.token);
    const inv = await c.createInvite(owner.orgID, { email: "carol@example.com" });
    await until("the first file", async () => ((await emlFiles()).length === 2 ? true : undefined));
    await until("first sent", async () => {
      const r = await c.listInvites(owner.orgID);
      return r.invites.find((i) => i.id === inv.id)?.delivery.state === "sent";
    });
    await c.resendInvite(owner.orgID, inv.id);
    const files = await until("the second file", async () => {
      const f = await emlFiles();
      return f.length === 3 ? f : undefined;
    });
    const toCarol = [];
    for (const f of files) {
      const p = await simpleParser(await readFile(f));
      const to = p.to && !Array.isArray(p.to) ? p.to.text : "";
      if (to === "carol@example.com") toCarol.push(LINK_RE.exec(p.text ?? "")?.[0]);
    }
    expect(toCarol).toHaveLength(2);
    expect(toCarol.every((l) => l !== undefined)).toBe(true);
    expect(new Set(toCarol).size).toBe(2);
  });
});

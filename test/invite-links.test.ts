/**
 * `activationURL` (SPEC §2): the answer to the create or resend that minted a
 * link carries it when the daemon shows links — by default with the file
 * transport, with SMTP only when asked (`--show-invite-links`) — and lists
 * and the change log never do. The link opens the activation page; the CLI
 * prints it (and `--json` includes it).
 */
import type { Invite } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roster, tempDir, type RunResult } from "./cli-support.ts";
import {
  http,
  startInProcessDaemon,
  startTestDaemon,
  type InProcessDaemon,
  type OrgSetup,
  type TestDaemon,
} from "./support/daemon.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: { path: string; remove: () => Promise<void> };
const extra: InProcessDaemon[] = [];

const run = (args: string[]) =>
  roster(args, {
    configHome: home.path,
    env: { ROSTER_URL: daemon.url, ROSTER_TOKEN: owner.token },
  });
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  daemon = await startTestDaemon({ resendIntervalS: 0 });
  owner = await daemon.setupOrg({ org: "Linked", email: "owner@example.com" });
  home = await tempDir("roster-links-");
}, 60_000);

afterAll(async () => {
  await daemon?.cleanup();
  await home?.remove();
  for (const d of extra) await d.close();
});

const LINK = /^http:\/\/127\.0\.0\.1:\d+\/activate\/[A-Za-z0-9_%-]+$/;

describe("the file transport (the default)", { timeout: 60_000 }, () => {
  it("the create answer carries the link, and it opens the activation page", async () => {
    const r = await http(daemon.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
      json: { email: "new@example.com" },
    });
    expect(r.status).toBe(201);
    expect(r.body.activationURL).toMatch(LINK);
    expect(r.body.activationURL.startsWith(daemon.url)).toBe(true);
    const page = await fetch(r.body.activationURL as string);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Linked");
    expect(html).toContain("owner@example.com");
    expect(html).toContain("<form");

    // Never in the list or the change log.
    const list = await http(daemon.url, "GET", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
    });
    expect(list.text).not.toContain("activationURL");
    expect(list.text).not.toContain("/activate/");
    const changes = await http(daemon.url, "GET", `/api/v2/orgs/${owner.orgID}/changes?since=0`, {
      token: owner.token,
    });
    expect(changes.status).toBe(200);
    expect(changes.text).not.toContain("activationURL");
    expect(changes.text).not.toContain("/activate/");
  });

  it("a resend answers with the new link; the old one says it was superseded", async () => {
    const created = await http(daemon.url, "POST", `/api/v2/orgs/${owner.orgID}/invites`, {
      token: owner.token,
      json: { email: "again@example.com" },
    });
    const resent = await http(
      daemon.url,
      "POST",
      `/api/v2/orgs/${owner.orgID}/invites/${created.body.id}/resend`,
      { token: owner.token },
    );
    expect(resent.status).toBe(200);
    expect(resent.body.activationURL).toMatch(LINK);
    expect(resent.body.activationURL).not.toBe(created.body.activationURL);
    expect((await fetch(resent.body.activationURL as string)).status).toBe(200);
    const old = await fetch(created.body.activationURL as string);
    expect(await old.text()).toMatch(/superseded|newer link|replaced/i);
  });

  it("roster invites add prints the link, and --json includes it", async () => {
    const table = ok(await run(["invites", "add", "cli@example.com"])).stdout;
    const line = table.split("\n").find((l) => l.startsWith("Activation link"));
    expect(line).toBeDefined();
    const url = line!.split(": ").pop()!;
    expect(url).toMatch(LINK);
    expect((await fetch(url)).status).toBe(200);

    const inv = JSON.parse(
      ok(await run(["invites", "add", "cli-json@example.com", "--json"])).stdout,
    ) as Invite & { activationURL: string };
    expect(inv.activationURL).toMatch(LINK);
    const resent = JSON.parse(
      ok(await run(["invites", "resend", "cli@example.com", "--json"])).stdout,
    ) as Invite & { activationURL: string };
    expect(resent.activationURL).toMatch(LINK);
    expect(resent.activationURL).not.toBe(url);
    const listed = ok(await run(["invites", "list", "--json"])).stdout;
    expect(listed).not.toContain("activationURL");
  });
});

describe("SMTP", { timeout: 60_000 }, () => {
  const start = async (showInviteLinks?: boolean) => {
    const d = await startInProcessDaemon({
      smtpUrl: "smtp://127.0.0.1:9",
      mail: false,
      ...(showInviteLinks !== undefined ? { showInviteLinks } : {}),
    });
    extra.push(d);
    const o = await d.setupOrg({ org: "Mailer", email: "boss@example.com" });
    return { d, o };
  };

  it("no link in the answer unless the daemon is told to show links", async () => {
    const off = await start();
    const a = await http(off.d.url, "POST", `/api/v2/orgs/${off.o.orgID}/invites`, {
      token: off.o.token,
      json: { email: "x@example.com" },
    });
    expect(a.status).toBe(201);
    expect(a.body).not.toHaveProperty("activationURL");

    const on = await start(true);
    const b = await http(on.d.url, "POST", `/api/v2/orgs/${on.o.orgID}/invites`, {
      token: on.o.token,
      json: { email: "x@example.com" },
    });
    expect(b.status).toBe(201);
    expect(b.body.activationURL).toMatch(LINK);
    expect((await fetch(b.body.activationURL as string)).status).toBe(200);
  });
});

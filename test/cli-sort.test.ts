/**
 * `roster members list|invites list --sort COL [--reverse]` through the real
 * executable against a real daemon: every column of each list, both ways,
 * in the table and in JSON, and a clear usage error for an unknown column.
 */
import type { Invite, Member } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedLinks, roster, tempDir, type RunResult } from "./cli-support.ts";
import { startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: { path: string; remove: () => Promise<void> };

const run = (args: string[]) =>
  roster(args, {
    configHome: home.path,
    env: { ROSTER_URL: daemon.url, ROSTER_TOKEN: owner.token },
  });

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
const json = <T>(r: RunResult): T => JSON.parse(ok(r).stdout) as T;

beforeAll(async () => {
  daemon = await startTestDaemon();
  owner = await daemon.setupOrg({ org: "Sorted", email: "mia@example.com", name: "Mia" });
  home = await tempDir("roster-cli-sort-");
  const client = daemon.client(owner.token);
  // Members joining in this order, with names that sort otherwise.
  for (const [email, name] of [
    ["zoe@example.com", "Abe"],
    ["bob@example.com", "Zed"],
  ] as const) {
    await client.createInvite(owner.orgID, { email });
    const [link] = await mailedLinks(daemon.dataDir, email);
    const token = decodeURIComponent(link!.split("/activate/")[1]!);
    await daemon.client().acceptInvite({ token, name });
  }
  // Invitations: one withdrawn, three open, made in this order.
  for (const email of ["kim@example.com", "al@example.com", "ted@example.com", "cy@example.com"])
    await client.createInvite(owner.orgID, { email });
  const { invites } = await client.listInvites(owner.orgID);
  await client.withdrawInvite(owner.orgID, invites.find((i) => i.email === "ted@example.com")!.id);
}, 120_000);

afterAll(async () => {
  await daemon?.cleanup();
  await home?.remove();
});

const memberEmails = async (...flags: string[]) =>
  json<Member[]>(await run(["members", "list", "--json", ...flags])).map((m) => m.email);
const inviteEmails = async (...flags: string[]) =>
  json<Invite[]>(await run(["invites", "list", "--status", "all", "--json", ...flags])).map(
    (i) => i.email,
  );

describe("roster members list --sort", { timeout: 60_000 }, () => {
  it("sorts by email, name and joined, and --reverse turns it round", async () => {
    expect(await memberEmails("--sort", "email")).toEqual([
      "bob@example.com",
      "mia@example.com",
      "zoe@example.com",
    ]);
    expect(await memberEmails("--sort", "email", "--reverse")).toEqual([
      "zoe@example.com",
      "mia@example.com",
      "bob@example.com",
    ]);
    expect(await memberEmails("--sort", "name")).toEqual([
      "zoe@example.com",
      "mia@example.com",
      "bob@example.com",
    ]);
    expect(await memberEmails("--sort", "joined")).toEqual([
      "mia@example.com",
      "zoe@example.com",
      "bob@example.com",
    ]);
    expect(await memberEmails("--sort", "role")).toEqual([
      "bob@example.com",
      "mia@example.com",
      "zoe@example.com",
    ]);
  });

  it("the table is in the same order", async () => {
    const lines = ok(await run(["members", "list", "--sort", "joined", "--reverse"]))
      .stdout.trimEnd()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/ {2,}/)[1]);
    expect(lines).toEqual(["bob@example.com", "zoe@example.com", "mia@example.com"]);
  });

  it("an unknown column is a usage error naming the columns", async () => {
    const r = await run(["members", "list", "--sort", "delivery"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("one of: email, name, role, joined");
  });
});

describe("roster invites list --sort", { timeout: 60_000 }, () => {
  it("sorts by email, status, expires and delivery", async () => {
    expect(await inviteEmails("--sort", "email")).toEqual([
      "al@example.com",
      "bob@example.com",
      "cy@example.com",
      "kim@example.com",
      "ted@example.com",
      "zoe@example.com",
    ]);
    // Pending before withdrawn (accepted ones are members now: the last two).
    const byStatus = await inviteEmails("--sort", "status");
    expect(byStatus.slice(0, 3)).toEqual(["al@example.com", "cy@example.com", "kim@example.com"]);
    expect(byStatus.slice(3)).toEqual(["bob@example.com", "zoe@example.com", "ted@example.com"]);
    // Sent in this order: the earliest expiry first, the latest first reversed.
    expect(await inviteEmails("--sort", "expires")).toEqual([
      "zoe@example.com",
      "bob@example.com",
      "kim@example.com",
      "al@example.com",
      "ted@example.com",
      "cy@example.com",
    ]);
    expect(await inviteEmails("--sort", "expiry", "--reverse")).toEqual([
      "cy@example.com",
      "ted@example.com",
      "al@example.com",
      "kim@example.com",
      "bob@example.com",
      "zoe@example.com",
    ]);
    const byDelivery = json<Invite[]>(
      await run(["invites", "list", "--status", "all", "--json", "--sort", "delivery"]),
    );
    const rank = { failed: 0, queued: 1, sent: 2 } as const;
    const ranks = byDelivery.map((i) => rank[i.delivery.state]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(byDelivery).toHaveLength(6);
  });

  it("an unknown column is a usage error", async () => {
    const r = await run(["invites", "list", "--sort", "name"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("one of: email, status, expires, delivery");
  });
});

/**
 * R10 as the removed member sees it, in a real pseudo-terminal against a real
 * daemon process: their open TUI is told at once, and what they try next says
 * they were removed (not "Organization not found").
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mailedLinks } from "./cli-support.ts";
import { startTestDaemon, tempDir, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { cleanEnv, startTui, tuiHome, type TuiHome, type TuiSession } from "./support/tui-pty.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: TuiHome | undefined;
let tui: TuiSession | undefined;

beforeAll(async () => {
  daemon = await startTestDaemon();
  owner = await daemon.setupOrg({ org: "Removal Org", email: "owner@example.com" });
});

afterAll(async () => {
  tui?.kill();
  await daemon?.cleanup();
  if (home) rmSync(home.dir, { recursive: true, force: true });
});

it("a removed member's TUI says so, and refuses actions with the same words", async () => {
  const c = daemon.client(owner.token);
  await c.createInvite(owner.orgID, { email: "rita@example.com", role: "owner" });
  await c.createInvite(owner.orgID, { email: "other@example.com", role: "owner" });
  const [link] = await mailedLinks(daemon.dataDir, "rita@example.com");
  const rita = await daemon.client().acceptInvite({ token: link!.split("/activate/")[1]! });

  home = tuiHome(tempDir("roster-tui-removed-"), {
    url: daemon.url,
    token: rita.token!,
    org: owner.orgID,
  });
  tui = startTui({ env: cleanEnv({ ...home.env, ROSTER_URL: daemon.url }) });
  await tui.waitFor("● live", 30_000);
  await tui.waitFor("members: 2");

  await c.removeMember(owner.orgID, rita.user.id);
  await tui.waitFor("✗ no access", 10_000);
  await tui.waitFor("You were removed from this organization.");
  // The lists are cleared, with a banner saying why.
  const s = await tui.waitFor("No access to Removal Org");
  expect(s).toContain("Its lists are no longer shown");
  for (const email of ["owner@example.com", "other@example.com"]) expect(s).not.toContain(email);

  const settle = () => new Promise((r) => setTimeout(r, 600));
  for (const key of ["i", "2", "r", "d"]) {
    tui.write(key);
    await settle();
    expect(tui.text()).toContain("✗ You were removed from this organization.");
    expect(tui.text()).not.toContain("Invite someone to");
    expect(tui.text()).not.toContain("Withdraw invitation");
    expect(tui.text()).not.toContain("Organization not found");
  }

  // The banner offers o; she belongs to no other org, and is told so.
  tui.write("o");
  await tui.waitFor("You do not belong to any organization now.");

  tui.write("q");
  expect(await tui.exited).toBe(0);
  // Nothing was sent on their behalf.
  const invites = (await c.listInvites(owner.orgID)).invites.map((i) => i.email).sort();
  expect(invites).toEqual(["other@example.com"]);
}, 90_000);

/**
 * The TUI end to end, as a person uses it: `roster` in real pseudo-terminals
 * (node-pty, screen read through @xterm/headless) against a REAL daemon
 * process.
 *
 * - two sessions: an invite typed in one shows in the other within a second,
 *   without a key press; a withdraw confirmed in the second leaves the first;
 * - the daemon stops: the header says offline, an invite is queued; the TUI
 *   is quit and reopened, the daemon restarted: the invitation exists once.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, tempDir, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import {
  cleanEnv,
  KEY,
  startTui,
  tuiHome,
  type TuiHome,
  type TuiSession,
} from "./support/tui-pty.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: TuiHome;
const sessions: TuiSession[] = [];

function open(): TuiSession {
  // ROSTER_URL set explicitly: the TUI never starts a daemon of its own here.
  const s = startTui({ env: cleanEnv({ ...home.env, ROSTER_URL: daemon.url }) });
  sessions.push(s);
  return s;
}

/** A row of the Invitations list: selection glyph, mark glyph, email. */
const row = (email: string) => new RegExp(`^[ ›][ …✗] +${email.replace(/[.]/g, "\\.")} `, "m");

beforeAll(async () => {
  daemon = await startTestDaemon();
  owner = await daemon.setupOrg({ org: "Live Org", email: "owner@example.com", name: "Olive" });
  home = tuiHome(tempDir("roster-tui-home-"), {
    url: daemon.url,
    token: owner.token,
    org: owner.orgID,
  });
});

afterAll(async () => {
  for (const s of sessions) s.kill();
  await daemon?.cleanup();
  if (home) rmSync(home.dir, { recursive: true, force: true });
});

describe("the TUI in a pseudo-terminal against a real daemon", () => {
  it("two sessions stay in sync without a key press", async () => {
    const a = open();
    const b = open();
    await a.waitFor("● live", 30_000);
    await b.waitFor("● live", 30_000);
    expect(a.screen()[0]).toMatch(/^Roster · Live Org +members: 1 · pending: 0\/50 +● live$/);
    b.write("2");
    await b.waitFor("[2 Invitations (0)]");

    a.write("i");
    await a.waitFor("Invite someone to Live Org");
    await a.type("live@example.com");
    const sent = Date.now();
    a.write(KEY.enter);
    await b.waitFor(row("live@example.com"), 5000);
    const seenAfter = Date.now() - sent;
    expect(seenAfter).toBeLessThan(1000);
    await a.waitFor(/› +live@example\.com +pending +expires in 7[12]h/);
    await b.waitFor("pending: 1/50");

    // Withdraw in the second session (its cursor is on the only row), confirm on the action button.
    await b.waitFor(/› +live@example\.com/);
    b.write("d");
    await b.waitFor("Withdraw Invitation");
    expect(b.text()).toContain("› Cancel ‹");
    b.write(KEY.tab);
    await b.waitFor("› Withdraw Invitation ‹");
    const confirmed = Date.now();
    b.write(KEY.enter);
    await a.waitFor((s) => !row("live@example.com").test(s) && s.includes("pending: 0/50"), 5000);
    expect(Date.now() - confirmed).toBeLessThan(1000);
    await b.waitFor("✓ Withdrew the invitation for live@example.com.");

    const invites = await daemon.client(owner.token).listInvites(owner.orgID, "all");
    expect(invites.invites.find((i) => i.email === "live@example.com")?.status).toBe("withdrawn");

    a.write("q");
    b.write("q");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it("offline: queue an invite, quit, reopen, restart the daemon → it exists exactly once", async () => {
    const a = open();
    await a.waitFor("● live", 30_000);
    a.write("2");
    await a.waitFor("[2 Invitations");

    await daemon.stop();
    await a.waitFor(/offline — 0 queued|reconnecting…/, 15_000);
    a.write("i");
    await a.waitFor("Invite someone to");
    await a.type("queued@example.com");
    a.write(KEY.enter);
    let s = await a.waitFor("offline — 1 queued", 15_000);
    expect(s).toMatch(/›… +queued@example\.com/);

    a.write("q");
    expect(await a.exited).toBe(0);

    // Reopened while the daemon is still down: the queue comes back from its file.
    const again = open();
    s = await again.waitFor("offline — 1 queued", 30_000);
    expect(s).toContain("Live Org");
    again.write("2");
    await again.waitFor(/…  +queued@example\.com|›… +queued@example\.com/);

    await daemon.restart();
    await again.waitFor(
      (x) => x.includes("● live") && /› +queued@example\.com +pending/.test(x),
      30_000,
    );
    await again.waitFor("✓ Sent 1 queued action to the daemon.");

    const invites = (await daemon.client(owner.token).listInvites(owner.orgID, "all")).invites;
    expect(invites.filter((i) => i.email === "queued@example.com")).toHaveLength(1);
    again.write("q");
    expect(await again.exited).toBe(0);
  });
});

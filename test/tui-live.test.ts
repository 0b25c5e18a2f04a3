/**
 * The TUI end to end, as a person uses it: `roster` in real pseudo-terminals
 * (node-pty, screen read through @xterm/headless) against a REAL daemon
 * process.
 *
 * - two sessions: an invite typed in one shows in the other within a second,
 *   without a key press; a withdraw confirmed in the second leaves the first;
 * - the daemon stops: the header says offline, an invite is queued; the TUI
 *   is quit and reopened, the daemon restarted: the invitation exists once;
 * - the TUI quit while live, the daemon stopped, the TUI started again: it
 *   shows the lists it saved, checks and queues an invite against them, and
 *   once the daemon is back the invite exists once and the list is live.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgSetup, TestDaemon } from "./support/daemon.ts";
import {
  KEY,
  startTuiFixture,
  type TuiFixture,
  type TuiHome,
  type TuiSession,
} from "./support/tui-pty.ts";

let fixture: TuiFixture | undefined;
let daemon: TestDaemon;
let owner: OrgSetup;
let home: TuiHome;
let open: () => TuiSession;

/** A row of the Invitations list: selection glyph, mark glyph, email. */
const row = (email: string) => new RegExp(`^[ ›][ …✗] +${email.replace(/[.]/g, "\\.")} `, "m");

beforeAll(async () => {
  fixture = await startTuiFixture({ org: "Live Org", homePrefix: "roster-tui-home-" });
  ({ daemon, owner, home, open } = fixture);
});

afterAll(async () => {
  await fixture?.cleanup();
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

    // q asks first (Stay is the default); quitting anyway leaves a note in the shell.
    a.write("q");
    s = await a.waitFor("Quit Roster?");
    expect(s).toContain("1 action is not sent yet.");
    expect(s).toContain("› Stay ‹");
    a.write(KEY.tab);
    await a.waitFor("› Quit anyway ‹");
    a.write(KEY.enter);
    expect(await a.exited).toBe(0);
    expect(a.text()).toContain(
      "Roster: 1 action not sent yet. It is sent when you open Live Org again.",
    );

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

  it("started while the daemon is down: the saved lists, an invite queued against them, replayed once", async () => {
    await daemon.client(owner.token).createInvite(owner.orgID, { email: "before@example.com" });
    const a = open();
    await a.waitFor("● live", 30_000);
    a.write("2");
    await a.waitFor(row("before@example.com"));
    const counts = /members: \d+ · pending: \d+\/50/.exec(a.screen()[0] ?? "")?.[0];
    expect(counts).toBeDefined();
    const rowsBefore = a.screen().filter((l) => /@example\.com/.test(l));
    a.write("q");
    expect(await a.exited).toBe(0);

    // The lists are saved under the data directory: 0600, without the token.
    const listsDir = join(home.env.XDG_DATA_HOME!, "roster", "lists");
    const files = readdirSync(listsDir).filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(1);
    expect(statSync(join(listsDir, files[0]!)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(listsDir, files[0]!), "utf8")).not.toContain(owner.token);

    await daemon.stop();
    const b = open();
    let s = await b.waitFor(/offline — 0 queued/, 30_000);
    expect(s.split("\n")[0]).toContain(counts!);
    expect(s.split("\n")[0]).toMatch(/offline — 0 queued · (data from )?\d+[sm] (ago|old)$/);
    b.write("2");
    s = await b.waitFor(row("before@example.com"));
    expect(s).not.toContain("Not loaded");
    expect(s.split("\n").filter((l) => /@example\.com/.test(l))).toEqual(rowsBefore);

    // Checked against the saved lists (R6) ...
    b.write("i");
    await b.waitFor("Invite someone to Live Org");
    await b.type("before@example.com");
    b.write(KEY.enter);
    await b.waitFor("already has a pending invitation");
    b.write(KEY.esc);
    await b.waitFor((x) => !x.includes("Invite someone to"));
    // ... and queued, not refused.
    b.write("i");
    await b.waitFor("Invite someone to Live Org");
    await b.type("after@example.com");
    b.write(KEY.enter);
    s = await b.waitFor("offline — 1 queued", 15_000);
    expect(s).toMatch(/[ ›]… +after@example\.com/);

    await daemon.restart();
    await b.waitFor(
      (x) => x.includes("● live") && /[ ›]  +after@example\.com +pending/.test(x),
      30_000,
    );
    const invites = (await daemon.client(owner.token).listInvites(owner.orgID, "all")).invites;
    expect(invites.filter((i) => i.email === "after@example.com")).toHaveLength(1);
    // Live again: a change made elsewhere shows without a key press.
    await daemon.client(owner.token).createInvite(owner.orgID, { email: "elsewhere@example.com" });
    await b.waitFor(row("elsewhere@example.com"), 5000);
    b.write("q");
    expect(await b.exited).toBe(0);
    // Two TUIs, a daemon stopped and restarted (crash recovery syncs its files): more than the default 30 s on a busy machine.
  }, 90_000);
});

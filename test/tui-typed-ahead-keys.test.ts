/**
 * Keys that reach the TUI together (typed fast, pasted, or sent by tmux
 * send-keys) act one after another, each on the screen the previous one
 * left — in a real pseudo-terminal against a real daemon process. And after
 * an outage, the replay notice counts every queued action.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrgSetup, TestDaemon } from "./support/daemon.ts";
import { KEY, startTuiFixture, type TuiFixture, type TuiSession } from "./support/tui-pty.ts";

let fixture: TuiFixture | undefined;
let daemon: TestDaemon;
let owner: OrgSetup;
let open: () => TuiSession;

beforeAll(async () => {
  fixture = await startTuiFixture({
    org: "Keys Org",
    homePrefix: "roster-tui-keys-",
    daemon: { resendIntervalS: 0 },
  });
  ({ daemon, owner, open } = fixture);
  const c = daemon.client(owner.token);
  // Newest first on screen: c, b, a.
  for (const who of ["a", "b", "c"]) {
    await c.createInvite(owner.orgID, { email: `${who}@example.com`, role: "owner" });
    await new Promise((r) => setTimeout(r, 10));
  }
});

afterAll(async () => {
  await fixture?.cleanup();
});

describe("keys arriving in one chunk", () => {
  it('"jj" moves two rows, "2d" withdraws on the Invitations list it just opened', async () => {
    const t = open();
    await t.waitFor("● live", 30_000);
    await t.waitFor("[1 Members (1)]");

    // One write: switch to Invitations and ask to withdraw the selected one.
    t.write("2d");
    await t.waitFor("Withdraw invitation");
    expect(t.text()).toContain("Withdraw the invitation for c@example.com?");
    expect(t.text()).not.toContain("You cannot remove yourself");
    t.write(KEY.esc);
    await t.waitFor("Cancelled.");

    t.write("jj");
    await t.waitFor(/› +a@example\.com/);
    expect(t.text()).toMatch(/^ {3}c@example\.com/m);
    expect(t.text()).toMatch(/^ {3}b@example\.com/m);

    // "kr" in one write resends b (where k lands), not a.
    t.write("kr");
    await t.waitFor("✓ Sent the invitation to b@example.com again.");
    const invites = (await daemon.client(owner.token).listInvites(owner.orgID)).invites;
    const sends = Object.fromEntries(invites.map((i) => [i.email, i.sendCount]));
    expect(sends).toEqual({ "a@example.com": 1, "b@example.com": 2, "c@example.com": 1 });

    t.write("q");
    expect(await t.exited).toBe(0);
  }, 60_000);

  it("after an outage, the notice counts every queued action that went out", async () => {
    const t = open();
    await t.waitFor("● live", 30_000);
    t.write("2");
    await t.waitFor("[2 Invitations");

    await daemon.stop();
    await t.waitFor(/offline — 0 queued|reconnecting…/, 15_000);
    for (const email of ["q1@example.com", "q2@example.com"]) {
      t.write("i");
      await t.waitFor("Invite someone to");
      await t.type(email);
      t.write(KEY.enter);
      await t.waitFor(new RegExp(`…\\s+${email.replace(".", "\\.")}`));
    }
    await t.waitFor("offline — 2 queued", 15_000);
    t.write("q");
    await t.waitFor("2 actions are not sent yet.");
    t.write(`${KEY.tab}${KEY.enter}`);
    expect(await t.exited).toBe(0);

    // Reopened: the queue comes back from its file and goes out, one action at a time.
    const again = open();
    await again.waitFor("offline — 2 queued", 30_000);
    await daemon.restart();
    await again.waitFor("● live", 30_000);
    await again.waitFor("✓ Sent 2 queued actions to the daemon.", 15_000);
    const invites = (await daemon.client(owner.token).listInvites(owner.orgID)).invites;
    expect(
      invites
        .filter((i) => i.email.startsWith("q"))
        .map((i) => i.email)
        .sort(),
    ).toEqual(["q1@example.com", "q2@example.com"]);

    again.write("q");
    expect(await again.exited).toBe(0);
  }, 90_000);
});

/**
 * The activation link in the real TUI (a pseudo-terminal, a real daemon with
 * the file transport, which shows links): after `i` the detail line shows the
 * link, and `y` writes it to the terminal as OSC 52 and says so. The link
 * copied opens the activation page. Without a link, `y` says why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, startTuiFixture, type TuiFixture } from "./support/tui-pty.ts";

let fixture: TuiFixture;

beforeAll(async () => {
  fixture = await startTuiFixture({ org: "Link Org", homePrefix: "roster-tui-link-" });
}, 60_000);

afterAll(async () => {
  await fixture?.cleanup();
});

// eslint-disable-next-line no-control-regex
const OSC52 = /\u001b\]52;c;([A-Za-z0-9+/=]+)\u0007/g;

describe("y copies the activation link", { timeout: 60_000 }, () => {
  it("shows the link of an invitation made here and copies it with OSC 52", async () => {
    const t = fixture.open();
    await t.waitFor("● live", 30_000);

    // Nothing selected with a link yet: y says what it needs, and writes nothing.
    t.write("y");
    await t.waitFor("y copies an invitation's activation link");
    expect(t.raw()).not.toMatch(OSC52);

    t.write("i");
    await t.waitFor("Invite someone to Link Org");
    await t.type("handover@example.com");
    t.write(KEY.enter);
    const prefix = `link ${fixture.daemon.url}/activate/`;
    await t.waitFor((s) => s.replace(/\n/g, "").includes(prefix), 10_000);
    expect(t.text()).toContain("(y copies)");

    t.write("y");
    await t.waitFor("✓ Copied the activation link for handover@example.com (OSC 52).");
    const copied = [...t.raw().matchAll(OSC52)].map((m) =>
      Buffer.from(m[1]!, "base64").toString("utf8"),
    );
    expect(copied).toHaveLength(1);
    const link = copied[0]!;
    expect(link.startsWith(`${fixture.daemon.url}/activate/`)).toBe(true);
    // The screen shows the same link (the detail line may wrap it).
    expect(t.text().replace(/\n/g, "")).toContain(link.slice(0, 60));
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Link Org");

    // An invitation made elsewhere: its link was not given to this session.
    await fixture.daemon
      .client(fixture.owner.token)
      .createInvite(fixture.owner.orgID, { email: "aaa-elsewhere@example.com" });
    // Its row first reaches the screen over the live feed: `g` before that would select the
    // only row (handover@, by key), and the selection would stay on it when aaa-elsewhere@
    // arrives above it.
    await t.waitFor("aaa-elsewhere@example.com");
    t.write("S"); // oldest sent first: the other one is now the second row
    t.write("s"); // delivery
    t.write("s"); // email ↑: aaa-elsewhere first
    await t.waitFor("sort: email ↑");
    t.write("g");
    await t.waitFor(/› +aaa-elsewhere@example\.com/);
    t.write("y");
    await t.waitFor("No link for this invitation here");
    expect([...t.raw().matchAll(OSC52)]).toHaveLength(1);
    t.write("q");
    expect(await t.exited).toBe(0);
  });
});

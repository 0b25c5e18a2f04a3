/**
 * The Activity list in the real TUI (a pseudo-terminal, a real daemon): `3`
 * shows the change log newest first, one line per change (when, who, what,
 * whom); a change made through the API shows up within a second without a
 * key press; `/` filters it; a TUI started while the daemon is down shows
 * the saved log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, startTuiFixture, type TuiFixture } from "./support/tui-pty.ts";

let fixture: TuiFixture;

beforeAll(async () => {
  fixture = await startTuiFixture({ org: "Activity Org", homePrefix: "roster-tui-activity-" });
}, 60_000);

afterAll(async () => {
  await fixture?.cleanup();
});

describe("3: Activity", { timeout: 90_000 }, () => {
  it("shows a change made elsewhere within a second, newest first, filters, and works offline", async () => {
    const { daemon, owner } = fixture;
    const client = daemon.client(owner.token);
    await client.createInvite(owner.orgID, { email: "first@example.com" });

    const t = fixture.open();
    await t.waitFor("● live", 30_000);
    t.write("3");
    await t.waitFor("[3 Activity");
    await t.waitFor(/owner@example\.com +invited as owner +first@example\.com/);
    expect(t.text()).toMatch(/WHEN +WHO +WHAT +WHOM/);

    const second = await client.createInvite(owner.orgID, { email: "second@example.com" });
    // From the daemon's answer: the change is committed.
    const made = Date.now();
    await t.waitFor(/owner@example\.com +invited as owner +second@example\.com/, 5000);
    const seenAfter = Date.now() - made;
    expect(seenAfter).toBeLessThan(1000);
    // Newest first: the second invitation above the first.
    const lines = t.screen();
    const iSecond = lines.findIndex((l) => /invited as owner +second@example\.com/.test(l));
    const iFirst = lines.findIndex((l) => /invited as owner +first@example\.com/.test(l));
    expect(iSecond).toBeGreaterThanOrEqual(0);
    expect(iSecond).toBeLessThan(iFirst);

    await client.withdrawInvite(owner.orgID, second.id);
    await t.waitFor(/withdrew invitation +second@example\.com/, 5000);
    // The selection's detail line says it in full.
    t.write("g");
    await t.waitFor((screen) =>
      /#\d+ · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · owner@example\.com · withdrew invitation · ?second@example\.com/.test(
        screen.replace(/\n/g, ""),
      ),
    );

    // Filter: only the lines about first@.
    t.write("/");
    await t.type("first@");
    t.write(KEY.enter);
    await t.waitFor((s) => !/second@example\.com/.test(s.split("\n").slice(0, -3).join("\n")));
    expect(t.text()).toMatch(/invited as owner +first@example\.com/);
    t.write(KEY.esc);
    await t.waitFor(/withdrew invitation +second@example\.com/);
    t.write("q");
    expect(await t.exited).toBe(0);

    // The daemon goes away; the TUI started again shows the saved log.
    await daemon.stop();
    const off = fixture.open();
    await off.waitFor("offline", 30_000);
    off.write("3");
    await off.waitFor(/withdrew invitation +second@example\.com/);
    expect(off.text()).toMatch(/invited as owner +first@example\.com/);
    off.write("q");
    await off.exited;
    await daemon.restart();
  });
});

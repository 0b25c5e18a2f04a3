/**
 * Sorting in the real TUI (a pseudo-terminal, a real daemon): `s` cycles the
 * column of the visible list, `S` reverses it, the tabs line says which, and
 * the choice of each list is still there when the TUI is started again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedLinks } from "./cli-support.ts";
import { startTuiFixture, type TuiFixture, type TuiSession } from "./support/tui-pty.ts";

let fixture: TuiFixture;

/** The emails of the list's rows, top to bottom. */
function rows(s: TuiSession): string[] {
  return s
    .screen()
    .map((l) => /^[ ›][ …✗] +(\S+@\S+)/.exec(l)?.[1])
    .filter((e): e is string => e !== undefined);
}

async function waitRows(s: TuiSession, want: string[]): Promise<void> {
  await s
    .waitFor(() => JSON.stringify(rows(s)) === JSON.stringify(want), 5000)
    .catch(() => {
      throw new Error(
        `rows ${JSON.stringify(rows(s))}, wanted ${JSON.stringify(want)}\n${s.text()}`,
      );
    });
}

beforeAll(async () => {
  fixture = await startTuiFixture({ org: "Sort Org", homePrefix: "roster-tui-sort-" });
  const { daemon, owner } = fixture;
  const client = daemon.client(owner.token);
  for (const [email, name] of [
    ["zed@example.com", "Anna"],
    ["amy@example.com", "Zora"],
  ] as const) {
    await client.createInvite(owner.orgID, { email });
    const [link] = await mailedLinks(daemon.dataDir, email);
    await daemon
      .client()
      .acceptInvite({ token: decodeURIComponent(link!.split("/activate/")[1]!), name });
  }
  for (const email of ["bea@example.com", "cat@example.com"])
    await client.createInvite(owner.orgID, { email });
}, 120_000);

afterAll(async () => {
  await fixture?.cleanup();
});

describe("s and S sort the visible list", { timeout: 90_000 }, () => {
  it("cycles the columns, reverses, and remembers each list's sort", async () => {
    const t = fixture.open();
    await t.waitFor("● live", 30_000);
    await t.waitFor("sort: email ↑");
    await waitRows(t, ["amy@example.com", "owner@example.com", "zed@example.com"]);

    t.write("s");
    await t.waitFor("sort: name ↑");
    await waitRows(t, ["zed@example.com", "owner@example.com", "amy@example.com"]);
    t.write("S");
    await t.waitFor("sort: name ↓");
    await waitRows(t, ["amy@example.com", "owner@example.com", "zed@example.com"]);
    t.write("s");
    await t.waitFor("sort: role ↑");
    t.write("s");
    await t.waitFor("sort: joined ↑");
    await waitRows(t, ["owner@example.com", "zed@example.com", "amy@example.com"]);
    t.write("S");
    await t.waitFor("sort: joined ↓");
    await waitRows(t, ["amy@example.com", "zed@example.com", "owner@example.com"]);

    // The other list has its own sort: newest sent first by default.
    t.write("2");
    await t.waitFor("sort: expires ↓");
    await waitRows(t, ["cat@example.com", "bea@example.com"]);
    t.write("s");
    await t.waitFor("sort: delivery ↑");
    t.write("s");
    await t.waitFor("sort: email ↑");
    await waitRows(t, ["bea@example.com", "cat@example.com"]);
    t.write("S");
    await t.waitFor("sort: email ↓");
    await waitRows(t, ["cat@example.com", "bea@example.com"]);
    t.write("1");
    await t.waitFor("sort: joined ↓");
    t.write("q");
    expect(await t.exited).toBe(0);

    // Started again: each list as it was left.
    const again = fixture.open();
    await again.waitFor("● live", 30_000);
    await again.waitFor("sort: joined ↓");
    await waitRows(again, ["amy@example.com", "zed@example.com", "owner@example.com"]);
    again.write("2");
    await again.waitFor("sort: email ↓");
    await waitRows(again, ["cat@example.com", "bea@example.com"]);
    again.write("q");
    expect(await again.exited).toBe(0);
  });
});

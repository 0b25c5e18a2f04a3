/**
 * The org screen's drawing: 80×24, resize, windowing of 10,000 rows,
 * navigation, filter and help. Uses ModelEngine (core's model of the daemon)
 * for data that would take minutes to create through a real daemon; the
 * flows that talk to the daemon are in org-screen-flows.test.tsx.
 */
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { makeMember } from "@roster/core/testing";
import { OrgScreen } from "./components/org-screen.tsx";
import {
  frame,
  KEYS,
  lines,
  press,
  resize,
  type,
  waitForFrame,
  type Rendered,
} from "./testing/ink-harness.ts";
import { ModelEngine } from "./testing/model-engine.ts";

const NOW = Date.UTC(2026, 0, 10, 12);
let r: Rendered | undefined;
afterEach(() => {
  r?.unmount();
  r = undefined;
});

function bigOrg(members: number): ModelEngine {
  const e = new ModelEngine(
    makeMember("usr-owner", "owner@example.com", NOW - 86_400_000),
    () => NOW,
  );
  for (let i = 0; i < members; i++) {
    const inv = e.server.run(
      "usr-owner",
      { type: "invite", email: `user${String(i).padStart(5, "0")}@example.com`, role: "owner" },
      NOW,
    );
    if (!inv.ok) throw new Error(inv.error.message);
    const c = inv.entry.change;
    if (c.type !== "invite.created") throw new Error("unexpected change");
    e.server.accept(c.invite.id, NOW);
  }
  e.resync();
  return e;
}

/** The owner invites `email` (a live change, as if made in another session). */
function invite(engine: ModelEngine, email: string): void {
  const inv = engine.server.run("usr-owner", { type: "invite", email, role: "owner" }, NOW);
  if (!inv.ok) throw new Error(inv.error.message);
  engine.push(inv.entry);
}

async function mount(engine: ModelEngine, columns = 80, rows = 24): Promise<Rendered> {
  r = render(<OrgScreen engine={engine} onQuit={() => undefined} now={NOW} />);
  resize(r, columns, rows);
  await waitForFrame(
    r,
    (f) => Math.max(...lines(f).map((l) => l.length)) <= columns && f.includes("● live"),
  );
  return r;
}

describe("org screen layout", () => {
  it("fits 80×24: header, tabs, rows, footer, no line wider than 80", async () => {
    const view = await mount(bigOrg(40));
    const f = await waitForFrame(view, "members: 41 · pending: 0/50");
    const ls = lines(f);
    expect(ls.length).toBeLessThanOrEqual(23);
    for (const l of ls) expect(l.length).toBeLessThanOrEqual(80);
    expect(ls[0]).toMatch(/^Roster · Model Org +members: 41 · pending: 0\/50 +● live$/);
    expect(ls[1]).toContain("[1 Members (41)]");
    expect(ls[1]).toContain("1–17 of 41");
    expect(ls[2]).toMatch(/EMAIL +NAME +ROLE +JOINED/);
    // The selection is a glyph, not only a colour.
    expect(ls[3]).toMatch(/^› +owner@example\.com \(you\)/);
    expect(ls[ls.length - 1]).toContain("? help");
  });

  it("draws only the visible rows of 10,000 members, and moves through them", async () => {
    const engine = bigOrg(10_000);
    const view = await mount(engine);
    await waitForFrame(view, "1–17 of 10001");
    const t0 = performance.now();
    await press(view, "G");
    let f = await waitForFrame(view, "9985–10001 of 10001");
    expect(f).toContain("› ");
    expect(f).toContain("user09999@example.com");
    await press(view, KEYS.pageUp);
    // The cursor went up one page (17 rows) and the window followed it.
    f = await waitForFrame(view, "9984–10000 of 10001");
    expect(lines(f)[3]).toMatch(/^› +user09982@example\.com/);
    await press(view, "g");
    f = await waitForFrame(view, "1–17 of 10001");
    expect(performance.now() - t0).toBeLessThan(3000);
    // Only one screen of rows is in the frame.
    expect(f.match(/@example\.com/g)!.length).toBeLessThanOrEqual(18);
  });

  it("re-lays out on resize", async () => {
    const view = await mount(bigOrg(40), 120, 40);
    await waitForFrame(view, "1–33 of 41");
    resize(view, 60, 16);
    const f = await waitForFrame(view, "1–9 of 41");
    for (const l of lines(f)) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines(f).length).toBeLessThanOrEqual(15);
  });

  it("j/k, Tab and 1/2 move between rows and lists", async () => {
    const engine = bigOrg(3);
    invite(engine, "zed@example.com");
    const view = await mount(engine);
    await waitForFrame(view, "members: 4 · pending: 1/50");
    await press(view, "j", "j");
    expect(lines(frame(view)).find((l) => l.startsWith("›"))).toContain("user00001@example.com");
    await press(view, "k");
    expect(lines(frame(view)).find((l) => l.startsWith("›"))).toContain("user00000@example.com");
    await press(view, KEYS.tab);
    const f = await waitForFrame(view, "[2 Invitations (1)]");
    expect(f).toMatch(/› +zed@example\.com +pending +expires in 72h +1× +queued/);
    await press(view, "1");
    await waitForFrame(view, "[1 Members (4)]");
    await press(view, "2");
    await waitForFrame(view, "[2 Invitations (1)]");
  });

  it("/ filters both lists as you type; Enter keeps it, Esc clears it", async () => {
    const view = await mount(bigOrg(30));
    await waitForFrame(view, "[1 Members (31)]");
    await press(view, "/");
    await type(view, "user0002");
    let f = await waitForFrame(view, "[1 Members (10/31)]");
    expect(f).toContain("user00029@example.com");
    expect(f).not.toContain("user00019@example.com");
    await press(view, KEYS.enter);
    await waitForFrame(view, "filter: user0002");
    // Back in the list: j moves instead of typing.
    await press(view, "j");
    expect(lines(frame(view)).find((l) => l.startsWith("›"))).toContain("user00021@example.com");
    await press(view, KEYS.esc);
    f = await waitForFrame(view, "[1 Members (31)]");
    expect(f).not.toContain("filter:");
  });

  it("? shows every key from the keymap, and closes again", async () => {
    const view = await mount(bigOrg(1));
    await waitForFrame(view, "[1 Members (2)]");
    await press(view, "?");
    let f = await waitForFrame(view, "Invite someone by email");
    expect(f).toContain("Withdraw the selected invitation or remove the selected member");
    expect(f).toContain("Filter the lists by email or name");
    // Scroll to the end: the last sections are there too.
    for (let i = 0; i < 40; i++) await press(view, "j");
    await waitForFrame(view, "Quit from anywhere");
    await press(view, KEYS.esc);
    f = await waitForFrame(view, "[1 Members (2)]");
    expect(f).not.toContain("Quit from anywhere");
  });

  it("wrapped text starts each line with a word, not with the space it was wrapped at", async () => {
    const engine = bigOrg(0);
    // "Withdraw the invitation for bob@acme.test? The link in their" fills the
    // dialog's 60 columns exactly: the next line must start with "email".
    invite(engine, "bob@acme.test");
    const view = await mount(engine);
    await press(view, "2", "d");
    const f = await waitForFrame(view, "Withdraw Invitation");
    const body = lines(f).filter((l) => l.includes("│"));
    expect(body.some((l) => /│ email stops working\. +│/.test(l))).toBe(true);
    expect(body.filter((l) => /│ {2}\S/.test(l))).toEqual([]);
  });
});

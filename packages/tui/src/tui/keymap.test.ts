import { describe, expect, it } from "vitest";
import {
  footerHints,
  footerText,
  helpSections,
  KEYMAP,
  resolveKey,
  type KeyContext,
} from "./keymap.ts";

const none = {};

describe("keymap", () => {
  it("resolves the keys of SPEC §5 in the list context", () => {
    expect(resolveKey("list", "j", none)).toBe("down");
    expect(resolveKey("list", "", { downArrow: true })).toBe("down");
    expect(resolveKey("list", "k", none)).toBe("up");
    expect(resolveKey("list", "", { upArrow: true })).toBe("up");
    expect(resolveKey("list", "g", none)).toBe("top");
    expect(resolveKey("list", "G", { shift: true })).toBe("bottom");
    expect(resolveKey("list", "", { pageDown: true })).toBe("pageDown");
    expect(resolveKey("list", "", { pageUp: true })).toBe("pageUp");
    expect(resolveKey("list", "", { tab: true })).toBe("nextList");
    expect(resolveKey("list", "1", none)).toBe("showMembers");
    expect(resolveKey("list", "2", none)).toBe("showInvites");
    expect(resolveKey("list", "/", none)).toBe("filter");
    expect(resolveKey("list", "", { escape: true, meta: true })).toBe("clearFilter");
    expect(resolveKey("list", "i", none)).toBe("invite");
    expect(resolveKey("list", "r", none)).toBe("resend");
    expect(resolveKey("list", "d", none)).toBe("delete");
    expect(resolveKey("list", "x", none)).toBe("delete");
    expect(resolveKey("list", "?", none)).toBe("help");
    expect(resolveKey("list", "q", none)).toBe("quit");
    expect(resolveKey("list", "c", { ctrl: true })).toBe("forceQuit");
    expect(resolveKey("list", "o", none)).toBe("switchOrg");
  });

  it("keeps typed characters out of commands while a text field has the focus", () => {
    for (const ch of ["j", "k", "q", "d", "x", "i", "?", "/", "1"]) {
      expect(resolveKey("filter", ch, none)).toBeUndefined();
      expect(resolveKey("form", ch, none)).toBeUndefined();
    }
    expect(resolveKey("filter", "", { escape: true })).toBe("clearFilter");
    expect(resolveKey("filter", "", { return: true })).toBe("filterDone");
    expect(resolveKey("form", "", { return: true })).toBe("submit");
    expect(resolveKey("form", "", { tab: true })).toBe("nextField");
    expect(resolveKey("form", "", { tab: true, shift: true })).toBe("prevField");
    expect(resolveKey("form", "c", { ctrl: true })).toBe("forceQuit");
  });

  it("in the confirm dialog, Enter presses, Esc/n cancels and arrows move", () => {
    expect(resolveKey("dialog", "", { return: true })).toBe("confirm");
    expect(resolveKey("dialog", "", { escape: true })).toBe("cancel");
    expect(resolveKey("dialog", "n", none)).toBe("cancel");
    expect(resolveKey("dialog", "", { tab: true })).toBe("toggleButton");
    expect(resolveKey("dialog", "", { rightArrow: true })).toBe("toggleButton");
    // `y` must not confirm a destructive action behind the user's back.
    expect(resolveKey("dialog", "y", none)).toBeUndefined();
  });

  it("a plain letter does not match Enter, Tab or Esc", () => {
    expect(resolveKey("list", "q", { return: true })).toBeUndefined();
  });

  it("no key is bound twice in one context", () => {
    const contexts: KeyContext[] = [
      "list",
      "filter",
      "form",
      "dialog",
      "help",
      "switcher",
      "message",
    ];
    for (const ctx of contexts) {
      const seen = new Map<string, string>();
      for (const b of KEYMAP) {
        if (!b.contexts.includes(ctx)) continue;
        for (const k of b.keys) {
          const id = JSON.stringify([
            k.input ?? null,
            k.key ?? null,
            k.ctrl ?? false,
            k.shift ?? false,
          ]);
          expect(
            seen.get(id),
            `${ctx}: ${id} bound to ${seen.get(id)} and ${b.command}`,
          ).toBeUndefined();
          seen.set(id, b.command);
        }
      }
    }
  });

  it("help lists every binding, and the footer only ones from the table", () => {
    const helpRows = helpSections().flatMap((s) =>
      s.rows.map((r) => `${r.label}|${r.description}`),
    );
    for (const b of KEYMAP) expect(helpRows).toContain(`${b.label}|${b.description}`);
    const hints = footerHints("list");
    expect(hints.map((h) => h.hint)).toEqual(
      expect.arrayContaining(["invite", "resend", "filter", "help", "quit"]),
    );
    for (const h of hints) expect(KEYMAP.some((b) => b.hint === h.hint)).toBe(true);
  });

  it("the footer fits the width it is given", () => {
    for (const w of [20, 40, 80, 200]) expect(footerText("list", w).length).toBeLessThanOrEqual(w);
    expect(footerText("list", 200)).toContain("? help");
  });
});

import { describe, expect, it } from "vitest";
import { blankKey, splitChunk } from "./input-chunks.ts";
import { editField } from "./text-edit.ts";

describe("splitChunk", () => {
  it("splits a typed-ahead run into key presses: text, Enter, Tab, Backspace, Ctrl", () => {
    const presses = splitChunk("Ab\t\u007fc\r\u0003", blankKey());
    expect(
      presses.map((p) => [
        p.input,
        p.key.shift,
        p.key.tab,
        p.key.backspace,
        p.key.return,
        p.key.ctrl,
      ]),
    ).toEqual([
      ["A", true, false, false, false, false],
      ["b", false, false, false, false, false],
      ["", false, true, false, false, false],
      ["", false, false, true, false, false],
      ["c", false, false, false, false, false],
      ["", false, false, false, true, false],
      ["c", false, false, false, false, true],
    ]);
  });

  it("leaves single keys and escape sequences alone", () => {
    const up = { ...blankKey(), upArrow: true };
    expect(splitChunk("", up)).toEqual([{ input: "", key: up }]);
    expect(splitChunk("j", blankKey())).toHaveLength(1);
  });
});

describe("editField", () => {
  it("types, moves and deletes like a shell line", () => {
    let s = { value: "", cursor: 0 };
    for (const ch of "bob@example.com") s = editField(s, ch, blankKey());
    expect(s).toEqual({ value: "bob@example.com", cursor: 15 });
    s = editField(s, "", { ...blankKey(), backspace: true });
    expect(s.value).toBe("bob@example.co");
    s = editField(s, "a", { ...blankKey(), ctrl: true });
    s = editField(s, "X", { ...blankKey(), shift: true });
    expect(s).toEqual({ value: "Xbob@example.co", cursor: 1 });
    s = editField(s, "u", { ...blankKey(), ctrl: true });
    expect(s).toEqual({ value: "bob@example.co", cursor: 0 });
    // Enter, Tab, Esc and Up/Down belong to the form.
    for (const k of ["return", "tab", "escape", "upArrow", "downArrow"] as const) {
      expect(editField(s, "", { ...blankKey(), [k]: true })).toBe(s);
    }
  });
});

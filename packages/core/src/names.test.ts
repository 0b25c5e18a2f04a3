import { describe, expect, it } from "vitest";
import { nameProblem, parseName } from "./names.ts";

describe("R15: names are printable text", () => {
  it.each([
    ["a bell (C0)", "Acme\u0007", "a control character (U+0007)"],
    ["a tab", "Ac\tme", "a control character (U+0009)"],
    ["a newline", "Acme\nInc", "a control character (U+000A)"],
    ["DEL", "Acme\u007f", "a control character (U+007F)"],
    ["a C1 control (CSI)", "Acme\u009b31m", "a control character (U+009B)"],
    ["a right-to-left override", "evil\u202Egnp.exe", "a bidirectional override (U+202E)"],
    ["a left-to-right embedding", "\u202AAcme", "a bidirectional override (U+202A)"],
    ["a first-strong isolate", "Acme\u2068", "a bidirectional override (U+2068)"],
    ["a right-to-left mark", "Acme\u200F", "a bidirectional mark (U+200F)"],
    ["a zero-width space", "Ac\u200Bme", "an invisible format character (U+200B)"],
    ["a byte-order mark inside", "Ac\uFEFFme", "an invisible format character (U+FEFF)"],
    ["a soft hyphen", "Ac\u00ADme", "an invisible format character (U+00AD)"],
    ["a tag character", "Acme\u{E0041}", "an invisible format character (U+E0041)"],
    ["a line separator", "Acme\u2028Inc", "a line break (U+2028)"],
    ["a Hangul filler", "\u3164", "an invisible character (U+3164)"],
    ["a lone surrogate", "Acme\uD800", "a broken character (a lone surrogate) (U+D800)"],
  ])("refuses %s, naming it", (_what, name, said) => {
    const problem = nameProblem(name, "org");
    expect(problem).toEqual({
      code: "invalid",
      reason: "invalid_name",
      message: `The organization name contains ${said}. Names must be printable text.`,
    });
    expect(parseName(name, "user")).toMatchObject({
      ok: false,
      error: { reason: "invalid_name", message: expect.stringMatching(/^The user name contains/) },
    });
  });

  it.each([
    ["plain text", "Acme Inc."],
    ["accents and other scripts", "Zoë Ångström — 株式会社 — Ωμέγα"],
    ["right-to-left text itself", "שלום עולם"],
    ["a ZWNJ in Persian", "می\u200Cخواهم"],
    ["an emoji ZWJ sequence", "Team 👩\u200D💻"],
    ["a combining accent", "Zoe\u0308"],
    ["the empty name", ""],
  ])("accepts %s", (_what, name) => {
    expect(nameProblem(name, "user")).toBeUndefined();
    expect(parseName(`  ${name}  `, "user")).toEqual({ ok: true, value: name });
  });
});

import { describe, expect, it } from "vitest";
import { isValidEmail, parseEmail } from "./email.ts";

describe("parseEmail (R2, R3)", () => {
  it("trims and lower-cases", () => {
    expect(parseEmail("  Bob@Example.com ")).toEqual({ ok: true, value: "bob@example.com" });
  });

  it.each([
    ["a@b.co, c@d.co"],
    ["a@b.co,c@d.co"],
    ["a@b.co c@d.co"],
    ["a@b.co;c@d.co"],
    ["a@b.co\nc@d.co"],
  ])("refuses the list %j with multiple_emails", (input) => {
    const r = parseEmail(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "invalid", reason: "multiple_emails" });
  });

  it("names a value that is not a string as JSON, never as [object Object]", () => {
    const message = (input: unknown) => {
      const r = parseEmail(input);
      return r.ok ? null : r.error.message;
    };
    expect(message({ a: 1 })).toBe('{"a":1} is not a valid email address.');
    expect(message(42)).toBe("42 is not a valid email address.");
    expect(message(true)).toBe("true is not a valid email address.");
    expect(message("bob")).toBe('"bob" is not a valid email address.');
  });

  it("refuses an array, even of one", () => {
    for (const input of [["a@b.co"], ["a@b.co", "c@d.co"], []]) {
      const r = parseEmail(input);
      expect(r.ok ? null : r.error.reason).toBe("multiple_emails");
    }
  });

  it.each([
    [""],
    ["   "],
    ["bob"],
    ["bob@"],
    ["@example.com"],
    ["bob@example"],
    ["bob@@example.com"],
    ["bob@exa mple.com"],
    ["bo b@example.com"],
    ["bob@example.com,"],
    ["bob.@example.com"],
    ["bob..x@example.com"],
    ["bob@-example.com"],
    [`${"a".repeat(65)}@example.com`],
    [`a@${"b".repeat(250)}.com`],
  ])("refuses %j with invalid_email", (input) => {
    const r = parseEmail(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "invalid", reason: "invalid_email" });
  });

  it.each([[42], [null], [undefined], [{ email: "a@b.co" }], [true]])(
    "refuses the non-string %j with invalid_email",
    (input) => {
      const r = parseEmail(input);
      expect(r.ok ? null : r.error.reason).toBe("invalid_email");
    },
  );

  it.each([
    ["a@b.co"],
    ["first.last+tag@sub.example.org"],
    ["o'brien@example.ie"],
    ["x@xn--bcher-kva.example"],
  ])("accepts %j", (input) => {
    expect(isValidEmail(input)).toBe(true);
    expect(parseEmail(input).ok).toBe(true);
  });
});

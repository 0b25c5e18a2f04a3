import { describe, expect, it } from "vitest";
import { parseExpiry } from "./token-expiry.ts";

const NOW = Date.parse("2030-01-01T00:00:00Z");

describe("parseExpiry", () => {
  it("reads durations from now", () => {
    expect(parseExpiry("90m", NOW)).toBe("2030-01-01T01:30:00.000Z");
    expect(parseExpiry("12h", NOW)).toBe("2030-01-01T12:00:00.000Z");
    expect(parseExpiry("30d", NOW)).toBe("2030-01-31T00:00:00.000Z");
    expect(parseExpiry("1w", NOW)).toBe("2030-01-08T00:00:00.000Z");
  });
  it("reads ISO times", () => {
    expect(parseExpiry("2031-06-01T12:00:00Z", NOW)).toBe("2031-06-01T12:00:00.000Z");
    expect(parseExpiry("2031-06-01", NOW)).toBe("2031-06-01T00:00:00.000Z");
  });
  it("refuses anything else as a usage error", () => {
    for (const bad of ["", "0d", "30", "30y", "soon", "-1d", "2031-13-45"]) {
      expect(() => parseExpiry(bad, NOW), bad).toThrow(/--expires/);
    }
  });
});

import { describe, expect, it } from "vitest";
import { parseActivation } from "./activation-link.ts";
import { CliError } from "./exit-codes.ts";

const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd";

describe("parseActivation", () => {
  it("takes the token and the daemon URL from a link", () => {
    expect(parseActivation(`http://127.0.0.1:8086/activate/${token}`)).toEqual({
      token,
      baseUrl: "http://127.0.0.1:8086",
    });
    expect(parseActivation(` https://roster.example.com/base/activate/${token}/ `)).toEqual({
      token,
      baseUrl: "https://roster.example.com/base",
    });
  });

  it("takes a bare token", () => {
    expect(parseActivation(token)).toEqual({ token, baseUrl: undefined });
  });

  it("refuses anything else as a usage error", () => {
    for (const bad of [
      "",
      "short",
      "http://x/other/abc",
      `http://x/activate/${token}/more`,
      "has spaces in it here",
    ]) {
      let err: unknown;
      try {
        parseActivation(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(2);
    }
  });
});

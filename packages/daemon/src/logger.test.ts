import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, createPrettyLogger, logFormat, serializeError } from "./logger.ts";

function capture() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString("utf8")));
  return { out, text: () => text };
}

describe("daemon logs", () => {
  it("are readable lines on a terminal and JSON lines elsewhere, unless ROSTER_LOG_FORMAT says", () => {
    expect(logFormat({}, true)).toBe("pretty");
    expect(logFormat({}, false)).toBe("json");
    expect(logFormat({ ROSTER_LOG_FORMAT: "json" }, true)).toBe("json");
    expect(logFormat({ ROSTER_LOG_FORMAT: "pretty" }, false)).toBe("pretty");
  });

  it("redact tokens in both formats", () => {
    const pretty = capture();
    createPrettyLogger("info", { colorize: false, destination: pretty.out }).info(
      { token: "s3cret-token", authorization: "Token s3cret-token", url: "http://x" },
      "listening",
    );
    expect(pretty.text()).toMatch(/INFO.*listening/);
    expect(pretty.text()).not.toContain("s3cret-token");
    expect(pretty.text()).not.toMatch(/^\{/);

    const json = capture();
    createLogger("info", json.out).info({ token: "s3cret-token" }, "listening");
    expect(JSON.parse(json.text())).toMatchObject({ msg: "listening", token: "[redacted]" });
  });

  it("log a database error without its parameters, row values or any prefixed secret", () => {
    const err = Object.assign(new Error("new row violates check constraint"), {
      code: "23514",
      query: "insert into outbox (link_token) values ($1)",
      params: ["roster_inv_AAAAsecretBBBB"],
      detail: "Failing row contains (1, roster_inv_AAAAsecretBBBB).",
      where: "unnamed portal parameter $1 = 'roster_inv_AAAAsecretBBBB'",
      cause: new Error("see roster_tok_CCCCsecretDDDD"),
    });
    const out = capture();
    createLogger("info", out.out).error({ err }, "internal error");
    expect(out.text()).not.toContain("secret");
    const rec = JSON.parse(out.text());
    expect(rec.err).toMatchObject({
      code: "23514",
      query: "insert into outbox (link_token) values ($1)",
    });
    expect(rec.err.where).toBe("unnamed portal parameter $1 = …");
    expect(serializeError("plain")).toBe("plain");
  });
});

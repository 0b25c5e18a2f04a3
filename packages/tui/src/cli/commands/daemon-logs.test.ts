import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startOfLastLines } from "./daemon-logs.ts";

describe("startOfLastLines (roster daemon logs -n)", () => {
  const dir = mkdtempSync(join(tmpdir(), "roster-logs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tail = async (text: string, n: number) => {
    const path = join(dir, "log");
    writeFileSync(path, text);
    const size = Buffer.byteLength(text);
    return text.slice(await startOfLastLines(path, n, size));
  };

  it("finds the last n lines, with or without a final newline", async () => {
    expect(await tail("a\nb\nc\n", 2)).toBe("b\nc\n");
    expect(await tail("a\nb\nc", 2)).toBe("b\nc");
    expect(await tail("a\nb\nc\n", 1)).toBe("c\n");
    expect(await tail("a\nb\nc\n", 3)).toBe("a\nb\nc\n");
    expect(await tail("a\nb\nc\n", 10)).toBe("a\nb\nc\n");
    expect(await tail("a\nb\nc\n", 0)).toBe("");
    expect(await tail("", 5)).toBe("");
  });

  it("reads across blocks of a large log", async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i}}`);
    const text = `${lines.join("\n")}\n`;
    expect(await tail(text, 3)).toBe(`${lines.slice(-3).join("\n")}\n`);
    expect(await tail(text, 15_000)).toBe(`${lines.slice(-15_000).join("\n")}\n`);
  });
});

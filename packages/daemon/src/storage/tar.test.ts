import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packTar, unpackTar, type TarEntry } from "./tar.ts";

const dir = mkdtempSync(join(tmpdir(), "roster-tar-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deep = `${"d".repeat(60)}/${"e".repeat(60)}`;
const ENTRIES: TarEntry[] = [
  { path: "PG_VERSION", type: "file", data: Buffer.from("17\n") },
  { path: "base", type: "dir", data: new Uint8Array(0) },
  { path: "base/1", type: "dir", data: new Uint8Array(0) },
  { path: "base/1/112", type: "file", data: Buffer.alloc(8192, 7) },
  { path: "empty", type: "file", data: new Uint8Array(0) },
  { path: "d".repeat(60), type: "dir", data: new Uint8Array(0) },
  { path: deep, type: "dir", data: new Uint8Array(0) },
  // Over 100 bytes: split into ustar's prefix and name fields.
  { path: `${deep}/f`, type: "file", data: Buffer.from("x".repeat(513)) },
];

const plain = (es: TarEntry[]) => es.map((e) => ({ ...e, data: Buffer.from(e.data).toString() }));

describe("tar", () => {
  it("reads back what it packed", async () => {
    expect(plain(await unpackTar(await packTar(ENTRIES)))).toEqual(plain(ENTRIES));
  });

  it("writes archives that tar(1) extracts: files 0600, directories 0700", async () => {
    const file = join(dir, "a.tar");
    writeFileSync(file, await packTar(ENTRIES));
    const out = join(dir, "out");
    mkdirSync(out);
    execFileSync("tar", ["-xf", file, "-C", out]);
    expect(readFileSync(join(out, deep, "f"), "utf8")).toBe("x".repeat(513));
    expect(readFileSync(join(out, "base/1/112"))).toEqual(Buffer.alloc(8192, 7));
    expect(statSync(join(out, "base/1/112")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "base/1")).mode & 0o777).toBe(0o700);
  });

  it("refuses a damaged header, a truncated archive and paths out of its root", async () => {
    const archive = await packTar(ENTRIES);
    const damaged = Buffer.from(archive);
    damaged[3] = damaged[3]! ^ 1;
    await expect(unpackTar(damaged)).rejects.toThrow(/damaged/);
    await expect(unpackTar(archive.subarray(0, 700))).rejects.toThrow(/truncated/);
    for (const path of ["../etc/passwd", "a/../../b", "/etc/passwd"]) {
      const evil = await packTar([{ path, type: "file", data: Buffer.from("x") }]);
      await expect(unpackTar(evil)).rejects.toThrow(/unsafe path/);
    }
  });
});

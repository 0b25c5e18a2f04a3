/**
 * The subset of the tar format (POSIX ustar) that a PostgreSQL data
 * directory needs: regular files and directories, paths relative to the
 * archive's root. What `tar -x` reads, and what PGlite's `loadDataDir`
 * reads too; used for the data-directory template (pgdata-template.ts).
 */

export interface TarEntry {
  /** Relative path, `/`-separated, no leading `/` (directories without a trailing one). */
  path: string;
  type: "file" | "dir";
  /** The file's bytes (empty for a directory). */
  data: Uint8Array;
}

const BLOCK = 512;
const FILE = "0".charCodeAt(0);
const DIR = "5".charCodeAt(0);

/** Pack entries (parents before their children) into an uncompressed tar archive. */
export function packTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.type === "file" ? e.data : new Uint8Array(0);
    parts.push(header(e, data.length));
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** Read back an archive written by packTar (or any ustar archive of files and directories). */
export function unpackTar(archive: Uint8Array): TarEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const entries: TarEntry[] = [];
  for (let at = 0; ;) {
    // An archive ends with a zero block: without one it was cut short.
    if (at + BLOCK > buf.length) throw new Error("the archive is truncated");
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (checksum(h) !== octal(h, 148, 8))
      throw new Error(`the archive is damaged (bad header at byte ${at})`);
    const name = text(h, 0, 100);
    const prefix = h.subarray(257, 263).toString("latin1") === "ustar\0" ? text(h, 345, 155) : "";
    const path = (prefix ? `${prefix}/${name}` : name).replace(/\/+$/, "");
    const size = octal(h, 124, 12);
    const start = at + BLOCK;
    if (start + size > buf.length) throw new Error(`the archive is truncated (${path})`);
    const type = h[156] === DIR ? "dir" : h[156] === FILE || h[156] === 0 ? "file" : undefined;
    if (type === undefined) throw new Error(`unsupported tar entry type for ${path}`);
    if (path.split("/").some((p) => p === ".." || p === "") || path.startsWith("/"))
      throw new Error(`unsafe path in the archive: ${path}`);
    entries.push({ path, type, data: buf.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = e.type === "dir" ? `${e.path}/` : e.path;
  let name = path;
  let prefix = "";
  if (Buffer.byteLength(path) > 100) {
    const cut = path.lastIndexOf("/", path.length - 2);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
      throw new Error(`path too long for a tar archive: ${path}`);
  }
  h.write(name, 0, 100, "utf8");
  writeOctal(h, 100, 8, e.type === "dir" ? 0o700 : 0o600);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0);
  h[156] = e.type === "dir" ? DIR : FILE;
  h.write("ustar\0" + "00", 257, 8, "latin1");
  h.write(prefix, 345, 155, "utf8");
  writeOctal(h, 148, 7, checksum(h));
  h[155] = 0x20;
  return h;
}

/** The header's checksum: every byte summed, the checksum field counted as spaces. */
function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

function writeOctal(h: Buffer, at: number, len: number, n: number): void {
  h.write(`${n.toString(8).padStart(len - 1, "0")}\0`, at, len, "latin1");
}

function octal(h: Buffer, at: number, len: number): number {
  const s = text(h, at, len).trim();
  return s === "" ? 0 : parseInt(s, 8);
}

function text(h: Buffer, at: number, len: number): string {
  const field = h.subarray(at, at + len);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? len : end).toString("utf8");
}

/**
 * Tar archives of a PostgreSQL data directory (the data-directory template,
 * pgdata-template.ts): regular files and directories, paths relative to the
 * archive's root. The format is modern-tar's (POSIX ustar, what `tar -x`
 * reads); this module only fixes what an entry is here, reads strictly
 * (checksums, truncation) and refuses paths that would leave the root.
 */
import { packTar as pack, unpackTar as unpack, type TarEntry as RawEntry } from "modern-tar";

export interface TarEntry {
  /** Relative path, `/`-separated, no leading `/` (directories without a trailing one). */
  path: string;
  type: "file" | "dir";
  /** The file's bytes (empty for a directory). */
  data: Uint8Array;
}

/** Pack entries (parents before their children): files 0600, directories 0700. */
export async function packTar(entries: readonly TarEntry[]): Promise<Uint8Array> {
  return pack(
    entries.map((e): RawEntry =>
      e.type === "dir"
        ? { header: { name: `${e.path}/`, type: "directory", size: 0, mode: 0o700 } }
        : { header: { name: e.path, size: e.data.length, mode: 0o600 }, body: e.data },
    ),
  );
}

/** Read back an archive of files and directories; a damaged, cut or escaping one throws. */
export async function unpackTar(archive: Uint8Array): Promise<TarEntry[]> {
  let raw;
  try {
    raw = await unpack(archive, { strict: true });
  } catch (e) {
    throw new Error(`the archive is damaged: ${(e as Error).message}`, { cause: e });
  }
  return raw.map(({ header, data }) => {
    const path = header.name.replace(/\/+$/, "");
    if (path.startsWith("/") || path.split("/").some((p) => p === ".." || p === ""))
      throw new Error(`unsafe path in the archive: ${header.name}`);
    if (header.type !== "file" && header.type !== "directory")
      throw new Error(`unsupported tar entry type for ${path}: ${header.type}`);
    const type = header.type === "file" ? "file" : "dir";
    return { path, type, data: type === "file" ? (data ?? new Uint8Array(0)) : new Uint8Array(0) };
  });
}

/**
 * The data-directory template: a PGlite `pgdata` made at build time (initdb,
 * then every migration, then a clean shutdown), shipped as a gzipped tar
 * beside the daemon's code. A first start writes it into a new directory
 * instead of running initdb (1.5–3.5 s, and a second PGlite instance), and
 * the migrations then have nothing left to do.
 *
 * The archive's first entry is a manifest naming each migration it holds
 * (version and a hash of its statements). It is used only if every one of
 * them is in the daemon's list unchanged; migrations added since are applied
 * as on any start. Otherwise — no template, another schema, a damaged
 * archive — the first start runs initdb as before (pglite-open.ts).
 *
 * What a copy shares with every other copy of the same template: PostgreSQL's
 * system identifier (pg_control), which only pairs WAL files with their
 * cluster (Roster has no physical replication; backups are logical dumps),
 * and the build time in schema_migrations.applied_at. It holds no secret and
 * no lock: Roster makes no per-instance key (tokens are random per request,
 * idempotency records are encrypted with a key derived from the client's
 * Idempotency-Key), and the data-directory lock lives beside `pgdata`.
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { syncDir } from "./sync-tree.ts";
import { unpackTar, type TarEntry } from "./tar.ts";

/** Its file name; the build puts the file beside the module that holds this line. */
export const TEMPLATE_FILE = "pgdata-template.tar.gz";
/** The manifest's name inside the archive (not written into `pgdata`). */
export const MANIFEST_ENTRY = "roster-template.json";

/** Where the daemon looks for its template: beside this module (or its bundled chunk). */
export function defaultTemplateFile(): string {
  return fileURLToPath(new URL("./pgdata-template.tar.gz", import.meta.url));
}

export interface TemplateManifest {
  format: 1;
  /** The migrations applied in the template, each with the hash of its name and statements. */
  migrations: { version: number; sha256: string }[];
  /** The PGlite version that made it (for the build's cache; not checked at run time). */
  pglite: string;
}

/** Each migration's version and hash, as a manifest lists them. */
export function migrationPrints(
  migrations: readonly Migration[] = MIGRATIONS,
): TemplateManifest["migrations"] {
  return [...migrations]
    .sort((a, b) => a.version - b.version)
    .map((m) => ({
      version: m.version,
      sha256: createHash("sha256")
        .update(JSON.stringify([m.version, m.name, m.statements]))
        .digest("hex"),
    }));
}

/** Why a template with this manifest cannot start a database for `migrations`, if it cannot. */
export function templateMismatch(
  manifest: TemplateManifest,
  migrations: readonly Migration[] = MIGRATIONS,
): string | undefined {
  if (manifest.format !== 1) return `unknown template format ${String(manifest.format)}`;
  const ours = new Map(migrationPrints(migrations).map((m) => [m.version, m.sha256]));
  for (const m of manifest.migrations) {
    const sha = ours.get(m.version);
    if (sha === undefined) return `the template holds migration ${m.version}, unknown here`;
    if (sha !== m.sha256) return `the template's migration ${m.version} differs from this one`;
  }
  return undefined;
}

export type TemplateRead =
  { ok: true; manifest: TemplateManifest; entries: TarEntry[] } | { ok: false; why: string };

/** Read a template and check it against `migrations`; says why when it cannot be used. */
export async function readTemplate(
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<TemplateRead> {
  let entries: TarEntry[];
  let manifest: TemplateManifest;
  try {
    entries = await unpackTar(await promisify(gunzip)(await readFile(file)));
    const first = entries[0];
    if (first?.path !== MANIFEST_ENTRY) return { ok: false, why: `${file} has no manifest` };
    manifest = JSON.parse(Buffer.from(first.data).toString("utf8")) as TemplateManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, why: `no template at ${file}` };
    return { ok: false, why: `${file} cannot be read: ${(e as Error).message}` };
  }
  const mismatch = templateMismatch(manifest, migrations);
  if (mismatch) return { ok: false, why: mismatch };
  if (!entries.some((e) => e.path === "PG_VERSION"))
    return { ok: false, why: `${file} holds no database` };
  return { ok: true, manifest, entries: entries.slice(1) };
}

/** Files written at once (each holds a file descriptor meanwhile). */
const PARALLEL = 16;

/**
 * Write a template's entries into `dir` (new, created here) and sync every
 * file and directory to disk: what was copied is durable when this returns.
 * Directories 0700, files 0600: Postgres's rule for its data directory.
 */
export async function writeTemplate(entries: readonly TarEntry[], dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  const dirs = entries.filter((e) => e.type === "dir").map((e) => join(dir, e.path));
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  const files = entries.filter((e) => e.type === "file");
  for (let i = 0; i < files.length; i += PARALLEL) {
    await Promise.all(
      files.slice(i, i + PARALLEL).map((e) => writeSynced(join(dir, e.path), e.data)),
    );
  }
  // Children before parents: each directory's entries, then the directory holding it.
  for (const d of dirs.sort((a, b) => b.length - a.length)) await syncDir(d);
  await syncDir(dir);
}

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

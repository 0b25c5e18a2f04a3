/**
 * Making the data-directory template (pgdata-template.ts) at build time:
 * PGlite's initdb in a scratch directory, every migration applied, a clean
 * shutdown (pg_control says "shut down": no recovery on the first start),
 * then the directory packed as a gzipped tar whose first entry is the
 * manifest. PGlite's own dumpDataDir() is not used: it reads the files of a
 * running instance, whose pg_control says "in production", so every copy
 * would start with crash recovery.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { migrate, MIGRATIONS, type Migration } from "./migrations.ts";
import {
  defaultTemplateFile,
  MANIFEST_ENTRY,
  migrationPrints,
  readTemplate,
  type TemplateManifest,
} from "./pgdata-template.ts";
import { openPgliteStorage, pgdataDir } from "./pglite-storage.ts";
import { needsRecoverySync } from "./synced-tree.ts";
import { packTar, type TarEntry } from "./tar.ts";

export { TEMPLATE_FILE } from "./pgdata-template.ts";

/**
 * The build's step: make the template where the daemon's source looks for it
 * (defaultTemplateFile) unless the one there is current. Returns its path.
 */
export async function ensurePgdataTemplate(
  file = defaultTemplateFile(),
): Promise<{ file: string; built: boolean }> {
  const pglite = pgliteVersion();
  if (await isTemplateCurrent(file, pglite)) return { file, built: false };
  await buildPgdataTemplate(file, pglite);
  return { file, built: true };
}

/** The version of the PGlite this daemon runs. */
export function pgliteVersion(): string {
  const main = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const pkg = JSON.parse(readFileSync(join(dirname(main), "..", "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Write the template for `migrations` to `file` (atomically: a temporary file
 * renamed into place). `pglite` is the version of PGlite that made it.
 */
export async function buildPgdataTemplate(
  file: string,
  pglite: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<TemplateManifest> {
  const work = mkdtempSync(join(tmpdir(), "roster-template-"));
  try {
    const storage = await openPgliteStorage({ dataDir: work, template: null });
    try {
      await migrate(storage, migrations);
    } finally {
      await storage.close();
    }
    return await packTemplate(pgdataDir(work), file, {
      format: 1,
      migrations: migrationPrints(migrations),
      pglite,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Pack the cleanly closed data directory `pgdata` as a template with `manifest`, into `file`. */
export async function packTemplate(
  pgdata: string,
  file: string,
  manifest: TemplateManifest,
): Promise<TemplateManifest> {
  // Every copy of a directory that was not shut down cleanly would start with crash recovery.
  if (needsRecoverySync(pgdata)) throw new Error(`${pgdata} was not shut down cleanly`);
  const entries: TarEntry[] = [
    { path: MANIFEST_ENTRY, type: "file", data: Buffer.from(JSON.stringify(manifest)) },
    ...walk(pgdata),
  ];
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, gzipSync(await packTar(entries), { level: 9 }));
  renameSync(tmp, file);
  return manifest;
}

/** Whether `file` is a template of these migrations made by this PGlite (the build's cache). */
export async function isTemplateCurrent(
  file: string,
  pglite: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<boolean> {
  const read = await readTemplate(file, migrations);
  return (
    read.ok &&
    read.manifest.pglite === pglite &&
    JSON.stringify(read.manifest.migrations) === JSON.stringify(migrationPrints(migrations))
  );
}

/** Every directory and file under `root`, parents first, in a stable order. */
function walk(root: string, rel = ""): TarEntry[] {
  const out: TarEntry[] = [];
  const dir = rel ? join(root, rel) : root;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      out.push({ path, type: "dir", data: new Uint8Array(0) });
      out.push(...walk(root, path));
    } else if (e.isFile()) {
      out.push({ path, type: "file", data: readFileSync(join(root, path)) });
    } else {
      throw new Error(`unexpected entry in a new data directory: ${path}`);
    }
  }
  return out;
}

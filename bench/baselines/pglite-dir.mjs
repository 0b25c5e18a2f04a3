/**
 * Shared by the PGlite baselines: where a Roster data directory keeps its
 * PGlite database (found by its PG_VERSION file, not by a path the daemon
 * may change), and PGlite's options for the experiments.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";

/** The directory under `dataDir` (depth ≤ 3) holding PG_VERSION; `<dataDir>/pgdata` when none does. */
export function findPgdata(dataDir, depth = 3) {
  if (existsSync(join(dataDir, "PG_VERSION"))) return dataDir;
  if (depth > 0 && existsSync(dataDir)) {
    for (const name of readdirSync(dataDir)) {
      const sub = join(dataDir, name);
      if (!statSync(sub).isDirectory()) continue;
      const found = findPgdata(sub, depth - 1);
      if (existsSync(join(found, "PG_VERSION"))) return found;
    }
  }
  return join(dataDir, "pgdata");
}

/**
 * Open PGlite on `dir` as the daemon does (defaults), or with the Postgres
 * settings in ROSTER_BENCH_PG_SETTINGS ("name=value,name=value") added to
 * PGlite's own start parameters — for the memory experiments.
 */
export function openPglite(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const settings = (process.env.ROSTER_BENCH_PG_SETTINGS ?? "").split(",").filter(Boolean);
  const opts = { dataDir: dir };
  if (settings.length) {
    opts.startParams = [...PGlite.defaultStartParams, ...settings.flatMap((s) => ["-c", s])];
  }
  return PGlite.create(opts);
}
